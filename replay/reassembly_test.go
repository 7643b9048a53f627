package replay

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// logSink records what a stream delivers, one line per call.
type logSink struct{ log []string }

func (l *logSink) data(b []byte, pkt pktInfo) {
	l.log = append(l.log, fmt.Sprintf("data %q p%d", b, pkt.num))
}

func (l *logSink) gap(off, n int64, pkt pktInfo) {
	l.log = append(l.log, fmt.Sprintf("gap %d+%d p%d", off, n, pkt.num))
}

func (l *logSink) fin(pkt pktInfo) { l.log = append(l.log, fmt.Sprintf("fin p%d", pkt.num)) }

// step is one thing that happens to a stream under test.
type step struct {
	seq     uint32
	data    string
	missing int
	fin     bool
	syn     bool
	ack     bool // an acknowledgement from the peer up to seq
	flush   bool
}

func runSteps(steps []step) []string {
	s := newStream()
	sink := &logSink{}
	for i, st := range steps {
		pkt := pktInfo{num: i + 1}
		switch {
		case st.syn:
			s.syn(st.seq)
		case st.ack:
			s.acked(st.seq, pkt, sink)
		case st.flush:
			s.flush(sink)
		default:
			s.segment(st.seq, []byte(st.data), st.missing, st.fin, pkt, sink)
		}
	}
	return sink.log
}

func TestStreamReassembly(t *testing.T) {
	tests := []struct {
		name  string
		steps []step
		want  []string
	}{
		{
			name:  "in order after a SYN",
			steps: []step{{syn: true, seq: 100}, {seq: 101, data: "abc"}, {seq: 104, data: "de", fin: true}},
			want:  []string{`data "abc" p2`, `data "de" p3`, "fin p3"},
		},
		{
			name:  "out of order is put back in order",
			steps: []step{{syn: true, seq: 0}, {seq: 4, data: "de"}, {seq: 1, data: "abc"}},
			want:  []string{`data "abc" p3`, `data "de" p2`},
		},
		{
			name:  "a retransmission is delivered once",
			steps: []step{{syn: true, seq: 0}, {seq: 1, data: "abc"}, {seq: 1, data: "abc"}, {seq: 4, data: "d"}},
			want:  []string{`data "abc" p2`, `data "d" p4`},
		},
		{
			name:  "an overlapping retransmission adds only the new bytes",
			steps: []step{{syn: true, seq: 0}, {seq: 1, data: "abc"}, {seq: 2, data: "bcdef"}},
			want:  []string{`data "abc" p2`, `data "def" p3`},
		},
		{
			name:  "overlapping held chunks are trimmed",
			steps: []step{{syn: true, seq: 0}, {seq: 5, data: "efg"}, {seq: 3, data: "cdef"}, {seq: 1, data: "ab"}},
			want:  []string{`data "ab" p4`, `data "cdef" p3`, `data "g" p2`},
		},
		{
			name:  "the FIN waits for the bytes before it",
			steps: []step{{syn: true, seq: 0}, {seq: 4, data: "d", fin: true}, {seq: 1, data: "abc"}},
			want:  []string{`data "abc" p3`, `data "d" p2`, "fin p3"},
		},
		{
			name:  "an acknowledged hole is a gap and the rest goes on",
			steps: []step{{syn: true, seq: 0}, {seq: 1, data: "ab"}, {seq: 6, data: "fg"}, {ack: true, seq: 8}},
			want:  []string{`data "ab" p2`, "gap 2+3 p4", `data "fg" p3`},
		},
		{
			name:  "an acknowledged tail is a gap",
			steps: []step{{syn: true, seq: 0}, {seq: 1, data: "ab"}, {ack: true, seq: 5}, {seq: 5, data: "e"}},
			want:  []string{`data "ab" p2`, "gap 2+2 p3", `data "e" p4`},
		},
		{
			name:  "the acknowledgement of a FIN is not a gap",
			steps: []step{{syn: true, seq: 0}, {seq: 1, data: "ab", fin: true}, {ack: true, seq: 4}},
			want:  []string{`data "ab" p2`, "fin p2"},
		},
		{
			name:  "a stale acknowledgement changes nothing",
			steps: []step{{syn: true, seq: 0}, {seq: 1, data: "ab"}, {ack: true, seq: 2}},
			want:  []string{`data "ab" p2`},
		},
		{
			name:  "a snapped packet leaves a gap where its tail was",
			steps: []step{{syn: true, seq: 0}, {seq: 1, data: "ab", missing: 3}, {seq: 6, data: "f"}},
			want:  []string{`data "ab" p2`, "gap 2+3 p2", `data "f" p3`},
		},
		{
			name:  "flush reports every hole and the FIN",
			steps: []step{{syn: true, seq: 0}, {seq: 3, data: "c"}, {seq: 6, data: "f", fin: true}, {flush: true}},
			want:  []string{"gap 0+2 p2", `data "c" p2`, "gap 3+2 p3", `data "f" p3`, "fin p3"},
		},
		{
			name:  "without a SYN the first segment starts the stream",
			steps: []step{{seq: 5000, data: "xy"}, {seq: 5002, data: "z"}},
			want:  []string{`data "xy" p1`, `data "z" p2`},
		},
		{
			name:  "sequence numbers wrap around 2^32",
			steps: []step{{syn: true, seq: 0xfffffffd}, {seq: 0xfffffffe, data: "ab"}, {seq: 1, data: "d"}, {seq: 0, data: "c"}},
			want:  []string{`data "ab" p2`, `data "c" p4`, `data "d" p3`},
		},
		{
			name:  "a garbage acknowledgement far ahead is ignored",
			steps: []step{{syn: true, seq: 0}, {seq: 1, data: "ab"}, {ack: true, seq: 0x7fff0000}},
			want:  []string{`data "ab" p2`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, runSteps(tt.steps)); diff != "" {
				t.Errorf("delivered (-want +got):\n%s", diff)
			}
		})
	}
}

