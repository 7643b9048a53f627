package httpcore

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/simhttp/simhttp/simnet"
)

// TestParsersShareHeadSpares feeds two parsers that share their spares a
// byte at a time, interleaved, so each takes and gives back arrays while
// the other is in the middle of a head: every head and trailer still comes
// out whole, and between messages neither parser holds an array.
func TestParsersShareHeadSpares(t *testing.T) {
	var shared headSpares
	msgs := []string{
		"GET /a HTTP/1.1\r\nHost: one\r\nX-Empty:\r\nX-Long: abcdefghijklmnopqrstuvwxyz\r\n\r\n",
		"POST /bb HTTP/1.1\r\nHost: two\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-Trailer: t\r\n\r\n",
	}
	var got [2][]string
	parsers := make([]*Parser, 2)
	for i := range parsers {
		p := NewParser(ParseRequest, ParserOptions{})
		p.spares = &shared
		p.SetCallbacks(func(h *MessageHead) BodyMode {
			got[i] = append(got[i], fmt.Sprint(h.Method, " ", h.URL, " ", h.RawHeaders))
			return BodyNormal
		}, nil, func(trailers []string) {
			got[i] = append(got[i], fmt.Sprint("complete ", trailers))
		})
		parsers[i] = p
	}
	input := msgs[0] + msgs[1]
	for at := range len(input) {
		for _, p := range parsers {
			if _, err := p.Execute([]byte{input[at]}); err != nil {
				t.Fatalf("byte %d: %v", at, err)
			}
			if at == len(msgs[0])-1 || at == len(input)-1 {
				if p.buf != nil || p.fields != nil {
					t.Errorf("after a message a parser keeps buf cap %d, fields cap %d", cap(p.buf), cap(p.fields))
				}
			}
		}
	}
	want := []string{
		"GET /a [Host one X-Empty  X-Long abcdefghijklmnopqrstuvwxyz]",
		"complete []",
		"POST /bb [Host two Transfer-Encoding chunked]",
		"complete [X-Trailer t]",
	}
	for i := range got {
		if !slices.Equal(got[i], want) {
			t.Errorf("parser %d saw\n  %q\nwant\n  %q", i, got[i], want)
		}
	}
	if shared.buf.Len() == 0 || shared.fields.Len() == 0 {
		t.Errorf("the spares keep %d buf and %d fields arrays, want the parsers' arrays back", shared.buf.Len(), shared.fields.Len())
	}
}

// TestHeadArraysFromReleasedWorldsParseAsNew: the arrays heads are
// collected in come from the world's spares, and a world taking the
// arrays a released world's heads filled - longer heads, more fields -
// parses its own heads exactly as a world with nothing to reuse does.
func TestHeadArraysFromReleasedWorldsParseAsNew(t *testing.T) {
	long := "GET /long HTTP/1.1\r\n"
	for i := range 12 {
		long += fmt.Sprintf("X-Field-%d: %s\r\n", i, strings.Repeat("v", 30))
	}
	long += "\r\n"
	heads := []string{long, "GET /a HTTP/1.1\r\nHost: one\r\n\r\n", "POST /bb HTTP/1.1\r\nContent-Length: 0\r\nX-B: b\r\n\r\n", long}
	parse := func(sp *simnet.Spares, msg string) string {
		w := worldOnSpares(t, sp)
		shared := headSpares{loop: w.Loop()}
		p := NewParser(ParseRequest, ParserOptions{})
		p.spares = &shared
		var got string
		p.SetCallbacks(func(h *MessageHead) BodyMode {
			got = fmt.Sprint(h.Method, " ", h.URL, " ", h.RawHeaders)
			return BodyNormal
		}, nil, nil)
		if _, err := p.Execute([]byte(msg)); err != nil {
			t.Fatalf("%q: %v", msg, err)
		}
		if err := w.Release(); err != nil {
			t.Fatal(err)
		}
		return got
	}
	sp := simnet.NewSpares()
	for _, msg := range heads {
		if got, want := parse(sp, msg), parse(nil, msg); got != want {
			t.Errorf("on a released world's arrays the head is\n  %s\nwant\n  %s", got, want)
		}
	}
}

// worldOnSpares is a world of seed 1 taking its objects from sp, or a
// fresh one when sp is nil: the reuse tests compare the two.
func worldOnSpares(t *testing.T, sp *simnet.Spares) *simnet.World {
	t.Helper()
	var opts []simnet.Option
	if sp != nil {
		opts = append(opts, simnet.WithSpares(sp))
	}
	w, err := simnet.NewWorld(1, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return w
}
