package features

import (
	"runtime/debug"
	"sync"
)

// sweepGCPercent is the garbage collector's target while a sweep runs. A
// seed allocates about 1 MB and the heap keeps 3-6 MB live, so at Go's
// default of 100 the collector starts every few seeds and a seed costs 17%
// more CPU than at 400, where it runs about 10 times in 300 seeds and the
// heap peaks near 50 MB; 1600 saves nothing more (GODEBUG=gctrace=1 and
// BenchmarkSweep on the bundled sweep). Collecting less often changes no
// result: nothing a world does depends on when memory is reclaimed.
const sweepGCPercent = 400

// sweepGC counts the sweeps running, so that the first sets the target
// and the last puts the previous one back.
var sweepGC struct {
	sync.Mutex
	running int
	saved   int
}

// batchGC raises the collector's target for as long as a sweep runs;
// call the returned function when the sweep ends.
func batchGC() (restore func()) {
	sweepGC.Lock()
	defer sweepGC.Unlock()
	if sweepGC.running == 0 {
		sweepGC.saved = debug.SetGCPercent(sweepGCPercent)
	}
	sweepGC.running++
	return func() {
		sweepGC.Lock()
		defer sweepGC.Unlock()
		sweepGC.running--
		if sweepGC.running == 0 {
			debug.SetGCPercent(sweepGC.saved)
		}
	}
}
