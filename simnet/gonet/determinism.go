package gonet

import (
	"fmt"
	"testing"

	"github.com/simhttp/simhttp/simnet"
)

// CheckDeterminism runs body twice under Run, each time on a fresh world
// from newWorld, records each run's full trace (network events included),
// and returns a *simnet.Divergence naming the first event where they
// differ, or nil when the traces are identical. A test whose network behaviour
// depends on how the Go scheduler interleaves its goroutines is caught
// this way instead of flaking later.
func CheckDeterminism(t *testing.T, newWorld func() (*simnet.World, error), body func(t *testing.T, w *simnet.World), opts ...Option) error {
	t.Helper()
	var runs [2][]simnet.Event
	for i := range runs {
		w, err := newWorld()
		if err != nil {
			return fmt.Errorf("gonet: CheckDeterminism: run %d: newWorld: %w", i+1, err)
		}
		w.Loop().Events().Observe(func(ev simnet.Event) { runs[i] = append(runs[i], ev) })
		Run(t, w, func(t *testing.T) { body(t, w) }, opts...)
	}
	d, err := simnet.FirstDivergence(runs[0], runs[1])
	if err != nil {
		return fmt.Errorf("gonet: CheckDeterminism: %w", err)
	}
	if d != nil {
		return d
	}
	return nil
}
