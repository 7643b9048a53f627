package simnet

import (
	"bytes"
	"fmt"
)

// Divergence is the first event where two runs that should be identical
// differ, each side as its JSON trace line.
type Divergence struct {
	Event  int    `json:"event"`  // 0-based index of the event in the trace, network events included
	First  string `json:"first"`  // the event in the first run ("" when that run's trace ended)
	Second string `json:"second"` // and in the second
}

func (d *Divergence) Error() string {
	first, second := d.Shown()
	return fmt.Sprintf("simnet: two runs diverge at trace event %d:\n first:  %s\n second: %s", d.Event, first, second)
}

// Shown returns the two runs' events as every report words them, a run
// whose trace had already ended included.
func (d *Divergence) Shown() (first, second string) {
	show := func(s string) string {
		if s == "" {
			return "(no such event: the run's trace ended)"
		}
		return s
	}
	return show(d.First), show(d.Second)
}

// FirstDivergence compares two runs' events as JSON trace lines, network
// events included, and returns the first where they differ, or nil when
// the traces are identical.
func FirstDivergence(a, b []Event) (*Divergence, error) {
	x, y := NewTraceWriter(nil, true), NewTraceWriter(nil, true)
	var lx, ly []byte
	for i := range max(len(a), len(b)) {
		lx, ly = lx[:0], ly[:0]
		var err error
		if i < len(a) {
			if lx, err = x.appendEvent(lx, a[i]); err != nil {
				return nil, fmt.Errorf("the first run's trace event %d: %w", i, err)
			}
		}
		if i < len(b) {
			if ly, err = y.appendEvent(ly, b[i]); err != nil {
				return nil, fmt.Errorf("the second run's trace event %d: %w", i, err)
			}
		}
		if !bytes.Equal(lx, ly) {
			return &Divergence{Event: i, First: string(bytes.TrimSpace(lx)), Second: string(bytes.TrimSpace(ly))}, nil
		}
	}
	return nil, nil
}
