package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	"github.com/spf13/pflag"

	"github.com/simhttp/simhttp/features"
)

func init() {
	commands["sweep"] = command{
		summary: "run @sweep scenarios under seeded random faults and check their invariants",
		usage:   "[FEATURES...] --seeds A-B [flags] | --merge RESULT.json... [flags]",
		about: `Each seed draws one to three fault rules; every failing seed is reported
with the command that reproduces it and the smallest fault schedule that
still fails. --shard I/N runs every N-th seed, so N machines split a range;
each writes its result with --json, and --merge joins them (every shard
exactly once) into one report, JSON and JUnit. --check-determinism runs
each seed twice and fails a seed whose runs differ, naming the first event
where they part. --jobs N runs seeds in this process and in N-1 worker
processes of simhttp (no more than there are seeds); the report is the
same for any N. A sweep whose features hold no @sweep scenario, or whose
shard holds no seed of the range, exits 2; so does one of more than
10,000,000 seeds (split it with --shard).`,
		example: `simhttp sweep --seeds 1-500
simhttp sweep --seeds 1-10000 --shard 2/8 --jobs 4 --json shard-2.json
simhttp sweep --merge shard-*.json --junit sweep.xml --json sweep.json
simhttp sweep --seeds 1-200 --check-determinism`,
		setup: setupSweep,
	}
}

func setupSweep(fs *pflag.FlagSet) func(*env, []string) error {
	seeds := fs.String("seeds", "", "inclusive seed range `A-B` (required unless --merge)")
	shard := fs.String("shard", "", "run only shard I of N (`I/N`), to split the seeds across machines")
	jobs := fs.Int("jobs", runtime.NumCPU(), "how many seeds run at once (`N`): one in this process, the others in worker processes; the report is the same for any value")
	determinism := fs.Bool("check-determinism", false, "run each seed twice and fail a seed whose two runs differ")
	merge := fs.Bool("merge", false, "join the shard results named as arguments (JSON from --json) instead of running")
	jsonOut := fs.String("json", "", "also write the result as JSON to `FILE` (- for standard output), the form --merge reads")
	junitOut := fs.String("junit", "", "also write the result as JUnit XML to `FILE` (- for standard output), a test case per seed")
	return func(e *env, args []string) error {
		if *jsonOut == "-" && *junitOut == "-" {
			return usagef("--json - and --junit - would both write to standard output")
		}
		var res *features.SweepResult
		var err error
		if *merge {
			if *seeds != "" || *shard != "" || *determinism {
				return usagef("--merge joins results already run; it takes no --seeds, --shard or --check-determinism")
			}
			res, err = e.mergeSweeps(args, *jsonOut == "-" || *junitOut == "-")
		} else {
			res, err = e.runSweep(args, *seeds, *shard, *jobs, *determinism, *jsonOut == "-" || *junitOut == "-")
		}
		if err != nil {
			return err
		}
		for _, out := range []struct {
			path  string
			write func(io.Writer) error
		}{{*jsonOut, res.WriteJSON}, {*junitOut, res.WriteJUnit}} {
			if out.path != "" {
				if err := e.writeFile(out.path, out.write); err != nil {
					return err
				}
			}
		}
		if res.FailedSeeds > 0 {
			return &checkFailed{}
		}
		return nil
	}
}

// runSweep runs a sweep and prints its report, on standard error when
// quiet because a machine-readable result goes to standard output.
func (e *env) runSweep(paths []string, seeds, shard string, jobs int, determinism, quiet bool) (*features.SweepResult, error) {
	lo, hi, err := parseRange(seeds)
	if err != nil {
		return nil, err
	}
	if jobs < 1 {
		return nil, usagef("--jobs %d: want at least 1", jobs)
	}
	var sh [2]int
	if shard != "" {
		if sh, err = parseShard(shard); err != nil {
			return nil, err
		}
	}
	out := e.stdout
	if quiet {
		out = e.stderr
	}
	var res features.SweepResult
	opts := features.SweepOptions{
		Paths: paths, Seeds: [2]uint64{lo, hi}, Shard: sh, Jobs: jobs, Output: out,
		CheckDeterminism: determinism, Result: &res, Stdin: e.stdin, BatchGC: batchGC(),
	}
	seedCount, err := opts.SeedCount()
	if err != nil {
		return nil, featuresError(err)
	}
	if procs := workerProcs(jobs, seedCount); procs > 0 {
		interrupted, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		w, err := e.inWorkers(&opts, procs, interrupted)
		if err != nil {
			return nil, err
		}
		defer w.stop()
	}
	bar := e.progress("sweep", int64(seedCount), false)
	opts.Progress = bar.set
	_, err = features.Sweep(opts)
	bar.done()
	if err != nil {
		return nil, featuresError(err)
	}
	return &res, nil
}

// workerProcs is how many worker processes `--jobs jobs` starts for a
// sweep of seeds seeds. This process runs seeds as one of the jobs, so
// jobs-1, but no more than there are seeds to share with it: each costs a
// process start and a load of the features.
func workerProcs(jobs, seeds int) int {
	return min(max(jobs, 1), max(seeds, 1)) - 1
}

// inWorkers starts procs worker processes of this program and makes opts
// run its seeds in them and in this process; they stop when interrupted
// ends.
func (e *env) inWorkers(opts *features.SweepOptions, procs int, interrupted context.Context) (*workers, error) {
	if isWorker() {
		return nil, fmt.Errorf("%s is set: a sweep worker does not start workers of its own", workerEnv)
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("finding this program to start sweep workers (--jobs 1 runs without them): %w", err)
	}
	job := workerJob{Paths: opts.Paths, CheckDeterminism: opts.CheckDeterminism}
	if readsStdin(opts.Paths) {
		if job.Stdin, err = io.ReadAll(e.stdin); err != nil {
			return nil, fmt.Errorf("reading a feature from standard input: %w", err)
		}
		opts.Stdin = bytes.NewReader(job.Stdin)
	}
	w := &workers{n: procs, exe: exe, job: job, interrupted: interrupted, stderr: e.stderr}
	if err := w.start(); err != nil {
		return nil, err
	}
	opts.RunSeeds = w.run
	return w, nil
}

// readsStdin reports whether paths name the feature on standard input.
func readsStdin(paths []string) bool {
	for _, p := range paths {
		if p == "-" || strings.HasPrefix(p, "-:") {
			return true
		}
	}
	return false
}

// batchGC reports whether a sweep should drive the collector by a memory
// limit: yes, unless the user chose how it runs with GOGC or GOMEMLIMIT.
func batchGC() bool {
	_, gogc := os.LookupEnv("GOGC")
	_, limit := os.LookupEnv("GOMEMLIMIT")
	return !gogc && !limit
}

// mergeSweeps reads shard results and prints their merged report, on
// standard error when quiet.
func (e *env) mergeSweeps(files []string, quiet bool) (*features.SweepResult, error) {
	if len(files) == 0 {
		return nil, usagef("--merge wants the shard results (JSON from sweep --json) as arguments")
	}
	results := make([]*features.SweepResult, len(files))
	names := make([]string, len(files))
	for i, path := range files {
		f, err := e.open(path)
		if err != nil {
			return nil, err
		}
		names[i] = name(path)
		results[i], err = features.ReadSweepResult(f, names[i])
		f.Close()
		if err != nil {
			return nil, featuresError(err)
		}
	}
	res, err := features.MergeSweeps(results, names)
	if err != nil {
		return nil, featuresError(err)
	}
	out := e.stdout
	if quiet {
		out = e.stderr
	}
	return res, res.WriteText(out)
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
