package features

import (
	"runtime/debug"
	"sync"
)

// sweepGCPercent is the garbage collector's target while a sweep runs. A
// seed allocates about 1.5 MB and the heap keeps 3-5 MB live, so at Go's
// default of 100 the collector starts every three or four seeds (55 cycles
// in 300 seeds) and takes 6-7% of the process's CPU, on the core a second
// worker needs; at 400 it runs a quarter as often (14 cycles), takes 2%,
// and the heap peaks near 46 MB (GODEBUG=gctrace=1 on the bundled sweep).
// Collecting less often changes no result: nothing a world does depends on
// when memory is reclaimed.
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
