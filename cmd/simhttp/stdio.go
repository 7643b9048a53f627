package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// env is what a command talks to: its command line and standard streams.
type env struct {
	args   []string // the command line after the program's name
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

// open opens a file named on the command line for reading; - is standard
// input. A file that does not exist is a bad command line (exit 2).
func (e *env) open(path string) (io.ReadCloser, error) {
	if path == "-" {
		return io.NopCloser(e.stdin), nil
	}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, usagef("%s: no such file", path)
	}
	return f, err
}

// create opens a file named on the command line for writing; - is
// standard output. Closing standard output leaves it open.
func (e *env) create(path string) (io.WriteCloser, error) {
	if path == "-" {
		return nopWriteCloser{e.stdout}, nil
	}
	return os.Create(path)
}

type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }

// writeFile writes a report to path (- for standard output) with write,
// naming the file in any error.
func (e *env) writeFile(path string, write func(io.Writer) error) error {
	f, err := e.create(path)
	if err != nil {
		return err
	}
	if err := errors.Join(write(f), f.Close()); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// commandLine is args as a shell command that runs them again.
func commandLine(args []string) string {
	var b strings.Builder
	b.WriteString("simhttp")
	for _, a := range args {
		b.WriteByte(' ')
		if a != "" && strings.Trim(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=,@+") == "" {
			b.WriteString(a)
			continue
		}
		b.WriteString("'" + strings.ReplaceAll(a, "'", `'\''`) + "'")
	}
	return b.String()
}

// name is how messages call a file named on the command line.
func name(path string) string {
	if path == "-" {
		return "standard input"
	}
	return path
}

// isTerminal reports whether w is a terminal, so progress bars go only to
// people, never into files, pipes or CI logs.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
