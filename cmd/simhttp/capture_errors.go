package main

import (
	"errors"
	"fmt"

	"github.com/simhttp/simhttp/replay"
)

// captureError names the file in an error reading a capture or key log:
// a file that is not what it should be is bad input (exit 2), a failing
// read could not run (exit 3).
func captureError(path string, err error) error {
	err = fmt.Errorf("%s: %w", name(path), err)
	var re *replay.Error
	if errors.As(err, &re) {
		return &badInput{err: err}
	}
	return err
}
