package gonet

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/simhttp/simhttp/simnet"
)

// Divergence is the first trace event where two runs of one test differ.
type Divergence struct {
	Index         int    // 0-based position of the event in the trace
	First, Second string // the event as a JSON trace line in each run; "" when that run's trace ended
}

func (d *Divergence) Error() string {
	show := func(s string) string {
		if s == "" {
			return "(trace ended)"
		}
		return s
	}
	return fmt.Sprintf("gonet: the two runs diverge at trace event %d:\n first:  %s\n second: %s",
		d.Index, show(d.First), show(d.Second))
}

// CheckDeterminism runs body twice under Run, each time on a fresh world
// from newWorld, records each run's full trace (network events included),
// and returns a *Divergence naming the first event where they differ, or
// nil when the traces are identical. A test whose network behaviour
// depends on how the Go scheduler interleaves its goroutines is caught
// this way instead of flaking later.
func CheckDeterminism(t *testing.T, newWorld func() (*simnet.World, error), body func(t *testing.T, w *simnet.World), opts ...Option) error {
	t.Helper()
	var traces [2][][]byte
	for i := range traces {
		w, err := newWorld()
		if err != nil {
			return fmt.Errorf("gonet: CheckDeterminism: run %d: newWorld: %w", i+1, err)
		}
		var buf bytes.Buffer
		tw := simnet.NewTraceWriter(&buf, true)
		w.Loop().Events().Observe(tw.Observe)
		Run(t, w, func(t *testing.T) { body(t, w) }, opts...)
		if err := tw.Err(); err != nil {
			return fmt.Errorf("gonet: CheckDeterminism: run %d: %w", i+1, err)
		}
		traces[i] = bytes.SplitAfter(buf.Bytes(), []byte("\n"))
	}
	a, b := traces[0], traces[1]
	for i := range max(len(a), len(b)) {
		var x, y []byte
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if !bytes.Equal(x, y) {
			return &Divergence{Index: i, First: string(bytes.TrimSpace(x)), Second: string(bytes.TrimSpace(y))}
		}
	}
	return nil
}
