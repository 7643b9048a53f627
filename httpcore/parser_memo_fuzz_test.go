package httpcore

import (
	"fmt"
	"testing"
)

// FuzzHeadMemo runs two or three parsers that share one headSpares, as an
// agent's sockets or a server's connections do, taking turns chunk by
// chunk, and each parser's byte stream alone through a parser without
// spares, chunked the same: every log, error and error position must be
// the same, so a replayed head has exactly the effects of its parse.
//
// ctl says how: ctl[0] bit 0 responses, bit 1 lenient, bits 2-3 the first
// parser's onHead (normal, skip, upgrade, normal), bit 4 a third parser,
// bits 5-6 the other parsers' onHead, bit 7 the other parsers lenient the
// other way; ctl[1] maxHeaderSize (0: the default); ctl[2] two bits a
// parser, its stream: a+a, a+b, b+a or a; every later byte a turn: parser
// byte%n is fed its next byte/4 bytes (0: all it has left). Once the turns
// run out, every parser is fed what it has left.
func FuzzHeadMemo(f *testing.F) {
	var inputs []struct {
		meta caseMeta
		data []byte
	}
	for _, c := range loadCorpus(f) {
		inputs = append(inputs, struct {
			meta caseMeta
			data []byte
		}{c.Meta, c.Input})
	}
	for _, limit := range []int{0, 40, 64} {
		for _, meta := range fastPathMetas(limit) {
			for _, data := range fastPathInputs(meta) {
				inputs = append(inputs, struct {
					meta caseMeta
					data []byte
				}{meta, data})
			}
		}
	}
	for i, in := range inputs {
		if in.meta.MaxHeaderSize > 255 {
			continue
		}
		flags := byte(0)
		if in.meta.Type == "response" {
			flags |= 1
		}
		if in.meta.Lenient {
			flags |= 2
		}
		onHead := map[string]byte{"skip": 1, "upgrade": 2}[in.meta.OnHead]
		flags |= onHead<<2 | onHead<<5
		mhs := byte(in.meta.MaxHeaderSize)
		next := inputs[(i+1)%len(inputs)].data
		// Whole streams one after another: the second parser replays
		// the first one's heads.
		f.Add([]byte{flags, mhs, 0x00}, in.data, in.data)
		// Three parsers, turns of a few bytes: heads begun in one turn
		// and completed in a later one, between other parsers' heads.
		f.Add([]byte{flags | 1<<4, mhs, 0x14, 0x00, 0x41, 0x02, 0x80, 0x05, 0x10}, in.data, next)
		// Interleaved whole messages: the first parser's second head
		// comes after the second parser's first.
		f.Add([]byte{flags, mhs, 0x05, byte(len(in.data)%64) << 2, byte(len(in.data)%64)<<2 | 1}, in.data, next)
	}
	f.Fuzz(func(t *testing.T, ctl, a, b []byte) {
		if len(ctl) < 3 || len(a)+len(b) > 4096 {
			return
		}
		n := 2
		if ctl[0]&(1<<4) != 0 {
			n = 3
		}
		modes := []string{"normal", "skip", "upgrade", "normal"}
		metas := make([]caseMeta, n)
		streams := make([][]byte, n)
		for k := range n {
			m := caseMeta{Type: "request", Lenient: ctl[0]&2 != 0, MaxHeaderSize: int(ctl[1]), OnHead: modes[ctl[0]>>2&3]}
			if ctl[0]&1 != 0 {
				m.Type = "response"
			}
			if k > 0 {
				m.OnHead = modes[ctl[0]>>5&3]
				m.Lenient = m.Lenient != (ctl[0]&0x80 != 0)
			}
			metas[k] = m
			switch ctl[2] >> (2 * k) & 3 {
			case 0:
				streams[k] = append(append([]byte(nil), a...), a...)
			case 1:
				streams[k] = append(append([]byte(nil), a...), b...)
			case 2:
				streams[k] = append(append([]byte(nil), b...), a...)
			case 3:
				streams[k] = append([]byte(nil), a...)
			}
		}
		chunks := make([][][]byte, n)
		var spares headSpares
		runs := make([]*caseRun, n)
		for k := range n {
			runs[k] = startCase(metas[k], &spares)
		}
		turn := func(k, size int) {
			if len(streams[k]) == 0 {
				return
			}
			if size == 0 || size > len(streams[k]) {
				size = len(streams[k])
			}
			c := streams[k][:size:size]
			streams[k] = streams[k][size:]
			chunks[k] = append(chunks[k], c)
			runs[k].feed(c)
		}
		for _, x := range ctl[3:] {
			turn(int(x)%n, int(x>>2))
		}
		for k := range n {
			turn(k, 0)
		}
		for k := range n {
			got := runs[k].end()
			want := runCase(metas[k], chunks[k])
			if fmt.Sprint(got.Log) != fmt.Sprint(want.Log) || errAt(got, chunks[k]) != errAt(want, chunks[k]) {
				t.Fatalf("parser %d of %d, %+v, chunks %q:\ngot  %d %q\nwant %d %q", k, n, metas[k], chunks[k],
					errAt(got, chunks[k]), got.Log, errAt(want, chunks[k]), want.Log)
			}
		}
	})
}
