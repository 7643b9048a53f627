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
func FuzzInspect(f *testing.F) {
	names, _ := filepath.Glob(filepath.Join(fixtureDir, "*.pcap*"))
	for _, name := range names {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	pkts := newConv("[fd00::1]:40000", "[fd00::2]:80").handshake().send(getA + getB).reply(okHello).close().pkts
	pkts4 := newConv("10.0.0.1:40000", "10.0.0.2:80").handshake().
		send("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n").reply(okB).pkts
	f.Add(pcapngFile(ngSection{order: binary.BigEndian, ifaces: []ngIfaceSpec{{link: linkSLL2, resol: 0x80 | 20}}, recs: records(f, linkSLL2, pkts)}))
	f.Add(pcapFile(binary.BigEndian, true, linkNull, 65535, records(f, linkNull, pkts4)))
	f.Add([]byte{0xd4, 0xc3, 0xb2, 0xa1})
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
