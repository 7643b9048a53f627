//go:build !linux

package simnet

import (
	"errors"
	"fmt"
)

func backWithHugePages() (HugePages, error) {
	return HugePages{}, fmt.Errorf("simnet: huge pages: %w", errors.ErrUnsupported)
}
