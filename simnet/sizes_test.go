package simnet

import (
	"testing"
	"unsafe"
)

// mallocHeader is the type header Go's allocator puts before an object
// over 512 bytes that holds pointers: such an object takes its size plus
// this from its size class.
const mallocHeader = 8

// TestIdleStructsKeepTheirSizeClass guards the memory of idle connections:
// Go rounds an allocation, header included, up to its size class, so a
// Socket one byte over 888 costs 1,024 (as it did at 896), and so does a
// conn over 888 (which holds both ends' retransmission timers: it was 768
// with two 80-byte timers of its own). A field that pushes one over should
// come with a field taken out, or the new figure in BENCHMARKS.md
// (BenchmarkIdleHTTPConns).
func TestIdleStructsKeepTheirSizeClass(t *testing.T) {
	if n := unsafe.Sizeof(Socket{}) + mallocHeader; n > 896 {
		t.Errorf("a Socket takes %d bytes with its header, over the 896-byte size class", n)
	}
	if n := unsafe.Sizeof(conn{}) + mallocHeader; n > 896 {
		t.Errorf("a conn takes %d bytes with its header, over the 896-byte size class", n)
	}
}
