package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"

	"github.com/simhttp/simhttp/features"
)

func init() {
	commands["run"] = command{
		summary: "run Gherkin scenarios on the simulated network (the bundled features when no path is given)",
		usage:   "run [FEATURES...] [--seed N] [--format pretty|progress|junit|cucumber|events[:FILE],...]... [--tags EXPR] [--concurrency N] [--trace DIR]",
		run:     runFeatures,
	}
	commands["steps"] = command{
		summary: "print the Gherkin step vocabulary, with an example for each step",
		usage:   "steps",
		run:     runSteps,
	}
	commands["trace"] = command{
		summary: "print one scenario's event trace",
		usage:   "trace FEATURE:LINE [--seed N] [--net] [--json]",
		run:     runTrace,
	}
	commands["sweep"] = command{
		summary: "run @sweep scenarios under seeded random faults and check their invariants",
		usage:   "sweep [FEATURES...] --seeds A-B [--shard I/N] [--jobs N]",
		run:     runSweep,
	}
}

// scenarioFailed is the exit status when scenarios ran but some failed.
const scenarioFailed = 1

func runFeatures(args []string, stdout, _ io.Writer) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	seed := fs.Uint64("seed", 1, "seed for every scenario's world")
	var formats formatList
	fs.Var(&formats, "format", "report formats, comma-separated or repeated, each NAME or NAME:FILE: pretty (default), progress, junit, cucumber, events")
	tags := fs.String("tags", "", "run only the scenarios matching this godog tag expression (\"@node && ~@slow\")")
	concurrency := fs.Int("concurrency", 1, "run this many scenarios at once")
	traceDir := fs.String("trace", "", "write each scenario's JSONL trace into this directory")
	paths, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if *concurrency < 1 {
		return &usageError{msg: fmt.Sprintf("--concurrency %d: want 1 or more", *concurrency)}
	}
	ok, err := features.Run(features.RunOptions{
		Paths: paths, Seed: *seed, Format: strings.Join(formats, ","), Tags: *tags,
		Concurrency: *concurrency, Output: stdout, TraceDir: *traceDir,
	})
	if !ok || err != nil {
		return &exitError{code: scenarioFailed, err: err}
	}
	return nil
}

// formatList collects --format values, each a comma-separated list.
type formatList []string

func (f *formatList) String() string { return strings.Join(*f, ",") }

func (f *formatList) Set(v string) error {
	*f = append(*f, v)
	return nil
}

func runSteps(args []string, stdout, _ io.Writer) error {
	fs := flag.NewFlagSet("steps", flag.ContinueOnError)
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return &usageError{msg: fmt.Sprintf("unexpected argument %q", rest[0])}
	}
	return features.Vocabulary(stdout)
}

func runTrace(args []string, stdout, _ io.Writer) error {
	fs := flag.NewFlagSet("trace", flag.ContinueOnError)
	seed := fs.Uint64("seed", 1, "seed for the scenario's world")
	withNet := fs.Bool("net", false, "include the network's packets")
	asJSON := fs.Bool("json", false, "print JSON Lines instead of the compact form")
	refs, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(refs) != 1 {
		return &usageError{msg: "want exactly one FEATURE:LINE"}
	}
	return features.Trace(refs[0], *seed, *withNet, *asJSON, stdout)
}

func runSweep(args []string, stdout, _ io.Writer) error {
	fs := flag.NewFlagSet("sweep", flag.ContinueOnError)
	seeds := fs.String("seeds", "", "inclusive seed range A-B")
	shard := fs.String("shard", "", "run only shard I of N (I/N), to split seeds across machines")
	jobs := fs.Int("jobs", runtime.NumCPU(), "how many seeds run at once; the report is the same for any value")
	paths, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	lo, hi, err := parseRange(*seeds)
	if err != nil {
		return err
	}
	if *jobs < 1 {
		return &usageError{msg: fmt.Sprintf("--jobs %d: want at least 1", *jobs)}
	}
	var sh [2]int
	if *shard != "" {
		if sh, err = parseShard(*shard); err != nil {
			return err
		}
	}
	ok, err := features.Sweep(features.SweepOptions{
		Paths: paths, Seeds: [2]uint64{lo, hi}, Shard: sh, Jobs: *jobs, Output: stdout,
		Progress: stdout == io.Writer(os.Stdout),
	})
	if !ok || err != nil {
		return &exitError{code: scenarioFailed, err: err}
	}
	return nil
}

func parseRange(s string) (lo, hi uint64, err error) {
	if s == "" {
		return 0, 0, &usageError{msg: "--seeds A-B is required"}
	}
	a, b, found := strings.Cut(s, "-")
	if !found {
		b = a
	}
	lo, err1 := strconv.ParseUint(a, 10, 64)
	hi, err2 := strconv.ParseUint(b, 10, 64)
	if err := errors.Join(err1, err2); err != nil || lo > hi {
		return 0, 0, &usageError{msg: fmt.Sprintf("--seeds %q: want A-B with whole numbers A <= B", s)}
	}
	return lo, hi, nil
}

func parseShard(s string) ([2]int, error) {
	a, b, found := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !found || errors.Join(err1, err2) != nil || n < 1 || i < 1 || i > n {
		return [2]int{}, &usageError{msg: fmt.Sprintf("--shard %q: want I/N with 1 <= I <= N", s)}
	}
	return [2]int{i, n}, nil
}
