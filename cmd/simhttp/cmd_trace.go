package main

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/simhttp/simhttp/diagram"
	"github.com/simhttp/simhttp/features"
)

func init() {
	commands["trace"] = command{
		summary: "print one scenario's event trace, or draw it as a sequence diagram",
		usage:   "FEATURE:LINE [flags]",
		about: `FEATURE:LINE names a scenario by the line of its Scenario keyword, in a
file on disk or among the bundled features. The trace is printed even when
the scenario fails; the exit status is then 1. --format svg draws a
sequence diagram (a lane per object and host, virtual time on the left,
faults marked, the first difference from an expected sequence
highlighted); --format mermaid writes the same diagram for Markdown.`,
		example: `simhttp trace client/orders.feature:5
simhttp trace agent/pooling.feature:9 --seed 3 --net --format json
simhttp trace faults/network.feature:12 --format svg > run.svg`,
		setup: setupTrace,
	}
}

var featureLine = regexp.MustCompile(`.:[0-9]+$`)

// traceFormats are the forms trace writes.
var traceFormats = []string{"compact", "json", "svg", "mermaid"}

func setupTrace(fs *pflag.FlagSet) func(*env, []string) error {
	seed := fs.Uint64("seed", 1, "seed `N` for the scenario's world")
	withNet := fs.Bool("net", false, "include the network's packets in the compact and JSON forms (diagrams always show them)")
	format := fs.String("format", "compact", "`FORMAT`: "+strings.Join(traceFormats, ", "))
	asJSON := fs.Bool("json", false, "the same as --format json")
	return func(e *env, refs []string) error {
		if len(refs) != 1 {
			return usagef("want exactly one FEATURE:LINE, got %d arguments", len(refs))
		}
		if !featureLine.MatchString(refs[0]) {
			return usagef("%q: want FEATURE:LINE, the line of a Scenario keyword", refs[0])
		}
		if !slices.Contains(traceFormats, *format) {
			return usagef("--format %q: want one of %s", *format, strings.Join(traceFormats, ", "))
		}
		if *asJSON {
			if fs.Changed("format") && *format != "json" {
				return usagef("--json and --format %s say different things", *format)
			}
			*format = "json"
		}
		switch *format {
		case "compact", "json":
			return featuresError(features.Trace(refs[0], *seed, *withNet, *format == "json", e.stdout))
		}
		results, err := features.TraceResults(refs[0], *seed)
		if err != nil {
			return featuresError(err)
		}
		traces := make([]diagram.Trace, len(results))
		for i, r := range results {
			traces[i] = diagram.Trace{Events: r.Events, FirstDiff: r.FirstDiff, Expected: r.Expected}
		}
		if *format == "svg" {
			err = diagram.SVG(e.stdout, traces...)
		}
		for i := 0; *format == "mermaid" && i < len(traces) && err == nil; i++ {
			if i > 0 {
				// One diagram per example row of an outline.
				fmt.Fprintln(e.stdout)
			}
			err = diagram.Mermaid(e.stdout, traces[i])
		}
		if err != nil {
			return err
		}
		return featuresError(features.Failures(results))
	}
}
