package replay

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// frameAll frames b delivered in the given pieces, listing every record as
// header and fragment together, then the error if framing stopped.
func frameAll(pieces ...[]byte) ([]string, error) {
	var f recordFramer
	var out []string
	for _, p := range pieces {
		if _, err := f.feed(p, func(hdr, frag []byte) { out = append(out, string(hdr)+string(frag)) }); err != nil {
			return out, err
		}
	}
	return out, nil
}

func TestRecordFramerIgnoresHowBytesArrive(t *testing.T) {
	stream := []byte("\x16\x03\x01\x00\x02hi\x14\x03\x03\x00\x00\x17\x03\x03\x00\x03abc")
	want := []string{"\x16\x03\x01\x00\x02hi", "\x14\x03\x03\x00\x00", "\x17\x03\x03\x00\x03abc"}
	var single [][]byte
	for i := range stream {
		single = append(single, stream[i:i+1])
	}
	for name, pieces := range map[string][][]byte{
		"whole":        {stream},
		"byte by byte": single,
		"split header": {stream[:2], stream[2:9], stream[9:]},
	} {
		got, err := frameAll(pieces...)
		if err != nil || !cmp.Equal(want, got) {
			t.Errorf("%s: %q, %v", name, got, err)
		}
	}
	for in, want := range map[string]string{
		"\x02\x03\x03\x00\x01x":    "content type 2 is not a TLS record type",
		"\x17\x02\x00\x00\x01x":    "record version 2.0 is not TLS",
		"\x17\x03\x03\x48\x01x...": "record length 18433 exceeds the 18432 bytes TLS allows",
	} {
		if _, err := frameAll([]byte(in)); err == nil || err.Error() != want {
			t.Errorf("%q: %v, want %q", in, err, want)
		}
	}
}

// tlsSegments lists the first TCP payloads of a fixture in capture order,
// up to limit bytes, in the fuzz input format: a direction byte (0 client,
// 1 server), a 2-byte length, the bytes.
func tlsSegments(tb testing.TB, path string, limit int) []byte {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	rr, _, err := openCapture(bytes.NewReader(data), func(*Error) {})
	if err != nil {
		tb.Fatal(err)
	}
	var out []byte
	var rec record
	var seg segment
	for rr.next(&rec) != io.EOF {
		if ok, _ := decode(rec.link, rec.data, &seg); !ok || len(seg.payload) == 0 {
			continue
		}
		if len(out)+3+len(seg.payload) > limit {
			break
		}
		dir := byte(0)
		if seg.src.Port() == 18443 {
			dir = 1
		}
		out = append(out, dir)
		out = binary.BigEndian.AppendUint16(out, uint16(len(seg.payload)))
		out = append(out, seg.payload...)
	}
	return out
}

// allFixtureKeys is one key log with the secrets of every HTTPS fixture.
func allFixtureKeys(tb testing.TB) *KeyLog {
	names, _ := filepath.Glob(filepath.Join(httpsDir, "*.keys"))
	k := &KeyLog{}
	for _, name := range names {
		f, err := os.Open(name)
		if err != nil {
			tb.Fatal(err)
		}
		err = k.add(f, name)
		f.Close()
		if err != nil {
			tb.Fatal(err)
		}
	}
	return k
}

// FuzzTLSRecords feeds arbitrary segment sequences, and gaps, to the TLS
// layer of a connection holding every fixture's secrets: framing must not depend on how
// the bytes were cut into segments, nothing may panic, and whatever cannot
// be read must come back as a typed problem.
func FuzzTLSRecords(f *testing.F) {
	// The handshake and first exchange of each fixture: small seeds keep
	// the fuzzer fast.
	for name := range httpsFixtures {
		f.Add(tlsSegments(f, filepath.Join(httpsDir, name+".pcap"), 6<<10))
	}
	f.Add([]byte{0, 0, 5, 0x16, 3, 1, 0, 0})
	keys := allFixtureKeys(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		// A direction byte with bit 1 set is a gap of that length instead.
		var segs [2][][]byte
		var order []int
		var gaps []int64
		for len(data) >= 3 {
			dir := int(data[0] & 1)
			n := int(binary.BigEndian.Uint16(data[1:]))
			if data[0]&2 != 0 {
				order = append(order, dir|2)
				gaps = append(gaps, int64(n))
				data = data[3:]
				continue
			}
			n = min(n, len(data)-3)
			segs[dir] = append(segs[dir], data[3:3+n])
			order = append(order, dir)
			data = data[3+n:]
		}
		for dir := range segs {
			pieces, errPieces := frameAll(segs[dir]...)
			whole, errWhole := frameAll(bytes.Join(segs[dir], nil))
			if !cmp.Equal(whole, pieces) || (errPieces == nil) != (errWhole == nil) {
				t.Fatalf("direction %d: framed whole %d records (%v), in segments %d (%v)", dir, len(whole), errWhole, len(pieces), errPieces)
			}
		}
		c := tlsHarness(keys)
		next := [2]int{}
		for i, op := range order {
			dir := op & 1
			if op&2 != 0 {
				c.tls.gap(dir == 0, 0, gaps[0], pktInfo{num: i + 1})
				gaps = gaps[1:]
				continue
			}
			c.tls.data(dir == 0, segs[dir][next[dir]], pktInfo{num: i + 1})
			next[dir]++
		}
		c.tls.close()
		c.http.close(pktInfo{}, true)
		for _, p := range c.out.Problems {
			var e *Error
			if !errors.As(p, &e) || e.Code == "" || e.Reason == "" {
				t.Fatalf("untyped problem %v", p)
			}
		}
	})
}

// tlsHarness is a TLS connection whose side 0 is the client, decrypting
// with keys, outside any capture.
func tlsHarness(keys *KeyLog) *conn {
	c := &conn{out: &Connection{}, t: newTracker(true, keys), client: 0}
	c.http = newPairer(c.out, true, nil)
	c.tls = newTLSConn(c)
	return c
}
