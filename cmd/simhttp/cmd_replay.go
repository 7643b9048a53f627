package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/simhttp/simhttp/replay"
	"github.com/simhttp/simhttp/simnet"
)

func init() {
	commands["replay"] = command{
		summary: "send a capture's requests to a real server at the captured pace and diff every response",
		usage:   "CAPTURE --target URL [flags]",
		about: `Each captured connection is replayed on a keep-alive connection of its own.
Exit 1 when a response differed or failed, 2 when the capture holds no
exchange to replay, 3 when the target could not be reached at all.
Volatile response headers are left out of the comparison, and the report
says which and how often they differed: Date, and the header names listed
one a line (# comments) in ./.simhttp-volatile if it exists, or in the file
given to --volatile. --strict compares them too.
CAPTURE - reads standard input; --junit - writes JUnit XML to standard
output and the text report to standard error.`,
		example: `simhttp replay traffic.pcapng --target http://127.0.0.1:8080 --speed max
simhttp replay traffic.pcap --target http://localhost:3000 --ignore-header X-Request-Id --ignore-json '$.id' --junit replay.xml`,
		setup: setupReplay,
	}
}

func setupReplay(fs *pflag.FlagSet) func(*env, []string) error {
	target := fs.String("target", "", "server to replay against, `URL` http://host:port (required)")
	speed := fs.String("speed", "1", "pace `X`: 1 as captured, 2 twice as fast, max without waiting")
	ignoreHeaders := fs.StringArray("ignore-header", nil, "response header `NAME` left out of the comparison (repeatable)")
	ignoreJSON := fs.StringArray("ignore-json", nil, "JSON body `PATH` left out of the comparison, e.g. $.id or items[*].ts (repeatable)")
	junit := fs.String("junit", "", "also write the report as JUnit XML to `FILE`, - for standard output")
	timeout := fs.Duration("timeout", 30*time.Second, "fail an exchange whose connection stays silent this `DURATION` (e.g. 500ms, 1m)")
	keylog := fs.String("keylog", "", "decrypt TLS in the capture with the NSS key log `FILE` (SSLKEYLOGFILE)")
	strict := fs.Bool("strict", false, "compare every header, Date and the volatile ones too")
	volatileFile := fs.String("volatile", "", "read more volatile header names, one a line, from `FILE` (default ./"+defaultVolatileFile+" if it exists)")
	return func(e *env, files []string) error {
		if len(files) != 1 {
			return usagef("want exactly one CAPTURE file, got %d arguments", len(files))
		}
		if *target == "" {
			return usagef("--target URL is required")
		}
		if *strict && *volatileFile != "" {
			return usagef("--strict compares every header; --volatile %s would be ignored", *volatileFile)
		}
		var volatile []string
		if !*strict {
			var err error
			if volatile, err = e.volatileHeaders(*volatileFile); err != nil {
				return err
			}
		}
		pace, err := replay.ParseSpeed(*speed)
		if err != nil {
			return usagef("--speed %q: want max or a factor such as 1, 2.5 or 2x", *speed)
		}
		if *timeout <= 0 {
			return usagef("--timeout %v: want a positive duration such as 30s", *timeout)
		}
		c, err := e.readCapture(files[0], *keylog)
		if err != nil {
			return err
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
		defer stop()
		bar := e.progress("replay", -1, false)
		rep, err := replay.Run(ctx, c, replay.ReplayOptions{
			Target: *target, Speed: pace, IgnoreHeaders: *ignoreHeaders, IgnoreJSONPaths: *ignoreJSON,
			VolatileHeaders: volatile, Strict: *strict,
			Timeout: *timeout, Progress: bar.set,
		})
		bar.done()
		if err != nil {
			return replayOptionError(err)
		}
		if len(rep.Results) == 0 {
			return &badInput{err: fmt.Errorf("%s: no HTTP exchange to replay: the capture holds no request", name(files[0]))}
		}
		text := e.stdout
		if *junit == "-" {
			text = e.stderr
		}
		if err := rep.WriteText(text); err != nil {
			return err
		}
		if *junit != "" {
			if err := e.writeFile(*junit, rep.WriteJUnit); err != nil {
				return err
			}
		}
		if err := unreachable(rep); err != nil {
			return err
		}
		if rep.Differed() {
			return &checkFailed{}
		}
		if sent(rep) == 0 {
			return &badInput{err: fmt.Errorf("%s: nothing replayed: every captured exchange was skipped (see above)", name(files[0]))}
		}
		return nil
	}
}

// defaultVolatileFile is read for volatile header names when --volatile
// names no file.
const defaultVolatileFile = ".simhttp-volatile"

// volatileHeaders reads the volatile header names of path, or of
// defaultVolatileFile when path is "" and that file exists.
func (e *env) volatileHeaders(path string) ([]string, error) {
	if path == "" {
		if _, err := os.Stat(defaultVolatileFile); err != nil {
			return nil, nil
		}
		path = defaultVolatileFile
	}
	f, err := e.open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	names, err := replay.ParseHeaderList(f, name(path))
	if err != nil {
		return nil, &badInput{err: err}
	}
	return names, nil
}

// replayFlags names the command line flag behind each option of replay's
// options, so its messages name what the user typed.
var replayFlags = strings.NewReplacer(
	"replay: ", "",
	"ReplayOptions.Target", "--target",
	"ReplayOptions.Speed", "--speed",
	"ReplayOptions.IgnoreHeaders", "--ignore-header",
	"ReplayOptions.IgnoreJSONPaths", "--ignore-json",
)

// replayOptionError turns replay's error for an unusable option into a bad
// command line naming the flag.
func replayOptionError(err error) error {
	if errors.Is(err, replay.ErrInvalidArg) {
		return usagef("%s", replayFlags.Replace(err.Error()))
	}
	return err
}

// connectCodes are the errors of a connection that could not be made.
var connectCodes = map[string]bool{
	"ECONNREFUSED": true, "ENOTFOUND": true, "EHOSTUNREACH": true,
	"ENETUNREACH": true, "EAI_AGAIN": true, "EADDRNOTAVAIL": true,
}

// unreachable reports a replay in which no exchange got through because
// no connection could be made: the target is not there (exit 3).
func unreachable(rep *replay.ReplayReport) error {
	var first error
	for _, x := range rep.Results {
		switch {
		case x.Outcome == replay.OutcomeSkipped:
		case x.Outcome == replay.OutcomeFailed && connectCodes[simnet.CodeOf(x.Err)]:
			if first == nil {
				first = x.Err
			}
		default:
			return nil
		}
	}
	if first == nil {
		return nil
	}
	return fmt.Errorf("could not reach %s: %w", rep.Target, first)
}

func sent(rep *replay.ReplayReport) int {
	n := 0
	for _, x := range rep.Results {
		if x.Outcome != replay.OutcomeSkipped {
			n++
		}
	}
	return n
}

// readCapture reads a whole capture for replay or a mock, decrypting TLS
// with the key log at keylog if not empty, naming the file in any error.
func (e *env) readCapture(path, keylog string) (*replay.Capture, error) {
	opts, err := e.keyLogOption(keylog, path)
	if err != nil {
		return nil, err
	}
	f, err := e.open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	bar := e.progress("reading "+name(path), sizeOf(path), true)
	c, err := replay.ReadCapture(bar.reader(f), opts...)
	bar.done()
	if err != nil {
		return nil, captureError(path, err)
	}
	return c, nil
}
