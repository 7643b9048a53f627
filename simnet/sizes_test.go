package simnet

import (
	"testing"
	"unsafe"
)

// TestIdleStructsKeepTheirSizeClass guards the memory of idle connections:
// Go rounds an allocation up to its size class, so a Socket one byte over
// 896 costs 1,024 and a conn over 768 costs 896. A field that pushes one
// over should come with a field taken out, or the new figure in
// BENCHMARKS.md (BenchmarkIdleHTTPConns).
func TestIdleStructsKeepTheirSizeClass(t *testing.T) {
	if n := unsafe.Sizeof(Socket{}); n > 896 {
		t.Errorf("a Socket is %d bytes, over the 896-byte size class", n)
	}
	if n := unsafe.Sizeof(conn{}); n > 768 {
		t.Errorf("a conn is %d bytes, over the 768-byte size class", n)
	}
}
