package features

import (
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// A sweep keeps 3-6 MB live and allocates about 140 KB per seed, so the
// collector's work is set by how often it runs, not by what it keeps. At
// GOGC=400 it ran every 40-50 MB, and the heap goal moving with each
// cycle's live heap made the runtime hand pages back and fault them in
// again (45 k page faults in 20,000 seeds, against 20 k at a fixed goal).
// While a sweep runs the collector is driven by a memory limit instead:
// GOGC off and a limit of sweepHeapLimit, or sweepLiveFactor times the
// live heap of the last cycle if that is more, so features keeping more
// alive get room in proportion, as GOGC=300 would give them, rather than
// a collector running back to back. Collecting less often changes no
// result: nothing a world does depends on when memory is reclaimed.
const (
	sweepHeapLimit  = 64 << 20
	sweepLiveFactor = 4
)

// sweepHeapMapped is about how much heap the runtime maps in a sweep's
// process under sweepHeapLimit (56 MiB at 20,000 bundled seeds): the
// limit less the runtime's own memory.
const sweepHeapMapped = sweepHeapLimit - 8<<20

// hugeHeap maps a sweep's heap once per process.
var hugeHeap sync.Once

// mapHeapInHugePages has the runtime map the heap a sweep grows into in
// one piece and asks for it in 2 MiB pages (Linux only). Grown as it
// fills, the heap is mapped a little at a time and faulted in 4 KiB
// pages: 12,000 faults beyond start-up per process, which on this
// project's VM cost about 0.25 s of CPU (a 5,000-seed sweep took 1.08 s,
// 0.83 s in huge pages), paid again by every worker of --jobs N. A large
// object makes the runtime map its pages without touching them; advised
// before it is collected, they are faulted 2 MiB at a time when the
// sweep's seeds allocate from them. It changes nothing a world does,
// only where its memory lies.
func mapHeapInHugePages() {
	if !canAdviseHugePages {
		return
	}
	hugeHeap.Do(func() {
		adviseHugePages(make([]byte, sweepHeapMapped))
		runtime.GC()
	})
}

// sweepGC counts the sweeps running, so that the first sets the collector
// up and the last puts the previous settings back.
var sweepGC struct {
	sync.Mutex
	running      int
	savedPercent int
	savedLimit   int64
	// watch numbers the runs of sweeps, so a watcher left from an earlier
	// one stops rather than doubling this one's.
	watch int
}

// batchGC drives the collector by a memory limit for as long as a sweep
// runs; call the returned function when the sweep ends.
func batchGC() (restore func()) {
	sweepGC.Lock()
	defer sweepGC.Unlock()
	if sweepGC.running == 0 {
		sweepGC.savedLimit = debug.SetMemoryLimit(math.MaxInt64)
		sweepGC.savedPercent = debug.SetGCPercent(-1)
		// With the collector off, the heap's room starts no collection
		// of its own (one did, marking for 0.1 s of CPU while the room
		// was live), only the one that takes it back.
		mapHeapInHugePages()
		debug.SetMemoryLimit(sweepLimit())
		sweepGC.watch++
		watchCycle(sweepGC.watch)
	}
	sweepGC.running++
	return func() {
		sweepGC.Lock()
		defer sweepGC.Unlock()
		sweepGC.running--
		if sweepGC.running == 0 {
			debug.SetGCPercent(sweepGC.savedPercent)
			debug.SetMemoryLimit(sweepGC.savedLimit)
		}
	}
}

// sweepLimit is the memory limit for the live heap the last cycle left.
func sweepLimit() int64 {
	live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(live)
	return int64(max(sweepHeapLimit, min(live[0].Value.Uint64(), math.MaxInt64/sweepLiveFactor)*sweepLiveFactor))
}

// cycleMark is garbage the moment it is made; its cleanup runs once a
// collection has found it so.
type cycleMark struct {
	_ *cycleMark // a pointer, so it is not one of the tiny objects a cleanup may never see collected
	_ [16]byte
}

// watchCycle sets the memory limit again after the next collection, and
// after each one from then on while the sweeps of run watch go on.
func watchCycle(watch int) {
	runtime.AddCleanup(new(cycleMark), func(watch int) {
		sweepGC.Lock()
		defer sweepGC.Unlock()
		if sweepGC.running > 0 && sweepGC.watch == watch {
			debug.SetMemoryLimit(sweepLimit())
			watchCycle(watch)
		}
	}, watch)
}
