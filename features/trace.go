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
	if _, line := splitRef(ref); line == 0 {
		return fmt.Errorf("features: trace %q: want FEATURE:LINE, the line of a Scenario", ref)
	}
	c, err := loadCatalog([]string{ref})
	if err != nil {
		return err
	}
	s := &suite{catalog: c, seed: seed}
	var worlds []*world
	s.onWorld = func(w *world) { worlds = append(worlds, w) }
	paths := s.runnable()
	if err := s.problemsErr(); err != nil {
		return err
	}
	s.run(godog.Options{Format: "progress", Output: io.Discard}, paths)
	var out bytes.Buffer
	for _, wd := range worlds {
		if asJSON {
			tw := simnet.NewTraceWriter(&out, withNet)
			for _, ev := range wd.events {
				tw.Observe(ev)
			}
			if err := tw.Err(); err != nil {
				return err
			}
			continue
		}
		out.WriteString(simnet.Compact(wd.events, withNet))
		out.WriteByte('\n')
	}
	if _, err := w.Write(out.Bytes()); err != nil {
		return fmt.Errorf("features: writing the trace: %w", err)
	}
	var errs []error
	for _, f := range s.failures {
		errs = append(errs, &ScenarioFailure{Ref: f.ref, Seed: seed, Err: f.err})
	}
	return errors.Join(errs...)
}
