package httpcore

// Tests for the rows of COMPATIBILITY.md that no other test proved: each
// repeats a case of fixtures/node/api-coverage/api.js on simnet and compares
// what it observes, in order, with what real Node v20 observed (api.json).

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/simhttp/simhttp/simnet"
)

// apiCase is one case of api.json.
type apiCase struct {
	Notes json.RawMessage `json:"notes"`
	Wire  json.RawMessage `json:"wire"`
	Raw   string          `json:"raw"`
}

func loadAPICases(t *testing.T) map[string]apiCase {
	t.Helper()
	b, err := os.ReadFile("../fixtures/node/api-coverage/api.json")
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]apiCase
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("api.json: %v", err)
	}
	return out
}

// sameNotes compares what the Go version noted with what Node noted.
func sameNotes(t *testing.T, got []any, node json.RawMessage) {
	t.Helper()
	if g, w := canonical(t, got), canonical(t, node); g != w {
		t.Errorf("observed\n got %s\nnode %s", g, w)
	}
}

// writableState is the writable side of m as api.js's writable() records it.
func writableState(m *OutgoingMessage) map[string]any {
	return map[string]any{
		"writableEnded": m.WritableEnded(), "writableFinished": m.WritableFinished(), "writableLength": m.WritableLength(),
		"writableCorked": m.WritableCorked(), "writableHighWaterMark": m.WritableHighWaterMark(), "writableObjectMode": m.WritableObjectMode(),
	}
}

