package httpcore

import (
	"math"
	"runtime"
	"unsafe"
)

// bytesPerObject is what the allocator takes for each of n objects made
// by alloc: the least of five rounds, because whatever else allocates
// meanwhile (other tests' goroutines) can only add to a round's count,
// never take from it, so the least round is the object's own size class.
func bytesPerObject(n int, alloc func() unsafe.Pointer) uint64 {
	keep := make([]unsafe.Pointer, n)
	least := uint64(math.MaxUint64)
	for range 5 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for i := range keep {
			keep[i] = alloc()
		}
		runtime.ReadMemStats(&after)
		runtime.KeepAlive(keep)
		least = min(least, (after.TotalAlloc-before.TotalAlloc)/uint64(n))
	}
	return least
}
