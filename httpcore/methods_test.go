package httpcore

import (
	"slices"
	"testing"
)

func TestMethodsMatchNode(t *testing.T) {
	var m httpModule
	loadJSON(t, "http-module.json", &m)
	if !slices.Equal(METHODS, m.Methods) {
		t.Fatalf("METHODS %q, Node %q", METHODS, m.Methods)
	}
}

// TestParserAcceptsExactlyMETHODS checks that every method Node lists, and
// no other llhttp method, makes an HTTP/1.1 request.
func TestParserAcceptsExactlyMETHODS(t *testing.T) {
	for _, m := range llhttpMethods {
		p := NewParser(ParseRequest, ParserOptions{})
		accepted := false
		p.SetCallbacks(func(h *MessageHead) BodyMode {
			accepted = h.Method == m
			return BodyNormal
		}, nil, nil)
		_, err := p.Execute([]byte(m + " / HTTP/1.1\r\n\r\n"))
		if accepted != slices.Contains(METHODS, m) {
			t.Errorf("%s: accepted %t, error %v", m, accepted, err)
		}
	}
}
