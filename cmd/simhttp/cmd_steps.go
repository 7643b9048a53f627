package main

import (
	"github.com/spf13/pflag"

	"github.com/simhttp/simhttp/features"
)

func init() {
	commands["steps"] = command{
		summary: "print the Gherkin step vocabulary, with an example for each step",
		usage:   "[flags]",
		example: `simhttp steps | grep -i timeout`,
		setup:   setupSteps,
	}
}

func setupSteps(*pflag.FlagSet) func(*env, []string) error {
	return func(e *env, args []string) error {
		if len(args) > 0 {
			return usagef("unexpected argument %q: steps takes none", args[0])
		}
		return features.Vocabulary(e.stdout)
	}
}
