package features

import (
	"syscall"
	"unsafe"
)

// hugePages asks Linux to back the next n bytes of heap the sweep will
// use with transparent huge pages, and returns where they start. A
// sweep's heap grows to its 64 MiB limit within its first few hundred
// seeds and is reused from then on: in 4 KiB pages that is 16 k page
// faults per process (a worker process pays them again) and a TLB too
// small for the heap a seed walks through. The Go runtime does not ask
// for huge pages itself, and where the kernel gives them only on request
// (transparent_hugepage=madvise, the common default) the heap never gets
// them. So the memory is reserved as one large object, in a fresh process
// never touched and so still unbacked, marked MADV_HUGEPAGE and dropped:
// the collector frees it at its next cycle, and the small objects the
// seeds allocate from it fault in 2 MiB at a time. Where huge pages are
// off the advice changes nothing, and an error from it is of no
// consequence, so it is dropped.
func hugePages(n int) uintptr {
	heap := make([]byte, n)
	_ = syscall.Madvise(heap, syscall.MADV_HUGEPAGE)
	return uintptr(unsafe.Pointer(unsafe.SliceData(heap)))
}
