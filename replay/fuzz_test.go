package replay

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzInspect feeds arbitrary files to Inspect: it must never panic or hang,
// must fail only with a typed error, must describe the same input the same
// way every time, and must agree with ReadCapture.
//
// The seeds are small on purpose. The fuzzer minimises every input that
// finds new coverage by trying to delete each span of it, which is quadratic
// in its size: seeds of a few kilobytes (the real fixtures) left it
// minimising for a minute at a time instead of fuzzing. TestFixtures reads
// the real captures; these seeds cover the same formats and framings in a
// few hundred bytes each.
func FuzzInspect(f *testing.F) {
	for _, seed := range fuzzSeeds(f) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Inspect(bytes.NewReader(data))
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Code == "" {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		first, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.WriteText(io.Discard); err != nil {
			t.Fatal(err)
		}
		c, err := ReadCapture(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("ReadCapture failed where Inspect did not: %v", err)
		}
		again, _ := json.Marshal(c.Report())
		if !bytes.Equal(first, again) {
			t.Fatalf("ReadCapture and Inspect disagree:\n%s\n%s", first, again)
		}
	})
}

// fuzzSeeds are small captures of every format, several link types and the
// framings the pairer knows, without handshakes (a conversation seen from
// its middle is read too) to keep them short.
func fuzzSeeds(tb testing.TB) [][]byte {
	const (
		get = "GET / HTTP/1.1\r\n\r\n"
		ok  = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"
	)
	raw := func(c *conv) []byte {
		return pcapFile(binary.LittleEndian, false, linkRaw, 65535, records(tb, linkRaw, c.pkts))
	}
	c := func() *conv { return newConv("10.0.0.1:40000", "10.0.0.2:80") }
	six := newConv("[fd00::1]:40000", "[fd00::2]:80").send(get + get).reply(ok).pkts
	return [][]byte{
		raw(c().send(get).reply(ok).finS()),
		raw(c().send("HEAD / HTTP/1.1\r\n\r\n" + get).reply("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n" + ok)),
		raw(c().send("PUT / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx").
			reply("HTTP/1.1 100 C\r\n\r\nHTTP/1.1 204 N\r\n\r\n").resetS()),
		raw(c().send("GET / HTTP/1.1\r\nUpgrade: x\r\nConnection: upgrade\r\n\r\n").
			reply("HTTP/1.1 101 S\r\nUpgrade: x\r\n\r\n").send("opaque")),
		raw(c().reply("HTTP/1.0 200 OK\r\n\r\nuntil close").finS()),
		raw(c().handshake().send(get)),
		pcapngFile(ngSection{order: binary.BigEndian, ifaces: []ngIfaceSpec{{link: linkRaw, resol: 0x80 | 20}}, recs: records(tb, linkRaw, six)}),
		pcapFile(binary.BigEndian, true, linkNull, 65535, records(tb, linkNull,
			c().send("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n").reply(ok).pkts)),
		pcapOf(tb, c().send(get).pkts),
		pcapFile(binary.LittleEndian, false, linkSLL2, 65535, records(tb, linkSLL2, six[1:])),
		{0xd4, 0xc3, 0xb2, 0xa1},
	}
}

// TestInspectRegressions reads inputs the fuzzer once found trouble with.
func TestInspectRegressions(t *testing.T) {
	names, err := filepath.Glob("testdata/regress/*.pcap*")
	if err != nil || len(names) == 0 {
		t.Fatalf("no inputs in testdata/regress: %v", err)
	}
	for _, name := range names {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Inspect(bytes.NewReader(data)); err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Errorf("%s: untyped error %v", name, err)
			}
		}
	}
}

// TestFuzzSeedsAreSmall keeps the seeds small enough for the fuzzer's
// minimiser to finish quickly (see FuzzInspect).
func TestFuzzSeedsAreSmall(t *testing.T) {
	for i, seed := range fuzzSeeds(t) {
		if len(seed) > 320 {
			t.Errorf("seed %d is %d bytes; keep seeds within 320", i, len(seed))
		}
	}
}

// FuzzStream sends the segments of a known byte stream in an arbitrary
// order, with repeats, overlaps and losses: every byte delivered must be the
// byte sent at that offset, and data and gaps must tile the stream.
func FuzzStream(f *testing.F) {
	f.Add([]byte{0, 5, 5, 5, 0, 5, 10, 3})
	f.Add([]byte{200, 7, 3, 9, 1, 250, 2, 2, 40, 40})
	f.Fuzz(func(t *testing.T, ops []byte) {
		sent := make([]byte, 256)
		for i := range sent {
			sent[i] = byte(i*7 + 3)
		}
		const isn = 0xfffffff0 // wraps inside the stream
		s := newStream()
		s.syn(isn)
		check := &tilingSink{t: t, sent: sent}
		for i := 0; i+1 < len(ops); i += 2 {
			off, n := int(ops[i]), int(ops[i+1]%32)
			end := min(off+n, len(sent))
			if ops[i+1]&0x80 != 0 {
				s.acked(uint32(isn+1+end), pktInfo{num: i}, check)
				continue
			}
			s.segment(uint32(isn+1+off), sent[off:end], 0, false, pktInfo{num: i}, check)
		}
		s.flush(check)
		if check.next != s.next {
			t.Fatalf("sink reached %d, stream says %d", check.next, s.next)
		}
		if s.held != 0 || len(s.pending) != 0 {
			t.Fatalf("flush left %d bytes held", s.held)
		}
	})
}

// tilingSink checks that deliveries continue each other exactly.
type tilingSink struct {
	t    *testing.T
	sent []byte
	next int64
}

func (s *tilingSink) data(b []byte, _ pktInfo) {
	if diff := cmp.Diff(s.sent[s.next:s.next+int64(len(b))], b); diff != "" {
		s.t.Fatalf("bytes at %d differ from those sent:\n%s", s.next, diff)
	}
	s.next += int64(len(b))
}

func (s *tilingSink) gap(off, n int64, _ pktInfo) {
	if off != s.next || n <= 0 {
		s.t.Fatalf("gap %d+%d, expected one at %d", off, n, s.next)
	}
	s.next += n
}

func (s *tilingSink) fin(pktInfo) {}
