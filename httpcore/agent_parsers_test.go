package httpcore

import (
	"testing"
	"time"
)

// TestAgentReusesFreedParsers: a request on a kept-alive socket reads its
// response with the parser the previous request freed, a freed parser
// keeps no hooks (so no request), the free list holds no more than Node's
// 1000, and a parser made with other options is never handed out.
func TestAgentReusesFreedParsers(t *testing.T) {
	w := newAPIWorld(t, 1)
	a, err := NewAgent(w.client, AgentOptions{KeepAlive: true, Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	var used []*Parser
	next := func() {
		req := w.get(a, "/", func(_ *ClientRequest, _ string, err error) {
			if err != nil {
				t.Fatal(err)
			}
		})
		req.Events.Response.On(func(*IncomingMessage) { used = append(used, req.parser) })
	}
	w.inTurn(a, 3, next)
	if len(used) != 3 || used[0] == nil || used[1] != used[0] || used[2] != used[0] {
		t.Fatalf("parsers of three requests in turn: %v, want one parser reused", used)
	}
	if len(a.parsers) != 1 || a.parsers[0].p != used[0] || a.parsers[0].p.hooks != nil {
		t.Fatalf("free list after the last request: %d parsers, want the one used, without hooks", len(a.parsers))
	}

	b := Agent{rt: w.client}
	po := ParserOptions{MaxHeaderSize: 100}
	for range maxFreeParsers + 5 {
		b.releaseParser(NewParser(ParseResponse, po), po)
	}
	if len(b.parsers) != maxFreeParsers {
		t.Errorf("free list holds %d parsers, want Node's %d", len(b.parsers), maxFreeParsers)
	}
	if p := b.allocParser(ParserOptions{Lenient: true}); p == nil || len(b.parsers) != maxFreeParsers {
		t.Errorf("a parser with other options came from the free list (%d left)", len(b.parsers))
	}
	if b.allocParser(po); len(b.parsers) != maxFreeParsers-1 {
		t.Errorf("a parser with the same options was not taken from the free list (%d left)", len(b.parsers))
	}
}
