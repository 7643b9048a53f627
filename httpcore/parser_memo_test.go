package httpcore

import (
	"bytes"
	"fmt"
	"reflect"
	"testing"
	"unsafe"
)

// TestHeadMemoReplaysTheParse reads every corpus case and every fast-path
// input with a parser without spares, then three times with fresh parsers
// sharing spares: the second replays what the first kept, collecting its
// strings, and the third takes the strings the second left. All four must
// give the same log and the error at the same place. Cases of several
// messages replay within one run as well, where a head repeats.
func TestHeadMemoReplaysTheParse(t *testing.T) {
	type input struct {
		name string
		meta caseMeta
		data []byte
	}
	var inputs []input
	for _, c := range loadCorpus(t) {
		inputs = append(inputs, input{c.Key, c.Meta, c.Input})
	}
	for _, limit := range []int{0, 40, 64} {
		for _, meta := range fastPathMetas(limit) {
			for _, data := range fastPathInputs(meta) {
				inputs = append(inputs, input{fmt.Sprintf("fast path, limit %d", limit), meta, data})
			}
		}
	}
	replayed := 0
	for _, in := range inputs {
		want := runCase(in.meta, [][]byte{in.data})
		var spares headSpares
		first := runCaseWith(in.meta, [][]byte{in.data}, &spares)
		kept := spares.memo != nil && spares.memo.valid
		second := runCaseWith(in.meta, [][]byte{in.data}, &spares)
		third := runCaseWith(in.meta, [][]byte{in.data}, &spares)
		for i, got := range []runResult{first, second, third} {
			if fmt.Sprint(got.Log) != fmt.Sprint(want.Log) || errAt(got, nil) != errAt(want, nil) {
				t.Errorf("%s %+v %q, run %d with spares:\ngot  %d %q\nwant %d %q", in.name, in.meta, in.data, i+1,
					errAt(got, nil), got.Log, errAt(want, nil), want.Log)
			}
		}
		if kept && bytes.HasPrefix(in.data, spares.memo.bytes[:spares.memo.nraw]) {
			replayed++
		}
	}
	if replayed < len(inputs)/2 {
		t.Errorf("%d of %d inputs began with a head the memo kept, want most", replayed, len(inputs))
	}
}

// TestHeadMemoKeepsAHeadThatStartsRepeating: after 130 heads that
// never repeat, which the memo keeps fewer and fewer of, a head that then
// comes again and again is kept and replayed within 64 heads.
func TestHeadMemoKeepsAHeadThatStartsRepeating(t *testing.T) {
	var input bytes.Buffer
	for i := range 130 {
		fmt.Fprintf(&input, "GET /%d HTTP/1.1\r\nHost: a\r\n\r\n", i)
	}
	const same = "GET /same HTTP/1.1\r\nHost: a\r\n\r\n"
	for range 70 {
		input.WriteString(same)
	}
	meta := caseMeta{Type: "request"}
	want := runCase(meta, [][]byte{input.Bytes()})
	var spares headSpares
	got := runCaseWith(meta, [][]byte{input.Bytes()}, &spares)
	if fmt.Sprint(got.Log) != fmt.Sprint(want.Log) {
		t.Fatalf("with spares:\n%q\nwant\n%q", got.Log, want.Log)
	}
	m := spares.memo
	if m == nil || string(m.bytes[:m.nraw]) != same || m.misses != 0 {
		t.Errorf("the memo does not replay the repeated head: %+v", m)
	}
}

