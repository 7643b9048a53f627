package main

import (
	"errors"

	"github.com/simhttp/simhttp/features"
)

// featuresError gives an error from the features package its exit status:
// an unusable option is a bad command line naming the flag, feature files that cannot be used and selections of nothing are bad
// input (2), failed scenarios failed checks (1), anything else could not
// run (3).
func featuresError(err error) error {
	var fe *features.FeatureError
	var nr *features.NothingToRunError
	var sf *features.ScenarioFailure
	var oe *features.OptionError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &oe):
		return usagef("--%s %q: %s", oe.Option, oe.Value, oe.Why)
	case errors.As(err, &fe), errors.As(err, &nr):
		return &badInput{err: err}
	case errors.As(err, &sf):
		return &checkFailed{err: err}
	}
	return err
}
