package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/simhttp/simhttp/replay"
)

func init() {
	commands["replay"] = command{
		summary: "send a capture's requests to a real server at the captured pace and diff every response",
		usage:   "replay CAPTURE --target URL [--keylog FILE] [--speed X|max] [--ignore-header NAME]... [--ignore-json PATH]... [--junit FILE] [--timeout MS]",
		run:     runReplay,
	}
}

// replayDiffered is the exit status when a response differed or failed.
const replayDiffered = 1

func runReplay(args []string, stdout, _ io.Writer) error {
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	target := fs.String("target", "", "server to replay against, http://host:port")
	speed := fs.String("speed", "1", "pace: 1 as captured, 2 twice as fast, max without waiting")
	var ignoreHeaders, ignoreJSON multiFlag
	fs.Var(&ignoreHeaders, "ignore-header", "response header left out of the comparison (repeatable)")
	fs.Var(&ignoreJSON, "ignore-json", "JSON body path left out of the comparison, e.g. $.id or items[*].ts (repeatable)")
	junit := fs.String("junit", "", "also write the report as JUnit XML to this file")
	timeoutMS := fs.Int("timeout", 30000, "fail an exchange whose connection stays silent this many milliseconds")
	keylog := fs.String("keylog", "", "decrypt TLS in the capture with this NSS key log (SSLKEYLOGFILE)")
	files, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(files) != 1 {
		return &usageError{msg: "want exactly one CAPTURE file"}
	}
	if *target == "" {
		return &usageError{msg: "--target URL is required"}
	}
	pace, err := replay.ParseSpeed(*speed)
	if err != nil {
		return &usageError{msg: fmt.Sprintf("--speed %q: %v", *speed, err)}
	}
	if *timeoutMS <= 0 {
		return &usageError{msg: fmt.Sprintf("--timeout %d: want a positive number of milliseconds", *timeoutMS)}
	}
	c, err := readCapture(files[0], *keylog)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	rep, err := replay.Run(ctx, c, replay.ReplayOptions{
		Target: *target, Speed: pace, IgnoreHeaders: ignoreHeaders, IgnoreJSONPaths: ignoreJSON,
		Timeout: time.Duration(*timeoutMS) * time.Millisecond,
	})
	if err != nil {
		return err
	}
	if err := rep.WriteText(stdout); err != nil {
		return err
	}
	if *junit != "" {
		if err := writeFile(*junit, rep.WriteJUnit); err != nil {
			return err
		}
	}
	if rep.Differed() {
		return &exitError{code: replayDiffered, err: errors.New("")}
	}
	return nil
}

// readCapture reads a whole capture for replay or a mock, decrypting TLS
// with the key log at keylog if not empty, naming the file in any error.
func readCapture(path, keylog string) (*replay.Capture, error) {
	opts, err := keyLogOption(keylog)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	c, err := replay.ReadCapture(f, opts...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// writeFile writes a report to path with write, naming the file in any error.
func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := errors.Join(write(f), f.Close()); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