// Every arrival order of the same segments, duplicates included, delivers
// the same bytes once each.
func TestStreamEveryOrder(t *testing.T) {
	segs := []step{
		{seq: 1, data: "HTTP/"}, {seq: 6, data: "1.1 2"}, {seq: 3, data: "TP/1.1"},
		{seq: 11, data: "00 OK"}, {seq: 1, data: "HTTP/1.1 200"}, {seq: 16, data: "\r\n", fin: true},
	}
	const want = "HTTP/1.1 200 OK\r\n"
	count := 0
	permute(len(segs), func(order []int) {
		count++
		s := newStream()
		s.syn(0)
		var got strings.Builder
		collect := &byteSink{b: &got}
		for i, k := range order {
			st := segs[k]
			s.segment(st.seq, []byte(st.data), 0, st.fin, pktInfo{num: i + 1}, collect)
		}
		if got.String() != want || !collect.finned {
			t.Fatalf("order %v: got %q fin=%v, want %q", order, got.String(), collect.finned, want)
		}
	})
	if count != 720 {
		t.Fatalf("tried %d orders, want 720", count)
	}
}

type byteSink struct {
	b      *strings.Builder
	finned bool
}

func (s *byteSink) data(b []byte, _ pktInfo)  { s.b.Write(b) }
func (s *byteSink) gap(_, n int64, _ pktInfo) { fmt.Fprintf(s.b, "<gap %d>", n) }
func (s *byteSink) fin(_ pktInfo)             { s.finned = true }

// permute calls fn with every permutation of 0..n-1 (Heap's algorithm).
func permute(n int, fn func([]int)) {
	a := make([]int, n)
	for i := range a {
		a[i] = i
	}
	var gen func(k int)
	gen = func(k int) {
		if k == 1 {
			fn(a)
			return
		}
		for i := 0; i < k; i++ {
			gen(k - 1)
			if k%2 == 0 {
				a[i], a[k-1] = a[k-1], a[i]
			} else {
				a[0], a[k-1] = a[k-1], a[0]
			}
		}
	}
	gen(n)
}

func TestStreamHoldsAtMostMaxPending(t *testing.T) {
	s := newStream()
	s.syn(0)
	sink := &logSink{}
	big := make([]byte, maxPending/2+1)
	s.segment(1+10, big, 0, false, pktInfo{num: 1}, sink)
	s.segment(uint32(1+20+len(big)), big, 0, false, pktInfo{num: 2}, sink)
	want := []string{"gap 0+10 p1"}
	if len(sink.log) < 2 || sink.log[0] != want[0] || s.held > maxPending {
		t.Fatalf("log %q, held %d", sink.log[:min(len(sink.log), 3)], s.held)
	}
}
