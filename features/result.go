package features

import (
	"errors"

	"github.com/simhttp/simhttp/simnet"
)

// ScenarioResult is what a run tells about one scenario once it finished:
// where it is written, how it ended, and its whole trace, from which
// reports and diagrams are drawn.
type ScenarioResult struct {
	Feature   string // the feature's name
	Name      string // the scenario's name
	Ref       string // FILE:LINE of its Scenario keyword
	Seed      uint64
	Reproduce string         // the command that runs it again exactly
	Err       error          // why it failed; nil when it passed
	Events    []simnet.Event // its trace, the network's events included
	// FirstDiff is the index in Events of the first event that differs
	// from an expected sequence, len(Events) when the run ended before an
	// expected event, or -1 when no sequence check failed.
	FirstDiff int
	// Expected is the token expected at FirstDiff ("req:close"), if any.
	Expected string
}

// result is the world's ScenarioResult; its events are shared, not copied,
// since the world is done with them.
func (w *world) result() ScenarioResult {
	r := ScenarioResult{
		Feature: w.featureName(), Name: w.name, Ref: w.ref(), Seed: w.seed,
		Reproduce: w.reproduce(), Err: w.failure, Events: w.events, FirstDiff: -1,
	}
	var se *sequenceError
	if errors.As(w.failure, &se) {
		r.FirstDiff, r.Expected = se.at, se.expected
	}
	return r
}

// featureName is the name of the feature the scenario belongs to.
func (w *world) featureName() string {
	if c := w.suite.catalog; c != nil {
		if f := c.file(w.uri); f != nil && f.doc.Feature != nil {
			return f.doc.Feature.Name
		}
	}
	return w.uri
}
