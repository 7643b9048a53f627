package features

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/cucumber/godog"

	"github.com/simhttp/simhttp/simnet"
)

// Trace runs the one scenario at ref (FEATURE:LINE, the line of its
// Scenario keyword; a file on disk, else one of the bundled features) with
// seed, and writes its trace to w: the compact form on one line, or JSON
// Lines when asJSON is set; network events only when withNet is set. A
// Scenario Outline writes one trace per example row, in order. When the
// scenario fails its trace is still written, and the failure is returned.
func Trace(ref string, seed uint64, withNet, asJSON bool, w io.Writer) error {
	results, err := TraceResults(ref, seed)
	if err != nil {
		return err
	}
	var out bytes.Buffer
	for _, r := range results {
		if asJSON {
			tw := simnet.NewTraceWriter(&out, withNet)
			for _, ev := range r.Events {
				tw.Observe(ev)
			}
			if err := tw.Err(); err != nil {
				return err
			}
			continue
		}
		out.WriteString(simnet.Compact(r.Events, withNet))
		out.WriteByte('\n')
	}
	if _, err := w.Write(out.Bytes()); err != nil {
		return fmt.Errorf("writing the trace: %w", err)
	}
	return Failures(results)
}

// TraceResults runs the one scenario at ref with seed, as Trace does, and
// returns the result of each run of it (one per example row of an
// outline), failed ones included; err says only what kept it from running.
func TraceResults(ref string, seed uint64) ([]ScenarioResult, error) {
	if _, line := splitRef(ref); line == 0 {
		return nil, &FeatureError{File: ref, Err: errors.New("want FEATURE:LINE, the line of a Scenario")}
	}
	c, err := loadCatalog([]string{ref}, nil)
	if err != nil {
		return nil, err
	}
	s := &suite{catalog: c, seed: seed}
	var results []ScenarioResult
	s.onWorld = func(w *world) { results = append(results, w.result()) }
	paths := s.runnable()
	if err := s.problemsErr(); err != nil {
		return nil, err
	}
	s.run(godog.Options{Format: "progress", Output: io.Discard}, paths)
	return results, nil
}

// Failures joins a *ScenarioFailure for each failed result, or returns nil.
func Failures(results []ScenarioResult) error {
	var errs []error
	for _, r := range results {
		if r.Err != nil {
			errs = append(errs, &ScenarioFailure{Ref: r.Ref, Seed: r.Seed, Err: r.Err})
		}
	}
	return errors.Join(errs...)
}
