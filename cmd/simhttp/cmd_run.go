package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"

	"github.com/simhttp/simhttp/features"
	"github.com/simhttp/simhttp/report"
)

func init() {
	commands["run"] = command{
		summary: "run Gherkin scenarios on the simulated network (the bundled features when no path is given)",
		usage:   "[FEATURES...] [flags]",
		about: `FEATURES are .feature files, FILE:LINE references to one scenario, or
directories; - reads a feature from standard input; a name that is not on
disk but among the bundled features (agent/pooling.feature) runs the
bundled one. A run that selects no
scenario exits 2.`,
		example: `simhttp run
simhttp run agent/pooling.feature --seed 7
simhttp run features/ --format progress,junit:junit.xml --tags '@node && ~@slow' --concurrency 2
simhttp run --report report.html`,
		setup: setupRun,
	}
}

func setupRun(fs *pflag.FlagSet) func(*env, []string) error {
	seed := fs.Uint64("seed", 1, "seed `N` for every scenario's world")
	formats := fs.StringArray("format", nil, "report `FORMATS`, comma-separated or repeated, each NAME or NAME:FILE: pretty (default), progress, junit, cucumber, events")
	tags := fs.String("tags", "", "run only the scenarios matching this godog tag `EXPRESSION` (\"@node && ~@slow\")")
	concurrency := fs.Int("concurrency", 1, "run `N` scenarios at once")
	traceDir := fs.String("trace", "", "write each scenario's JSONL trace into `DIR`")
	reportFile := fs.String("report", "", "write a self-contained HTML report with a sequence diagram of every scenario to `FILE` (- for standard output, the other reports going to standard error)")
	return func(e *env, paths []string) error {
		if *concurrency < 1 {
			return usagef("--concurrency %d: want 1 or more", *concurrency)
		}
		opts := features.RunOptions{
			Paths: paths, Seed: *seed, Format: strings.Join(*formats, ","), Tags: *tags,
			Concurrency: *concurrency, Output: e.stdout, TraceDir: *traceDir, Stdin: e.stdin,
		}
		var scenarios []report.Scenario
		if *reportFile != "" {
			if *reportFile == "-" {
				opts.Output = e.stderr
			}
			opts.OnScenario = func(r features.ScenarioResult) { scenarios = append(scenarios, reportScenario(r)) }
		}
		ok, err := features.Run(opts)
		if *reportFile != "" && len(scenarios) > 0 {
			run := report.Run{Title: "simhttp run: " + summary(scenarios), Command: commandLine(e.args), Scenarios: scenarios}
			if werr := e.writeFile(*reportFile, func(w io.Writer) error { return report.WriteHTML(w, run) }); werr != nil {
				return werr
			}
		}
		if err != nil {
			return featuresError(err)
		}
		if !ok {
			return &checkFailed{}
		}
		return nil
	}
}

// reportScenario is what the HTML report shows of a scenario's result.
func reportScenario(r features.ScenarioResult) report.Scenario {
	s := report.Scenario{
		Feature: r.Feature, Name: r.Name, Ref: r.Ref, Seed: r.Seed, Reproduce: r.Reproduce,
		Events: r.Events, FirstDiff: r.FirstDiff, Expected: r.Expected,
	}
	if r.Err != nil {
		s.Error = r.Err.Error()
	}
	return s
}

// summary counts passed and failed scenarios, for the report's title.
func summary(scenarios []report.Scenario) string {
	failed := 0
	for _, s := range scenarios {
		if s.Error != "" {
			failed++
		}
	}
	return fmt.Sprintf("%d scenarios, %d failed", len(scenarios), failed)
}
