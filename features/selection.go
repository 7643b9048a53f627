package features

import "fmt"

// NothingToRunError reports a run or sweep that selected no scenario: a
// check that tests nothing must not pass.
type NothingToRunError struct {
	Why string // what selected nothing, as a sentence fragment
}

func (e *NothingToRunError) Error() string { return "nothing to run: " + e.Why }

// ScenarioFailure is one scenario that ran and failed: where it is written
// and the seed that reproduces it.
type ScenarioFailure struct {
	Ref  string // FILE:LINE of its Scenario keyword
	Seed uint64
	Err  error
}

func (e *ScenarioFailure) Error() string {
	return fmt.Sprintf("%s failed: %v", e.Ref, e.Err)
}

func (e *ScenarioFailure) Unwrap() error { return e.Err }

// nothingSelected says why s ran no scenario: no feature file, every
// scenario left out for a problem, or none matching the tags asked for,
// which filter says ("is tagged @sweep").
func (s *suite) nothingSelected(filter string) error {
	switch {
	case len(s.catalog.files) == 0 && len(s.problems) == 0:
		return &NothingToRunError{Why: "the paths given hold no .feature file"}
	case len(s.problems) > 0:
		return &NothingToRunError{Why: "every selected scenario was left out for the problems listed"}
	case filter != "":
		return &NothingToRunError{Why: "no selected scenario " + filter}
	}
	return &NothingToRunError{Why: "the selected features hold no scenario"}
}

// OptionError is an option of Run, Sweep or Record with a value they
// cannot use.
type OptionError struct {
	Option string // the option, as the command line spells it: "format"
	Value  string // the value given
	Why    string // what is wrong with it
}

func (e *OptionError) Error() string { return fmt.Sprintf("%s %q: %s", e.Option, e.Value, e.Why) }
