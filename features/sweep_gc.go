package features

import (
	"os"
	"runtime/debug"
	"sync"
)

// sweepGCPercent is the garbage collector's target while a sweep runs. A
// seed allocates about 8 MB and keeps 3-7 MB live, so at Go's default of
// 100 the collector starts every few megabytes and takes about a fifth of
// a seed's CPU, on the core a second worker needs; at 400 it runs a
// quarter as often and the heap peaks near 60 MB (measured with
// GODEBUG=gctrace=1 on the bundled sweep). Collecting less often changes
// no result: nothing a world does depends on when memory is reclaimed.
const sweepGCPercent = 400

// sweepGC counts the sweeps running, so that the first sets the target
// and the last puts the previous one back.
var sweepGC struct {
	sync.Mutex
	running int
	saved   int
}

// batchGC raises the collector's target for as long as a sweep runs,
// unless the user chose one with GOGC; call the returned function when
// the sweep ends.
func batchGC() (restore func()) {
	if _, chosen := os.LookupEnv("GOGC"); chosen {
		return func() {}
	}
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
