package features

import (
	"io"
	"runtime"
	"runtime/debug"
	"testing"
)

// collector is the process's GOGC and memory limit.
type collector struct {
	percent int
	limit   int64
}

func collectorNow() collector {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return collector{p, debug.SetMemoryLimit(-1)}
}

// programsCollector gives the test a program's own settings, GOGC=150
// and a 1 GiB limit, and puts the test process's back after it.
func programsCollector(t *testing.T) collector {
	t.Cleanup(func() func() {
		p, l := debug.SetGCPercent(150), debug.SetMemoryLimit(1<<30)
		return func() { debug.SetGCPercent(p); debug.SetMemoryLimit(l) }
	}())
	return collectorNow()
}

func drivenByLimit(c collector) bool { return c.percent == -1 && c.limit >= sweepHeapLimit }

// TestBatchGCRestoresAfterTheLastSweep checks that overlapping sweeps
// drive the collector by a memory limit and that the last to end puts the
// caller's settings back.
func TestBatchGCRestoresAfterTheLastSweep(t *testing.T) {
	program := programsCollector(t)
	first := batchGC()
	second := batchGC()
	if got := collectorNow(); !drivenByLimit(got) {
		t.Fatalf("during two sweeps the collector is %+v, want GOGC off and a limit of at least %d", got, sweepHeapLimit)
	}
	first()
	if got := collectorNow(); !drivenByLimit(got) {
		t.Fatalf("with one sweep still running the collector is %+v", got)
	}
	second()
	if got := collectorNow(); got != program {
		t.Fatalf("after the sweeps the collector is %+v, want the program's %+v", got, program)
	}
}

// TestBatchGCMakesRoomForWhatIsLive keeps 40 MiB alive during a sweep and
// wants the limit raised to four times that after a collection, so a
// sweep keeping much alive does not collect back to back.
func TestBatchGCMakesRoomForWhatIsLive(t *testing.T) {
	programsCollector(t)
	defer batchGC()()
	live := make([]byte, 40<<20)
	// The limit follows in a cleanup the collection queues; a few
	// collections give it time to run.
	for range 20 {
		runtime.GC()
		runtime.Gosched()
		if collectorNow().limit >= sweepLiveFactor*40<<20 {
			break
		}
	}
	if got := collectorNow(); got.percent != -1 || got.limit < sweepLiveFactor*40<<20 {
		t.Errorf("with 40 MiB live the collector is %+v, want GOGC off and a limit of at least %d", got, sweepLiveFactor*40<<20)
	}
	runtime.KeepAlive(live)
}

// TestSweepTouchesTheCollectorOnlyWhenAsked checks that a program
// embedding a sweep keeps its own collector settings during the sweep
// unless it sets BatchGC, and has them back after either way.
func TestSweepTouchesTheCollectorOnlyWhenAsked(t *testing.T) {
	program := programsCollector(t)
	for _, batch := range []bool{false, true} {
		var during collector
		opts := SweepOptions{Paths: []string{"testdata/sweep_reuse.feature"}, Seeds: [2]uint64{1, 1}, Jobs: 1, Output: io.Discard,
			BatchGC: batch, Progress: func(int, int) { during = collectorNow() }}
		if _, err := Sweep(opts); err != nil {
			t.Fatal(err)
		}
		if batch != drivenByLimit(during) || !batch && during != program {
			t.Errorf("BatchGC %v: the collector during the sweep is %+v (the program's: %+v)", batch, during, program)
		}
		if got := collectorNow(); got != program {
			t.Errorf("BatchGC %v: after the sweep the collector is %+v, want the program's %+v", batch, got, program)
		}
	}
}
