package proxy

import (
	"io"
	"net"
	"testing"

	"github.com/simhttp/simhttp/simnet"
)

// tcpConns is a connected loopback pair.
func tcpConns(t *testing.T) (*net.TCPConn, *net.TCPConn) {
	t.Helper()
	ln, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	a, err := net.DialTCP("tcp", nil, ln.Addr().(*net.TCPAddr))
	if err != nil {
		t.Fatal(err)
	}
	b, err := ln.AcceptTCP()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close(); b.Close() })
	return a, b
}

// sink is a loopback connection whatever is written to is read and dropped
// at the other end.
func sink(t *testing.T) *net.TCPConn {
	t.Helper()
	w, r := tcpConns(t)
	go func() { _, _ = io.Copy(io.Discard, r) }()
	return w
}

// A keep-alive connection keeps the request numbers of what is in flight
// only, however many requests it carries, with no rule (the quiet path) and
// with an HTTP-aware rule in force (every piece planned), and still numbers
// its requests right.
func TestAConnectionForgetsExchangesThatAreOver(t *testing.T) {
	never := simnet.Rule{What: simnet.FaultReset, Request: 1 << 30, After: simnet.AfterResponseHeaders}
	for _, rules := range [][]simnet.Rule{nil, {never}} {
		p := &Proxy{}
		for _, r := range rules {
			p.rules = append(p.rules, &rule{Rule: r, gone: make(chan struct{})})
		}
		c := newConn(p, 1, nil)
		for _, r := range p.rules {
			c.rules = append(c.rules, &ruleState{r: r})
		}
		dst := sink(t)
		req := []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		res := []byte("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
		const n = 1000
		most := 0
		for i := 1; i <= n; i++ {
			// Two requests pipelined every tenth time, so two are in flight.
			if !c.forward(client, req, dst) || i%10 == 0 && !c.forward(client, req, dst) {
				t.Fatalf("request %d was not forwarded", i)
			}
			if !c.forward(server, res, dst) || i%10 == 0 && !c.forward(server, res, dst) {
				t.Fatalf("response %d was not forwarded", i)
			}
			most = max(most, len(c.exchange))
		}
		want := n + n/10
		if got := c.request(0); got != want || p.requests.Load() != int64(want) {
			t.Errorf("rules %v: the latest request is number %d of %d counted, want %d", rules, got, p.requests.Load(), want)
		}
		if most > 2 || cap(c.exchange) > 4 {
			t.Errorf("rules %v: the connection held up to %d request numbers (capacity %d) for at most 2 in flight", rules, most, cap(c.exchange))
		}
	}
}
