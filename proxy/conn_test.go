package proxy

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"

	"github.com/simhttp/simhttp/record"
	"github.com/simhttp/simhttp/replay"
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

// recordedConn is a connection between a client's leg and an upstream's
// leg (a sink) recorded into a capture, and a function that closes the
// capture and counts its packets.
func recordedConn(t *testing.T) (*conn, func() int) {
	t.Helper()
	var file bytes.Buffer
	cp, err := newCapture(&file, record.PCAP, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	cc, _ := tcpConns(t)
	k := newConn(&Proxy{cap: cp}, 1, cc)
	k.uc = sink(t)
	k.legs[client] = cp.newLeg(1, cc.RemoteAddr(), cc.LocalAddr())
	k.legs[server] = cp.newLeg(1, k.uc.LocalAddr(), k.uc.RemoteAddr())
	return k, func() int {
		t.Helper()
		if err := cp.close(); err != nil {
			t.Fatal(err)
		}
		got, err := replay.ReadCapture(&file)
		if err != nil {
			t.Fatal(err)
		}
		return got.Packets
	}
}

// The capture records what the proxy sent only once it has left: a write
// or a FIN or RST that failed leaves nothing in it.
func TestTheCaptureRecordsOnlyWhatLeft(t *testing.T) {
	for _, c := range []struct {
		name     string
		upClosed bool
		want     int // packets
	}{
		// The handshakes (3+3); the request forwarded; the client's FIN
		// seen and passed on; both legs reset.
		{"the upstream's leg open", false, 6 + 1 + 2 + 2},
		// The handshakes; the failed write resets the client's leg, and
		// the upstream's leg, closed, sends nothing.
		{"the upstream's leg closed", true, 6 + 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			k, packets := recordedConn(t)
			if c.upClosed {
				k.uc.Close()
			}
			if ok := k.write(client, k.uc, []byte("GET / HTTP/1.1\r\n\r\n"), 0); ok == c.upClosed {
				t.Errorf("write reported %v with the upstream's leg closed %v", ok, c.upClosed)
			}
			k.readEnded(client, io.EOF, k.uc)
			k.finish(endReset)
			if n := packets(); n != c.want {
				t.Errorf("%d packets in the capture, want %d", n, c.want)
			}
		})
	}
}

// What the proxy reads while it is sending on the other leg waits in the
// capture behind what it sends, with its own copy of the bytes, and is
// written once the send is settled.
func TestTheCaptureHoldsWhatFollowsASendInFlight(t *testing.T) {
	k, packets := recordedConn(t)
	cp := k.p.cap
	seg := k.sending(server, client)
	read := []byte("answer")
	k.record(server, server, read)
	copy(read, "XXXXXX")
	if len(cp.held) != 2 || cp.held[0] != seg || string(cp.held[1].payload) != "answer" {
		t.Fatalf("held %d segments, the second with %q; want the send, then the answer's own copy", len(cp.held), cp.held[len(cp.held)-1].payload)
	}
	k.left(seg, simnet.FlagPSH, []byte("request"))
	if len(cp.held) != 0 {
		t.Errorf("%d segments still held after the send was settled", len(cp.held))
	}
	if n := packets(); n != 6+2 {
		t.Errorf("%d packets in the capture, want 8", n)
	}
}
