// Package heapuse reads the heap a program holds, for benchmarks of the
// memory a workload keeps live.
package heapuse

import "runtime"

// AfterGC is the heap in use, in bytes, once a full collection has freed
// what nothing holds any more.
func AfterGC() int64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}
