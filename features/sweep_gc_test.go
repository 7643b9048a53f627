package features

import (
	"io"
	"runtime/debug"
	"testing"
)

func gcPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

// TestBatchGCRestoresAfterTheLastSweep checks that overlapping sweeps
// raise the collector's target once and that the last to end puts the
// caller's back.
func TestBatchGCRestoresAfterTheLastSweep(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(150))
	first := batchGC()
	second := batchGC()
	if got := gcPercent(); got != sweepGCPercent {
		t.Fatalf("during two sweeps the GC percent is %d, want %d", got, sweepGCPercent)
	}
	first()
	if got := gcPercent(); got != sweepGCPercent {
		t.Fatalf("with one sweep still running the GC percent is %d, want %d", got, sweepGCPercent)
	}
	second()
	if got := gcPercent(); got != 150 {
		t.Fatalf("after the sweeps the GC percent is %d, want the caller's 150", got)
	}
}

// TestSweepTouchesTheCollectorOnlyWhenAsked checks that a program
// embedding a sweep keeps its own GC percent during the sweep unless it
// sets BatchGC, and has it back after either way.
func TestSweepTouchesTheCollectorOnlyWhenAsked(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(150))
	for _, c := range []struct {
		batch bool
		want  int
	}{{false, 150}, {true, sweepGCPercent}} {
		during := 0
		opts := SweepOptions{Paths: []string{"testdata/sweep_reuse.feature"}, Seeds: [2]uint64{1, 1}, Jobs: 1, Output: io.Discard,
			BatchGC: c.batch, Progress: func(int, int) { during = gcPercent() }}
		if _, err := Sweep(opts); err != nil {
			t.Fatal(err)
		}
		if during != c.want {
			t.Errorf("BatchGC %v: the GC percent during the sweep is %d, want %d", c.batch, during, c.want)
		}
		if got := gcPercent(); got != 150 {
			t.Errorf("BatchGC %v: after the sweep the GC percent is %d, want the program's 150", c.batch, got)
		}
	}
}