// TestClientRequestAPIAsNode: the request's header store (setHeader,
// removeHeader, getHeader, getHeaders, getHeaderNames, getRawHeaderNames,
// hasHeader), cork and uncork, the writable state before a socket, after end
// and on 'finish', end()'s callback, the socket and connection aliases, the
// response's statusMessage, and the bytes on the wire.
func TestClientRequestAPIAsNode(t *testing.T) {
	node := loadAPICases(t)["client-request-api"]
	w, h := loopbackHost(t)
	peer := listenWire(t, h, func(got string, sock *simnet.Socket) {
		if requestComplete(got) {
			sock.End([]byte("HTTP/1.1 200 Fine Thanks\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"), nil)
		}
	})
	req, err := Request(h, "", RequestOptions{Host: "127.0.0.1", Port: peer.port, Path: "/p", Method: "POST", NoAgent: true, SetHost: new(false)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(req.SetHeader("X-B", "1"))
	must(req.SetHeader("x-a", []string{"2", "3"}))
	must(req.SetHeader("X-C", 4))
	must(req.RemoveHeader("x-b"))
	var n []any
	n = append(n, []any{"headers", req.GetHeaderNames(), req.GetHeaders(), req.GetRawHeaderNames(), req.HasHeader("X-A"), req.HasHeader("x-b"), req.GetHeader("X-A")})
	n = append(n, []any{"before", writableState(&req.OutgoingMessage), req.Socket() == nil, req.Connection() == nil})
	req.Cork()
	for _, p := range []string{"ab", "c"} {
		if _, err := req.Write([]byte(p), nil); err != nil {
			t.Fatal(err)
		}
	}
	n = append(n, []any{"corked", writableState(&req.OutgoingMessage)})
	req.Uncork()
	n = append(n, []any{"uncorked", writableState(&req.OutgoingMessage)})
	must(req.End([]byte("d"), func() { n = append(n, []any{"end callback"}) }))
	n = append(n, []any{"ended", writableState(&req.OutgoingMessage), req.Finished()})
	req.Events.Socket().On(func(s *simnet.Socket) { n = append(n, []any{"socket", req.Socket() == s, req.Connection() == s}) })
	req.Events.Finish.On(func(struct{}) { n = append(n, []any{"finish", req.WritableFinished()}) })
	req.Events.Response.On(func(res *IncomingMessage) {
		n = append(n, []any{"response", res.StatusCode, res.StatusMessage, res.Connection() == res.Socket(), res.Socket() == req.Socket()})
		res.Resume()
	})
	if err := w.Loop().Run(); err != nil {
		t.Fatal(err)
	}
	sameNotes(t, n, node.Notes)
	var wire string
	if err := json.Unmarshal(node.Wire, &wire); err != nil {
		t.Fatal(err)
	}
	if len(peer.got) != 1 || peer.got[0] != wire {
		t.Errorf("wire bytes\n got %q\nnode %q", peer.got, wire)
	}
}

// TestServerResponseAPIAsNode: response.req, the connection aliases of the
// response and the request, finished, writableObjectMode,
// writableHighWaterMark, getHeaders, pipe() failing through 'error', and
// the order of 'prefinish', the return of end(), write()'s callback,
// 'finish' (the socket let go), end()'s callback and 'close'.
func TestServerResponseAPIAsNode(t *testing.T) {
	node := loadAPICases(t)["server-response-api"]
	e := newServerWorld(t)
	var n []any
	srv, port := e.server(ServerOptions{}, func(req *IncomingMessage, res *ServerResponse) {
		n = append(n, []any{"handler", res.Req == req, res.Connection() == res.Socket(), res.Socket() == req.Socket(), req.Connection() == req.Socket(),
			res.Finished(), res.WritableObjectMode(), res.WritableHighWaterMark()})
		set(t, res, "X-A", "1")
		set(t, res, "x-list", []string{"a", "b"})
		set(t, res, "X-N", 5)
		n = append(n, []any{"getHeaders", res.GetHeaders()})
		res.Events.Error.On(func(err error) { n = append(n, []any{"error", simnet.CodeOf(err), err.Error()}) })
		n = append(n, []any{"pipe returned", res.Pipe() == nil})
		res.Events.Prefinish().On(func(struct{}) { n = append(n, []any{"prefinish", res.WritableFinished()}) })
		res.Events.Finish.On(func(struct{}) {
			n = append(n, []any{"finish", res.WritableFinished(), res.Finished(), res.Socket() == nil, res.Connection() == nil})
		})
		res.Events.Close.On(func(struct{}) { n = append(n, []any{"close"}) })
		if _, err := res.Write([]byte("w"), func(err error) { n = append(n, []any{"write callback", err == nil}) }); err != nil {
			t.Fatal(err)
		}
		if err := res.End([]byte("x"), func() { n = append(n, []any{"end callback"}) }); err != nil {
			t.Fatal(err)
		}
		n = append(n, []any{"ended", res.Finished(), res.WritableEnded()})
	})
	peer := e.raw(srv, port, getClose, nil)
	e.run()
	sameNotes(t, n, node.Notes)
	if got := peer.received(); got != node.Raw {
		t.Errorf("client received\n got %q\nnode %q", got, node.Raw)
	}
	if !strings.Contains(e.compact(), "sres:error(ERR_STREAM_CANNOT_PIPE)") {
		t.Errorf("pipe()'s 'error' is not traced: %s", e.compact())
	}
}

// TestPipeWithoutListenerReturnsTheError: where Node's emit would throw,
// Pipe returns the error.
func TestPipeWithoutListenerReturnsTheError(t *testing.T) {
	req, err := Request(newIdleRuntime(), "http://example.test/", RequestOptions{CreateConnection: func(simnet.ConnectOptions, func(*simnet.Socket, error)) (*simnet.Socket, error) {
		return nil, nil
	}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = req.Pipe()
	if !errors.Is(err, &Error{Code: "ERR_STREAM_CANNOT_PIPE"}) || err.Error() != "Cannot pipe, not readable" {
		t.Errorf("Pipe() = %v", err)
	}
}

// TestResponseSetTimeoutAsNode: response.setTimeout's callback listens for
// the response's 'timeout'; with it the socket is kept and the late answer
// goes out, at the virtual instant the timeout falls.
func TestResponseSetTimeoutAsNode(t *testing.T) {
	node := loadAPICases(t)["response-set-timeout"]
	e := newServerWorld(t)
	var n []any
	var at time.Duration
	srv, port := e.server(ServerOptions{}, func(_ *IncomingMessage, res *ServerResponse) {
		res.SetTimeout(50*time.Millisecond, func() {
			at = e.loop.Now()
			n = append(n, []any{"timeout", res.Socket().Destroyed()})
			mustEnd(t, res, "late")
		})
	})
	peer := e.raw(srv, port, getClose, nil)
	e.run()
	sameNotes(t, n, node.Notes)
	if got := peer.received(); got != node.Raw {
		t.Errorf("client received\n got %q\nnode %q", got, node.Raw)
	}
	if at < 50*time.Millisecond || at > 60*time.Millisecond {
		t.Errorf("'timeout' at %v, want 50 ms after the request", at)
	}
}

// TestServerTimeoutPropertyAsNode: server.timeout set as a field before the
// connection times the socket out; server.listening before, during and
// after.
func TestServerTimeoutPropertyAsNode(t *testing.T) {
	node := loadAPICases(t)["server-timeout-property"]
	e := newServerWorld(t)
	var n []any
	var sreqSock *simnet.Socket
	srv, err := CreateServer(e.h, ServerOptions{}, func(req *IncomingMessage, _ *ServerResponse) { sreqSock = req.Socket() })
	if err != nil {
		t.Fatal(err)
	}
	n = append(n, []any{"listening before listen", srv.Listening()})
	srv.Timeout = 50 * time.Millisecond
	var at time.Duration
	srv.Events.Timeout.On(func(sock *simnet.Socket) {
		at = e.loop.Now()
		n = append(n, []any{"timeout", sock == sreqSock})
		sock.Destroy(nil)
	})
	var peer *rawPeer
	err = srv.Listen(0, "127.0.0.1", func() {
		n = append(n, []any{"listening", srv.Listening()})
		a, _ := srv.Address()
		peer = e.rawPeer(int(a.Port()), getClose, nil)
		peer.sock.Events.Close.On(func(bool) {
			srv.Close(func(error) { n = append(n, []any{"listening after close", srv.Listening()}) })
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	e.run()
	sameNotes(t, n, node.Notes)
	if got := peer.received(); got != node.Raw {
		t.Errorf("client received %q, Node %q", got, node.Raw)
	}
	if at < 50*time.Millisecond || at > 60*time.Millisecond {
		t.Errorf("'timeout' at %v, want 50 ms after the request", at)
	}
}

// TestRequestAbortedPropertyAsNode: message.aborted and message.complete
// as the server's request sees its client leave mid-body.
func TestRequestAbortedPropertyAsNode(t *testing.T) {
	node := loadAPICases(t)["request-aborted-property"]
	e := newServerWorld(t)
	var n []any
	var peer *rawPeer
	srv, port := e.server(ServerOptions{}, func(req *IncomingMessage, _ *ServerResponse) {
		n = append(n, []any{"request", req.Aborted, req.Complete})
		req.Events.Aborted().On(func(struct{}) { n = append(n, []any{"aborted", req.Aborted, req.Complete}) })
		req.Events.Error.On(func(err error) { n = append(n, []any{"error", simnet.CodeOf(err), err.Error()}) })
		req.Events.Close.On(func(struct{}) { n = append(n, []any{"close", req.Aborted, req.Complete}) })
		req.Events.Data.Once(func([]byte) { peer.sock.Destroy(nil) })
	})
	peer = e.raw(srv, port, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc", nil)
	e.run()
	sameNotes(t, n, node.Notes)
}

// TestClientMaxHeadersCountAsNode: request.maxHeadersCount against
// responses of 5, 40 and 1100 fields.
func TestClientMaxHeadersCountAsNode(t *testing.T) {
	var cases []struct {
		Fields          int  `json:"fields"`
		MaxHeadersCount *int `json:"maxHeadersCount"`
		Keys            int  `json:"keys"`
		Raw             int  `json:"raw"`
	}
	if err := json.Unmarshal(loadAPICases(t)["client-max-headers-count"].Notes, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatal("no cases in api.json")
	}
	for _, c := range cases {
		name := fmt.Sprintf("%d fields, maxHeadersCount null", c.Fields)
		if c.MaxHeadersCount != nil {
			name = fmt.Sprintf("%d fields, maxHeadersCount %d", c.Fields, *c.MaxHeadersCount)
		}
		t.Run(name, func(t *testing.T) {
			var head strings.Builder
			for i := range c.Fields {
				fmt.Fprintf(&head, "H%d: %d\r\n", i, i)
			}
			w, h := loopbackHost(t)
			peer := listenWire(t, h, func(got string, sock *simnet.Socket) {
				if requestComplete(got) {
					sock.End([]byte("HTTP/1.1 200 OK\r\n"+head.String()+"Content-Length: 0\r\nConnection: close\r\n\r\n"), nil)
				}
			})
			req, err := Request(h, "", RequestOptions{Host: "127.0.0.1", Port: peer.port, NoAgent: true}, nil)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case c.MaxHeadersCount == nil:
			case *c.MaxHeadersCount == 0:
				req.MaxHeadersCount = -1 // Node's 0: no limit
			default:
				req.MaxHeadersCount = *c.MaxHeadersCount
			}
			got := "no response"
			req.Events.Response.On(func(res *IncomingMessage) {
				got = fmt.Sprintf("%d/%d", res.Headers().Len(), len(res.RawHeaders))
				res.Resume()
			})
			if err := req.End(nil, nil); err != nil {
				t.Fatal(err)
			}
			if err := w.Loop().Run(); err != nil {
				t.Fatal(err)
			}
			if want := fmt.Sprintf("%d/%d", c.Keys, c.Raw); got != want {
				t.Errorf("keys/raw %s, Node %s", got, want)
			}
		})
	}
}

// TestAgentLimitsAndModuleConstantsAsNode: agent.maxSockets,
// maxFreeSockets and maxTotalSockets as set and by default (defaults.json),
// and http.maxHeaderSize.
func TestAgentLimitsAndModuleConstantsAsNode(t *testing.T) {
	node := loadAPICases(t)["agent-options"]
	var notes [][]any
	if err := json.Unmarshal(node.Notes, &notes); err != nil {
		t.Fatal(err)
	}
	a, err := NewAgent(newIdleRuntime(), AgentOptions{MaxSockets: 5, MaxFreeSockets: 3, MaxTotalSockets: 4})
	if err != nil {
		t.Fatal(err)
	}
	sameNotes(t, []any{"limits", a.MaxSockets(), a.MaxFreeSockets(), a.MaxTotalSockets()}, mustJSON(t, notes[0]))

	b, err := os.ReadFile("../fixtures/node/traces/defaults.json")
	if err != nil {
		t.Fatal(err)
	}
	var defaults struct {
		MaxHeaderSize int                        `json:"maxHeaderSize"`
		GlobalAgent   map[string]any             `json:"globalAgent"`
		NewAgent      map[string]any             `json:"newAgent"`
		Other         map[string]json.RawMessage `json:"-"`
	}
	if err := json.Unmarshal(b, &defaults); err != nil {
		t.Fatal(err)
	}
	limit := func(n int) any {
		if n == math.MaxInt {
			return "Infinity"
		}
		return float64(n)
	}
	fresh, err := NewAgent(newIdleRuntime(), AgentOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		a    *Agent
		node map[string]any
	}{"globalAgent": {GlobalAgent(newIdleRuntime()), defaults.GlobalAgent}, "new Agent()": {fresh, defaults.NewAgent}} {
		got := map[string]any{"maxSockets": limit(c.a.MaxSockets()), "maxFreeSockets": limit(c.a.MaxFreeSockets()), "maxTotalSockets": limit(c.a.MaxTotalSockets())}
		for k, v := range got {
			if c.node[k] != v {
				t.Errorf("%s.%s = %v, Node %v", name, k, v, c.node[k])
			}
		}
	}
	if MaxHeaderSize != defaults.MaxHeaderSize {
		t.Errorf("MaxHeaderSize = %d, Node %d", MaxHeaderSize, defaults.MaxHeaderSize)
	}
}

func mustJSON(t *testing.T, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestAgentDefaultPortAndProtocolOptions checks the newest documents'
// Agent options (Node v20's constructor ignores both, see api.json's
// agent-options): a request naming no port goes to the agent's defaultPort,
// with a Host header that leaves that port out, and a request whose
// protocol is not the agent's is refused as Node refuses one.
func TestAgentDefaultPortAndProtocolOptions(t *testing.T) {
	w, h := loopbackHost(t)
	peer := listenWire(t, h, func(got string, sock *simnet.Socket) {
		if requestComplete(got) {
			sock.End([]byte("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"), nil)
		}
	})
	a, err := NewAgent(h, AgentOptions{DefaultPort: peer.port})
	if err != nil {
		t.Fatal(err)
	}
	status := 0
	req, err := Get(h, "", RequestOptions{Agent: a, Host: "127.0.0.1", Path: "/d"}, func(res *IncomingMessage) {
		status = res.StatusCode
		res.Resume()
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := req.GetHeader("host"); got != "127.0.0.1" {
		t.Errorf("Host header %v, want 127.0.0.1 (the agent's default port left out)", got)
	}
	if err := w.Loop().Run(); err != nil {
		t.Fatal(err)
	}
	if status != 204 || len(peer.got) != 1 || !strings.HasPrefix(peer.got[0], "GET /d HTTP/1.1\r\nHost: 127.0.0.1\r\n") {
		t.Errorf("status %d, server received %q", status, peer.got)
	}

	tls, err := NewAgent(newIdleRuntime(), AgentOptions{Protocol: "https:"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Request(newIdleRuntime(), "", RequestOptions{Agent: tls, Host: "127.0.0.1"}, nil)
	var he *Error
	if !errors.As(err, &he) || he.Code != "ERR_INVALID_PROTOCOL" || he.Message != `Protocol "http:" not supported. Expected "https:"` {
		t.Errorf("a request through an https: agent: %v", err)
	}
}

// recordingTransport is a connection that takes every byte and records the
// socket options applied to it.
type recordingTransport struct{ calls []string }

func (r *recordingTransport) Send(p []byte) int { return len(p) }
func (r *recordingTransport) CloseWrite()       {}
func (r *recordingTransport) Close(bool)        {}
func (r *recordingTransport) SetReading(bool)   {}
func (r *recordingTransport) SetNoDelay(on bool) {
	r.calls = append(r.calls, fmt.Sprint("noDelay ", on))
}
func (r *recordingTransport) SetKeepAlive(on bool, d time.Duration) {
	r.calls = append(r.calls, fmt.Sprint("keepAlive ", on, " ", d))
}

// TestSocketOptionsWaitForTheConnection: request.setNoDelay and
// request.setSocketKeepAlive called before the socket exists reach it once
// it is connected, as the documents say.
func TestSocketOptionsWaitForTheConnection(t *testing.T) {
	rt := newIdleRuntime()
	tr := &recordingTransport{}
	var feed simnet.Feed
	req, err := Request(rt, "http://example.test/", RequestOptions{CreateConnection: func(simnet.ConnectOptions, func(*simnet.Socket, error)) (*simnet.Socket, error) {
		var s *simnet.Socket
		s, feed = simnet.NewSocket(rt.Loop(), simnet.SocketOptions{})
		rt.Loop().SetImmediate(func() {
			feed.Connected(tr, netip.MustParseAddrPort("10.0.0.1:40000"), netip.MustParseAddrPort("10.0.0.2:80"))
		})
		return s, nil
	}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.SetNoDelay(false)
	req.SetSocketKeepAlive(true, 3*time.Second)
	var before []string
	req.Events.Socket().On(func(s *simnet.Socket) {
		before = append([]string(nil), tr.calls...)
		s.Events.Connect.On(func(struct{}) { rt.Loop().SetImmediate(func() { req.Destroy(nil) }) })
	})
	req.Events.Error.On(func(error) {})
	if err := req.End(nil, nil); err != nil {
		t.Fatal(err)
	}
	if err := rt.Loop().Run(); err != nil {
		t.Fatal(err)
	}
	if len(before) != 0 {
		t.Errorf("options applied before the connection: %q", before)
	}
	if got := fmt.Sprint(tr.calls); got != "[noDelay false keepAlive true 3s]" {
		t.Errorf("socket options applied: %s", got)
	}
}
