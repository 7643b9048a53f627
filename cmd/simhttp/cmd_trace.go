package main

import (
	"regexp"

	"github.com/spf13/pflag"

	"github.com/simhttp/simhttp/features"
)

func init() {
	commands["trace"] = command{
		summary: "print one scenario's event trace",
		usage:   "FEATURE:LINE [flags]",
		about: `FEATURE:LINE names a scenario by the line of its Scenario keyword, in a
file on disk or among the bundled features. The trace is printed even when
the scenario fails; the exit status is then 1.`,
		example: `simhttp trace client/orders.feature:5
simhttp trace agent/pooling.feature:12 --seed 3 --net --json`,
		setup: setupTrace,
	}
}

var featureLine = regexp.MustCompile(`.:[0-9]+$`)

func setupTrace(fs *pflag.FlagSet) func(*env, []string) error {
	seed := fs.Uint64("seed", 1, "seed `N` for the scenario's world")
	withNet := fs.Bool("net", false, "include the network's packets")
	asJSON := fs.Bool("json", false, "print JSON Lines instead of the compact form")
	return func(e *env, refs []string) error {
		if len(refs) != 1 {
			return usagef("want exactly one FEATURE:LINE, got %d arguments", len(refs))
		}
		if !featureLine.MatchString(refs[0]) {
			return usagef("%q: want FEATURE:LINE, the line of a Scenario keyword", refs[0])
		}
		return featuresError(features.Trace(refs[0], *seed, *withNet, *asJSON, e.stdout))
	}
}
