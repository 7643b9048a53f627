package features

import (
	"os"
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
// caller's back, and that a GOGC the user set is left alone.
func TestBatchGCRestoresAfterTheLastSweep(t *testing.T) {
	if v, set := os.LookupEnv("GOGC"); set {
		t.Cleanup(func() { os.Setenv("GOGC", v) })
		os.Unsetenv("GOGC")
	}
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

	t.Setenv("GOGC", "150")
	restore := batchGC()
	if got := gcPercent(); got != 150 {
		t.Fatalf("with GOGC set the GC percent is %d during a sweep, want 150", got)
	}
	restore()
}
