package main

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/simhttp/simhttp/diagram"
	"github.com/simhttp/simhttp/features"
	"github.com/simhttp/simhttp/simnet"
)

func init() {
	commands["trace"] = command{
		summary: "print one scenario's event trace, or draw it as a sequence diagram",
		usage:   "(FEATURE:LINE | TRACE.jsonl | -) [flags]",
		about: `FEATURE:LINE names a scenario by the line of its Scenario keyword, in a
file on disk or among the bundled features. The trace is printed even when
the scenario fails; the exit status is then 1. --format svg draws a
sequence diagram (a lane per object and host, virtual time on the left,
faults marked, the first difference from an expected sequence
highlighted); --format mermaid writes the same diagram for Markdown.
Instead of a scenario, a JSON Lines trace file (run --trace DIR writes one
per scenario; - reads one from standard input) is printed or drawn as it is.`,
		example: `simhttp trace client/orders.feature:5
simhttp trace agent/pooling.feature:9 --seed 3 --net --format json
simhttp trace faults/network.feature:12 --format svg > run.svg
simhttp run --trace traces/ && simhttp trace traces/client_orders.feature-5.jsonl --format mermaid`,
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
	return func(e *env, refs []string) (err error) {
		if len(refs) != 1 {
			return usagef("want exactly one FEATURE:LINE, got %d arguments", len(refs))
		}
		if *format, err = traceFormat(*format, *asJSON, fs.Changed("format")); err != nil {
			return err
		}
		if refs[0] == "-" || strings.HasSuffix(refs[0], ".jsonl") {
			return e.drawTraceFile(refs[0], *format, *withNet)
		}
		if !featureLine.MatchString(refs[0]) {
			return usagef("%q: want FEATURE:LINE, the line of a Scenario keyword", refs[0])
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

// traceFormat checks --format and folds --json into it.
func traceFormat(format string, asJSON, formatGiven bool) (string, error) {
	if !slices.Contains(traceFormats, format) {
		return "", usagef("--format %q: want one of %s", format, strings.Join(traceFormats, ", "))
	}
	if !asJSON {
		return format, nil
	}
	if formatGiven && format != "json" {
		return "", usagef("--json and --format %s say different things", format)
	}
	return "json", nil
}

// drawTraceFile prints or draws a JSON Lines trace file as it is.
func (e *env) drawTraceFile(path, format string, withNet bool) error {
	f, err := e.open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	events, err := simnet.ReadTrace(f)
	if err != nil {
		return &badInput{err: fmt.Errorf("%s: %w", name(path), err)}
	}
	t := diagram.Trace{Events: events, FirstDiff: -1}
	switch format {
	case "svg":
		return diagram.SVG(e.stdout, t)
	case "mermaid":
		return diagram.Mermaid(e.stdout, t)
	case "json":
		tw := simnet.NewTraceWriter(e.stdout, withNet)
		for _, ev := range events {
			tw.Observe(ev)
		}
		return tw.Err()
	}
	_, err = fmt.Fprintln(e.stdout, simnet.Compact(events, withNet))
	return err
}
