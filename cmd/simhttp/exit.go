package main

import (
	"errors"
	"fmt"
	"io"
)

// Exit statuses, the same for every command (README.md, "Exit status").
const (
	exitOK        = 0 // success
	exitFailed    = 1 // a check failed: a scenario, a replay diff, an inspect problem under --strict
	exitUsage     = 2 // a bad command line or a bad input file
	exitCannotRun = 3 // could not run: I/O, an unreachable target
)

const exitCodesHelp = `
exit status:
  0  success
  1  a check failed (a scenario, a replayed response that differed, a problem under --strict)
  2  bad command line or bad input file (the message names the flag, file or line)
  3  could not run (reading or writing files, an unreachable target)
`

// usageError is a mistake in the command line itself: exit 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// usagef makes a usageError from a format.
func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// badInput is an input file that cannot be used (it does not parse, or
// names something that does not exist): exit 2.
type badInput struct{ err error }

func (e *badInput) Error() string { return e.err.Error() }
func (e *badInput) Unwrap() error { return e.err }

// checkFailed means the command ran and a check failed: exit 1. err says
// why, or is nil when the command's report on standard output says it.
type checkFailed struct{ err error }

func (e *checkFailed) Error() string {
	if e.err == nil {
		return "a check failed"
	}
	return e.err.Error()
}
func (e *checkFailed) Unwrap() error { return e.err }

// exitStatus maps the error a command returned to its exit status: marked
// errors by their mark, anything else as "could not run".
func exitStatus(err error) int {
	var ue *usageError
	var bi *badInput
	var cf *checkFailed
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ue), errors.As(err, &bi):
		return exitUsage
	case errors.As(err, &cf):
		return exitFailed
	}
	return exitCannotRun
}

// conclude prints a command's error, if any, and returns its exit status.
func conclude(stderr io.Writer, name string, cmd command, err error) int {
	code := exitStatus(err)
	var ue *usageError
	var cf *checkFailed
	switch {
	case code == exitOK:
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "simhttp %s: %s\nusage: simhttp %s %s (see simhttp help %s)\n", name, ue.msg, name, cmd.usage, name)
	case errors.As(err, &cf) && cf.err == nil:
	default:
		fmt.Fprintf(stderr, "simhttp %s: %v\n", name, err)
	}
	return code
}
