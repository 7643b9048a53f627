package simnet

import "unsafe"

// A loop keeps up to maxSpares arrays of one kind, maxSpareBytes in all:
// enough for a body streamed in 64 KiB writes to reuse its array each time.
const (
	maxSpares     = 16
	maxSpareBytes = 1 << 20
)

// spares keeps the arrays of drained per-socket queues for the next socket
// that queues something. A socket that kept its array once drained would
// hold it for as long as it lives, which 100,000 idle connections pay
// 200,000 times (BenchmarkIdleHTTPConns); handed back, it costs the next
// write nothing, as the array is taken again.
type spares[T any] struct {
	kept  [][]T
	bytes uintptr
}

// put keeps b's array, whose elements must hold nothing any more, if
// there is room.
func (p *spares[T]) put(b []T) {
	size := arraySize(b)
	if size == 0 || len(p.kept) == maxSpares || p.bytes+size > maxSpareBytes {
		return
	}
	p.kept = append(p.kept, b[:0])
	p.bytes += size
}

// take returns a kept array, empty, or nil when none is kept.
func (p *spares[T]) take() []T {
	n := len(p.kept)
	if n == 0 {
		return nil
	}
	b := p.kept[n-1]
	p.kept[n-1] = nil
	p.kept = p.kept[:n-1]
	p.bytes -= arraySize(b)
	return b
}

func arraySize[T any](b []T) uintptr {
	var zero T
	return uintptr(cap(b)) * unsafe.Sizeof(zero)
}
