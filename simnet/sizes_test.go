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

// TestHotFieldsKeepTheirLines keeps the layouts that let an exchange among
// 100,000 connections touch fewer cache lines (BenchmarkTimedExchanges):
// a Timer in one 64-byte line; a socket's write fields in its first two
// lines and its read fields in the second and third; each end of a conn,
// and its read and timer groups, starting on a line. The offsets count
// Go's header before a Socket or conn.
func TestHotFieldsKeepTheirLines(t *testing.T) {
	if n := unsafe.Sizeof(Timer{}); n > 64 {
		t.Errorf("a Timer takes %d bytes, more than one cache line", n)
	}
	var s Socket
	for _, f := range []struct {
		name string
		off  uintptr // of the field's last byte a path reads
		line uintptr
	}{
		{"hwm", unsafe.Offsetof(s.hwm) + 7, 0},
		{"flags", unsafe.Offsetof(s.connecting), 1},
		{"corked", unsafe.Offsetof(s.corked) + 3, 1},
		{"bytesRead", unsafe.Offsetof(s.bytesRead) + 7, 1},
		{"readBuf's length", unsafe.Offsetof(s.readBuf) + 15, 1},
		{"'data' emitter", unsafe.Offsetof(s.Events), 2},
		{"'data' emitter's end", unsafe.Offsetof(s.Events) + unsafe.Sizeof(s.Events.Data) - 1, 2},
	} {
		if got := (f.off + mallocHeader) / 64; got != f.line {
			t.Errorf("a Socket's %s is in line %d, want %d", f.name, got, f.line)
		}
	}
	var c conn
	var e end
	for name, off := range map[string]uintptr{
		"first end":             unsafe.Offsetof(c.end),
		"second end":            unsafe.Offsetof(c.end) + unsafe.Sizeof(e),
		"first end's reads":     unsafe.Offsetof(c.end) + unsafe.Offsetof(e.read0),
		"first end's timer":     unsafe.Offsetof(c.end) + unsafe.Offsetof(e.rtx),
		"first end's cold part": unsafe.Offsetof(c.end) + unsafe.Offsetof(e.host),
	} {
		if (off+mallocHeader)%64 != 0 {
			t.Errorf("a conn's %s starts at byte %d of its line", name, (off+mallocHeader)%64)
		}
	}
	if e := unsafe.Offsetof(e.read0); e != 128 {
		t.Errorf("an end's fields every phase touches take %d bytes, not two lines", e)
	}
}

// TestExchangeCountLayout checks the layout facts behind exchangeLines and
// exchangePairLines (scale_bench_test.go), which count by hand the lines a
// timed exchange touches: which line of its object each field an exchange
// reads falls in, and the sizes of the queue entries it writes and reads.
// A change that fails it changes the count: recount, and update both.
func TestExchangeCountLayout(t *testing.T) {
	inLine := func(what string, off, size, header, want uintptr) {
		t.Helper()
		if first, last := (off+header)/64, (off+header+size-1)/64; first != want || last != want {
			t.Errorf("%s takes lines %d to %d, counted in line %d", what, first, last, want)
		}
	}
	var c conn
	inLine("a conn's own fields", 0, unsafe.Offsetof(c.end), mallocHeader, 0)
	var e end
	for _, f := range []struct {
		name      string
		off, size uintptr
		line      uintptr // of the end, which starts on a line
	}{
		{"c", unsafe.Offsetof(e.c), unsafe.Sizeof(e.c), 0},
		{"w", unsafe.Offsetof(e.w), unsafe.Sizeof(e.w), 0},
		{"path", unsafe.Offsetof(e.path), unsafe.Sizeof(e.path), 0},
		{"snd", unsafe.Offsetof(e.snd), unsafe.Sizeof(e.snd), 0},
		{"arrivedAt", unsafe.Offsetof(e.arrivedAt), unsafe.Sizeof(e.arrivedAt), 0},
		{"lastActive", unsafe.Offsetof(e.lastActive), unsafe.Sizeof(e.lastActive), 1},
		{"rcvLen", unsafe.Offsetof(e.rcvLen), unsafe.Sizeof(e.rcvLen), 1},
		{"sequence numbers", unsafe.Offsetof(e.sndUna), unsafe.Offsetof(e.side) - unsafe.Offsetof(e.sndUna), 1},
		{"flags", unsafe.Offsetof(e.side), unsafe.Offsetof(e.resetErr) + 1 - unsafe.Offsetof(e.side), 1},
		{"read0", unsafe.Offsetof(e.read0), unsafe.Sizeof(e.read0), 2},
		{"feed", unsafe.Offsetof(e.feed), unsafe.Sizeof(e.feed), 2},
		{"moreReads", unsafe.Offsetof(e.moreReads), unsafe.Sizeof(e.moreReads), 2},
		{"afterReads", unsafe.Offsetof(e.afterReads), unsafe.Sizeof(e.afterReads), 2},
		{"afterReset", unsafe.Offsetof(e.afterReset), unsafe.Sizeof(e.afterReset), 2},
		{"rtx", unsafe.Offsetof(e.rtx), unsafe.Sizeof(e.rtx), 3},
		{"rto", unsafe.Offsetof(e.rto), unsafe.Sizeof(e.rto), 3},
	} {
		inLine("an end's "+f.name, f.off, f.size, 0, f.line)
	}
	var s Socket
	inLine("a Socket's write fields", 0, unsafe.Offsetof(s.hwm)+unsafe.Sizeof(s.hwm), mallocHeader, 0)
	inLine("a Socket's flags to bytesRead", unsafe.Offsetof(s.connecting),
		unsafe.Offsetof(s.bytesRead)+unsafe.Sizeof(s.bytesRead)-unsafe.Offsetof(s.connecting), mallocHeader, 1)
	inLine("a Socket's 'data' emitter", unsafe.Offsetof(s.Events)+unsafe.Offsetof(s.Events.Data), unsafe.Sizeof(s.Events.Data), mallocHeader, 2)
	for _, f := range []struct {
		name       string
		size, want uintptr
	}{
		{"a kernel event", unsafe.Sizeof(ioEvent{}), 64},
		{"a ready entry", unsafe.Sizeof(ioRdy{}), 32},
		{"a linger entry", unsafe.Sizeof(task{}), 24},
	} {
		if f.size != f.want {
			t.Errorf("%s takes %d bytes, counted as %d", f.name, f.size, f.want)
		}
	}
}
