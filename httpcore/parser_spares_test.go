package httpcore

import (
	"fmt"
	"slices"
	"testing"
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
