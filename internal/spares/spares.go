// Package spares keeps emptied arrays for reuse, so a queue or buffer that
// drains can give its array back instead of holding it while idle.
package spares

import "unsafe"

// A List keeps up to MaxArrays arrays, MaxBytes in all: enough for a body
// streamed in 64 KiB writes to reuse its array each time.
const (
	MaxArrays = 16
	MaxBytes  = 1 << 20
)

// List keeps the arrays of drained buffers for the next one to fill. A
// buffer that kept its array once drained would hold it for as long as
// its owner lives, which 100,000 idle connections pay once per socket and
// parser; handed back, it costs the next use nothing, as the array is
// taken again.
type List[T any] struct {
	kept  [][]T
	bytes uintptr
}

// Put keeps b's array, whose elements must hold nothing any more, if there
// is room.
func (l *List[T]) Put(b []T) {
	size := arraySize(b)
	if size == 0 || len(l.kept) == MaxArrays || l.bytes+size > MaxBytes {
		return
	}
	l.kept = append(l.kept, b[:0])
	l.bytes += size
}

// Take returns a kept array, empty, or nil when none is kept.
func (l *List[T]) Take() []T {
	n := len(l.kept)
	if n == 0 {
		return nil
	}
	b := l.kept[n-1]
	l.kept[n-1] = nil
	l.kept = l.kept[:n-1]
	l.bytes -= arraySize(b)
	return b
}

// Len is how many arrays are kept.
func (l *List[T]) Len() int { return len(l.kept) }

func arraySize[T any](b []T) uintptr {
	var zero T
	return uintptr(cap(b)) * unsafe.Sizeof(zero)
}
