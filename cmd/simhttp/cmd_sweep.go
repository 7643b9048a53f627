package main

import (
	"errors"
	"runtime"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/simhttp/simhttp/features"
)

func init() {
	commands["sweep"] = command{
		summary: "run @sweep scenarios under seeded random faults and check their invariants",
		usage:   "[FEATURES...] --seeds A-B [flags]",
		about: `Each seed draws one to three fault rules; every failing seed is reported
with the command that reproduces it and the smallest fault schedule that
still fails. --shard I/N runs every N-th seed, so N machines split a range.
A sweep whose features hold no @sweep scenario exits 2.`,
		example: `simhttp sweep --seeds 1-500
simhttp sweep --seeds 1-10000 --shard 2/8 --jobs 4`,
		setup: setupSweep,
	}
}

func setupSweep(fs *pflag.FlagSet) func(*env, []string) error {
	seeds := fs.String("seeds", "", "inclusive seed range `A-B` (required)")
	shard := fs.String("shard", "", "run only shard I of N (`I/N`), to split the seeds across machines")
	jobs := fs.Int("jobs", runtime.NumCPU(), "how many seeds run at once (`N`); the report is the same for any value")
	return func(e *env, paths []string) error {
		lo, hi, err := parseRange(*seeds)
		if err != nil {
			return err
		}
		if *jobs < 1 {
			return usagef("--jobs %d: want at least 1", *jobs)
		}
		var sh [2]int
		if *shard != "" {
			if sh, err = parseShard(*shard); err != nil {
				return err
			}
		}
		bar := e.progress("sweep", int64(hi-lo+1), false)
		ok, err := features.Sweep(features.SweepOptions{
			Paths: paths, Seeds: [2]uint64{lo, hi}, Shard: sh, Jobs: *jobs, Output: e.stdout, Progress: bar.set,
		})
		bar.done()
		if err != nil {
			return featuresError(err)
		}
		if !ok {
			return &checkFailed{}
		}
		return nil
	}
}

func parseRange(s string) (lo, hi uint64, err error) {
	if s == "" {
		return 0, 0, usagef("--seeds A-B is required")
	}
	a, b, found := strings.Cut(s, "-")
	if !found {
		b = a
	}
	lo, err1 := strconv.ParseUint(a, 10, 64)
	hi, err2 := strconv.ParseUint(b, 10, 64)
	if err := errors.Join(err1, err2); err != nil || lo > hi {
		return 0, 0, usagef("--seeds %q: want A-B with whole numbers A <= B", s)
	}
	return lo, hi, nil
}

func parseShard(s string) ([2]int, error) {
	a, b, found := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !found || errors.Join(err1, err2) != nil || n < 1 || i < 1 || i > n {
		return [2]int{}, usagef("--shard %q: want I/N with 1 <= I <= N", s)
	}
	return [2]int{i, n}, nil
}
