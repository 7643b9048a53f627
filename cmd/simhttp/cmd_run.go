package main

import (
	"strings"

	"github.com/spf13/pflag"

	"github.com/simhttp/simhttp/features"
)

func init() {
	commands["run"] = command{
		summary: "run Gherkin scenarios on the simulated network (the bundled features when no path is given)",
		usage:   "[FEATURES...] [flags]",
		about: `FEATURES are .feature files, FILE:LINE references to one scenario, or
directories; a name that is not on disk but among the bundled features
(agent/pooling.feature) runs the bundled one. A run that selects no
scenario exits 2.`,
		example: `simhttp run
simhttp run agent/pooling.feature --seed 7
simhttp run features/ --format progress,junit:junit.xml --tags '@node && ~@slow' --concurrency 2`,
		setup: setupRun,
	}
}

func setupRun(fs *pflag.FlagSet) func(*env, []string) error {
	seed := fs.Uint64("seed", 1, "seed `N` for every scenario's world")
	formats := fs.StringArray("format", nil, "report `FORMATS`, comma-separated or repeated, each NAME or NAME:FILE: pretty (default), progress, junit, cucumber, events")
	tags := fs.String("tags", "", "run only the scenarios matching this godog tag `EXPRESSION` (\"@node && ~@slow\")")
	concurrency := fs.Int("concurrency", 1, "run `N` scenarios at once")
	traceDir := fs.String("trace", "", "write each scenario's JSONL trace into `DIR`")
	return func(e *env, paths []string) error {
		if *concurrency < 1 {
			return usagef("--concurrency %d: want 1 or more", *concurrency)
		}
		ok, err := features.Run(features.RunOptions{
			Paths: paths, Seed: *seed, Format: strings.Join(*formats, ","), Tags: *tags,
			Concurrency: *concurrency, Output: e.stdout, TraceDir: *traceDir,
		})
		if err != nil {
			return featuresError(err)
		}
		if !ok {
			return &checkFailed{}
		}
		return nil
	}
}