// TestHeadMemoHeadsAreFresh: a replayed head's RawHeaders is an array of
// its own, whether the replay collected the head's strings or took the
// ones an earlier replay left in the memo, so a program that writes over
// one message's RawHeaders, or appends to it, does not change the next
// message's, on the same parser or on another sharing the spares.
func TestHeadMemoHeadsAreFresh(t *testing.T) {
	const head = "GET /a HTTP/1.1\r\nHost: a\r\nAccept: */*\r\n\r\n"
	want := []string{"Host", "a", "Accept", "*/*"}
	var spares headSpares
	var parsers []*Parser
	seen := 0
	for range 2 {
		p := NewParser(ParseRequest, ParserOptions{})
		p.spares = &spares
		p.SetCallbacks(func(h *MessageHead) BodyMode {
			seen++
			if h.URL != "/a" || fmt.Sprint(h.RawHeaders) != fmt.Sprint(want) {
				t.Errorf("head %d: url %q, rawHeaders %q, want /a %q", seen, h.URL, h.RawHeaders, want)
			}
			for i := range h.RawHeaders {
				h.RawHeaders[i] = "overwritten"
			}
			h.RawHeaders = append(h.RawHeaders, "appended", "too")
			return BodyNormal
		}, nil, nil)
		parsers = append(parsers, p)
	}
	for range 3 {
		for _, p := range parsers {
			if _, err := p.Execute([]byte(head + head)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if seen != 12 {
		t.Errorf("%d heads, want 12", seen)
	}
	if m := spares.memo; m == nil || !m.named {
		t.Errorf("the memo never handed out its strings: %+v", m)
	}
}

// TestHeadMemoKeepsNoHeadEndingAtItsCR: a lenient head whose final CR has
// no LF after it ends at the CR, because of the byte after it. The same
// bytes followed by an LF are a head one byte longer, whose LF is not the
// body's first byte, and the same bytes at the end of an input are no
// head yet. The memo replayed the shorter head over both; FuzzHeadMemo
// found the second (testdata/fuzz/FuzzHeadMemo).
func TestHeadMemoKeepsNoHeadEndingAtItsCR(t *testing.T) {
	meta := caseMeta{Type: "request", Lenient: true}
	const head = "GET / HTTP/1.1\r\nContent-Length: 1\r\n\r"
	var spares headSpares
	for _, in := range []string{head + "X", head + "\nX", head + "X", head, head + "X" + head + "\nX"} {
		want := runCase(meta, [][]byte{[]byte(in)})
		got := runCaseWith(meta, [][]byte{[]byte(in)}, &spares)
		if fmt.Sprint(got.Log) != fmt.Sprint(want.Log) || errAt(got, nil) != errAt(want, nil) {
			t.Errorf("%q with spares:\ngot  %d %q\nwant %d %q", in, errAt(got, nil), got.Log, errAt(want, nil), want.Log)
		}
	}
}

// TestParserRegsWords: the fields of parserRegs fill its first 110 bytes
// without a gap, which parserRegsWords compares, and a change to any one
// field is seen by same as by ==.
func TestParserRegsWords(t *testing.T) {
	rt := reflect.TypeOf(parserRegs{})
	size := uintptr(0)
	for i := range rt.NumField() {
		f := rt.Field(i)
		if f.Offset != size {
			t.Fatalf("parserRegs.%s at %d, want %d: a gap before it", f.Name, f.Offset, size)
		}
		size += f.Type.Size()
	}
	w := reflect.TypeOf(parserRegsWords{})
	last := w.Field(w.NumField() - 1)
	if covered := last.Offset + last.Type.Size(); size != covered || rt.Size() != w.Size() {
		t.Fatalf("parserRegs: fields of %d bytes in %d, parserRegsWords compares %d in %d", size, rt.Size(), covered, w.Size())
	}
	var a parserRegs
	for i := range rt.NumField() {
		b := a
		f := reflect.ValueOf(&b).Elem().Field(i)
		f = reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem()
		if f.Kind() == reflect.Bool {
			f.SetBool(true)
		} else if f.CanInt() {
			f.SetInt(1)
		} else {
			f.SetUint(1)
		}
		if a.same(&b) || b.same(&a) || a == b {
			t.Errorf("parserRegs.%s changed, same says %v", rt.Field(i).Name, a.same(&b))
		}
	}
	if b := a; !a.same(&b) {
		t.Error("same parserRegs differ")
	}
}
