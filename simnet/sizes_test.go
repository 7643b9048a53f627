package simnet

import (
	"testing"
	"unsafe"
)

// TestIdleStructsKeepTheirSizeClass guards the memory of idle connections:
// Go rounds an allocation up to its size class, so a Socket one byte over
// 896 costs 1,024, and so does a conn over 896 (which holds both ends'
// retransmission timers: it was 768 with two 80-byte timers of its own).
// A field that pushes one over should come with a field taken out, or the
// new figure in BENCHMARKS.md (BenchmarkIdleHTTPConns).
func TestIdleStructsKeepTheirSizeClass(t *testing.T) {
	if n := unsafe.Sizeof(Socket{}); n > 896 {
		t.Errorf("a Socket is %d bytes, over the 896-byte size class", n)
	}
	if n := unsafe.Sizeof(conn{}); n > 896 {
		t.Errorf("a conn is %d bytes, over the 896-byte size class", n)
	}
}
