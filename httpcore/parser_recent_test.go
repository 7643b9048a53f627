package httpcore

import (
	"slices"
	"strings"
	"testing"
)

// TestRepeatedHeadsShareStrings parses keep-alive heads through parsers
// sharing spares: a head repeating the last one's pieces (found whole, or
// piece by piece) costs nothing of
// its own (its RawHeaders array is cut from a shared chunk, and ends where
// it does), and a head that differs anywhere - a value, a name, a
// longer or shorter head, one past the kept fields or too long to keep -
// still comes out exactly as sent.
func TestRepeatedHeadsShareStrings(t *testing.T) {
	var shared headSpares
	var got []string
	var url string
	p := NewParser(ParseRequest, ParserOptions{})
	p.spares = &shared
	p.SetCallbacks(func(h *MessageHead) BodyMode {
		url, got = h.URL, h.RawHeaders
		return BodyNormal
	}, nil, nil)
	head := func(url string, fields ...string) string {
		var b strings.Builder
		b.WriteString("GET " + url + " HTTP/1.1\r\n")
		for i := 0; i < len(fields); i += 2 {
			b.WriteString(fields[i] + ": " + fields[i+1] + " \t\r\n")
		}
		b.WriteString("\r\n")
		return b.String()
	}
	many := make([]string, 0, 2*(recentFields+2))
	for i := range recentFields + 2 {
		many = append(many, "X-"+strings.Repeat("n", i+1), strings.Repeat("v", i))
	}
	cases := []struct {
		url    string
		fields []string
	}{
		{"/", []string{"Host", "a:80", "Connection", "keep-alive"}},
		{"/", []string{"Host", "a:80", "Connection", "keep-alive"}},
		// The same bytes collected, cut at other places.
		{"/", []string{"Hos", "ta:80", "Connection", "keep-alive"}},
		{"/H", []string{"ost", "a:80", "Connection", "keep-alive"}},
		{"/", []string{"Host", "a:80", "Connection", "keep-alive"}},
		{"/", []string{"Host", "a:81", "Connection", "keep-alive"}},
		{"/x", []string{"Host", "a:81", "Connection", "keep-alive"}},
		{"/x", []string{"Host", "a:81"}},
		{"/x", []string{"Host", "a:81", "Connection", "keep-alive", "X-Empty", ""}},
		{"/x", []string{"host", "a:81", "Connection", "", "X-Empty", "keep-alive"}},
		{"/x", many},
		{"/x", many},
		{"/long", []string{"X-Long", strings.Repeat("l", recentHeadMax)}},
		{"/long", []string{"X-Long", strings.Repeat("l", recentHeadMax-1) + "m"}},
		{"/", nil},
	}
	for i, c := range cases {
		if _, err := p.Execute([]byte(head(c.url, c.fields...))); err != nil {
			t.Fatalf("head %d: %v", i, err)
		}
		want := c.fields
		if want == nil {
			want = []string{}
		}
		if url != c.url || !slices.Equal(got, want) || cap(got) != len(got) {
			t.Errorf("head %d: got %q %q (capacity %d), want %q %q", i, url, got, cap(got), c.url, want)
		}
	}
	repeat := []byte(head("/", "Host", "a:80", "Connection", "keep-alive"))
	if allocs := testing.AllocsPerRun(100, func() {
		if _, err := p.Execute(repeat); err != nil {
			t.Fatal(err)
		}
	}); allocs != 0 {
		t.Errorf("a repeated head costs %v allocations, want 0", allocs)
	}
}

// TestHeadWithoutFieldsHasEmptyRawHeaders: a head with no header lines,
// the first its spares see, has RawHeaders [] as Node's rawHeaders is and
// as a parser without spares gives, not nil, which a trace writes as null.
func TestHeadWithoutFieldsHasEmptyRawHeaders(t *testing.T) {
	for _, spared := range []bool{false, true} {
		p := NewParser(ParseRequest, ParserOptions{})
		if spared {
			p.spares = &headSpares{}
		}
		var raw []string
		heads := 0
		p.SetCallbacks(func(h *MessageHead) BodyMode {
			raw = h.RawHeaders
			heads++
			return BodyNormal
		}, nil, nil)
		if _, err := p.Execute([]byte("GET / HTTP/1.0\r\n\r\n")); err != nil || heads != 1 {
			t.Fatalf("spares %v: %d heads, %v", spared, heads, err)
		}
		if raw == nil || len(raw) != 0 {
			t.Errorf("spares %v: RawHeaders %#v, want an empty, non-nil slice", spared, raw)
		}
	}
}
