package httpcore

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/simhttp/simhttp/simnet"
)

// The server cases of fixtures/node/traces, rebuilt on simnet over
// loopback and started in a setImmediate, as the reference scripts run
// them. Each test compares the whole run's order with the one real Node v20
// recorded (the global agent's 'free', which Node's tracer does not record,
// left out), and what the raw client received byte for byte.

const serverRefTraces = "../fixtures/node/traces"

// serverRefCase is one entry of index.json.
type serverRefCase struct {
	Case    string `json:"case"`
	Area    string `json:"area"`
	Setup   string `json:"setup"`
	Compact string `json:"compact"`
}

func loadServerRefCases(t *testing.T) map[string]serverRefCase {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(serverRefTraces, "index.json"))
	if err != nil {
		t.Fatalf("reading the Node reference index: %v", err)
	}
	var list []serverRefCase
	if err := json.Unmarshal(raw, &list); err != nil {
		t.Fatalf("index.json: %v", err)
	}
	out := make(map[string]serverRefCase, len(list))
	for _, c := range list {
		out[c.Case] = c
	}
	return out
}

func loadServerRefTrace(t *testing.T, name string) []simnet.Event {
	t.Helper()
	f, err := os.Open(filepath.Join(serverRefTraces, name+".jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	events, err := simnet.ReadTrace(f)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return events
}

// serverSide keeps the events of the server's objects and the steps a case
// marks, leaving out the raw client's.
func serverSide(events []simnet.Event) []simnet.Event {
	var out []simnet.Event
	for _, ev := range events {
		switch ev.Obj {
		case "server", "sreq", "sres", "ssocket":
			out = append(out, ev)
		case "test":
			if ev.Name != "mark:raw-received" {
				out = append(out, ev)
			}
		}
	}
	return out
}

func rawReceived(events []simnet.Event) (string, bool) {
	for _, ev := range events {
		if ev.Obj == "test" && ev.Name == "mark:raw-received" {
			s, _ := ev.Detail["raw"].(string)
			return s, true
		}
	}
	return "", false
}

func head(method, path string, headers ...string) string {
	s := method + " " + path + " HTTP/1.1\r\nHost: localhost\r\n"
	for i := 0; i+1 < len(headers); i += 2 {
		s += headers[i] + ": " + headers[i+1] + "\r\n"
	}
	return s + "\r\n"
}

var getClose = head("GET", "/", "Connection", "close")

// raw connects a raw client that writes first on connect; the server closes
// when the raw client's socket closes.
func (e *serverWorld) raw(srv *Server, port int, first string, onData func(string, *rawPeer)) *rawPeer {
	c := e.rawPeer(port, first, onData)
	c.sock.Events.Close.On(func(bool) { srv.Close(nil) })
	return c
}

// readBody reads a request to its end, then calls fn.
func readBody(req *IncomingMessage, fn func()) {
	req.Events.Data.On(func([]byte) {})
	req.Events.End.On(func(struct{}) { fn() })
}

func mustEnd(t testing.TB, res *ServerResponse, body string) {
	t.Helper()
	var p []byte
	if body != "" {
		p = []byte(body)
	}
	if err := res.End(p, nil); err != nil {
		t.Errorf("res.End: %v", err)
	}
}

func (e *serverWorld) request(port int, opts RequestOptions) *ClientRequest {
	e.t.Helper()
	opts.Host, opts.Port = "127.0.0.1", port
	req, err := Request(e.h, "", opts, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	listenAll(req, listenOpts{})
	return req
}

// serverCases rebuilds each reference case; the names are index.json's.
var serverCases = map[string]func(t *testing.T, e *serverWorld){
	"server-simple": func(t *testing.T, e *serverWorld) {
		srv, port := e.server(ServerOptions{}, func(_ *IncomingMessage, res *ServerResponse) { mustEnd(t, res, "hello") })
		e.raw(srv, port, getClose, nil)
	},
	"server-keepalive-two-requests": func(t *testing.T, e *serverWorld) {
		srv, port := e.server(ServerOptions{}, answerByURL(t))
		sent := false
		e.raw(srv, port, head("GET", "/1"), func(got string, c *rawPeer) {
			if !sent && strings.HasSuffix(got, "one") {
				sent = true
				c.sock.Write([]byte(head("GET", "/2", "Connection", "close")), nil)
			}
		})
	},
	"server-pipelined": func(t *testing.T, e *serverWorld) {
		srv, port := e.server(ServerOptions{}, answerByURL(t))
		e.raw(srv, port, head("GET", "/1")+head("GET", "/2", "Connection", "close"), nil)
	},
	"server-max-requests-per-socket": func(t *testing.T, e *serverWorld) {
		srv, port := e.server(ServerOptions{KeepAliveTimeout: 200 * time.Millisecond}, func(_ *IncomingMessage, res *ServerResponse) { mustEnd(t, res, "one") })
		srv.MaxRequestsPerSocket = 1
		e.raw(srv, port, head("GET", "/1")+head("GET", "/2"), nil)
	},
	"server-check-continue-listener": func(t *testing.T, e *serverWorld) {
		srv, port := e.server(ServerOptions{}, func(*IncomingMessage, *ServerResponse) { t.Error("request handler must not run") })
		srv.Events.CheckContinue.On(func(x Exchange) {
			x.Res.WriteContinue(nil)
			readBody(x.Req, func() { mustEnd(t, x.Res, "ok") })
		})
		req := e.request(port, RequestOptions{Method: "POST", Headers: []HeaderField{
			{Name: "expect", Values: []string{"100-continue"}}, {Name: "content-length", Values: []string{"5"}},
		}})
		req.Events.Continue().On(func(struct{}) {
			if err := req.End([]byte("hello"), nil); err != nil {
				t.Error(err)
			}
		})
		req.Events.Close.On(func(struct{}) { srv.Close(nil) })
		if err := req.FlushHeaders(); err != nil {
			t.Fatal(err)
		}
	},
	"server-check-continue-auto": func(t *testing.T, e *serverWorld) {
		srv, port := e.server(ServerOptions{}, func(req *IncomingMessage, res *ServerResponse) {
			readBody(req, func() { mustEnd(t, res, "ok") })
		})
		sent := false
		e.raw(srv, port, head("POST", "/", "Expect", "100-continue", "Content-Length", "5", "Connection", "close"), func(got string, c *rawPeer) {
			if !sent && strings.Contains(got, "100 Continue") {
				sent = true
				c.sock.Write([]byte("hello"), nil)
			}
		})
	},
	"server-check-expectation-listener": func(t *testing.T, e *serverWorld) {
		srv, port := e.server(ServerOptions{}, func(*IncomingMessage, *ServerResponse) { t.Error("request handler must not run") })
		srv.Events.CheckExpectation.On(func(x Exchange) {
			if err := x.Res.WriteHead(200, "", nil); err != nil {
				t.Error(err)
			}
			mustEnd(t, x.Res, "expected")
		})
		e.raw(srv, port, head("GET", "/", "Expect", "foo", "Connection", "close"), nil)
	},
	"server-check-expectation-auto": func(t *testing.T, e *serverWorld) {
		srv, port := e.server(ServerOptions{}, func(_ *IncomingMessage, res *ServerResponse) { mustEnd(t, res, "never") })
		e.raw(srv, port, head("GET", "/", "Expect", "foo", "Connection", "close"), nil)
	},
	"server-client-error-malformed": func(t *testing.T, e *serverWorld) {
		srv, port := e.server(ServerOptions{}, func(_ *IncomingMessage, res *ServerResponse) { mustEnd(t, res, "") })
		e.raw(srv, port, "GARBAGE\r\n\r\n", nil)
	},
	"server-header-overflow": func(t *testing.T, e *serverWorld) {
		srv, port := e.server(ServerOptions{}, func(_ *IncomingMessage, res *ServerResponse) { mustEnd(t, res, "") })
		e.raw(srv, port, "GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: "+strings.Repeat("a", 20000)+"\r\n\r\n", nil)
	},
	"server-request-timeout": func(t *testing.T, e *serverWorld) {
		srv, port := e.server(ServerOptions{RequestTimeout: 100 * time.Millisecond, HeadersTimeout: 100 * time.Millisecond, ConnectionsCheckingInterval: 20 * time.Millisecond},
			func(req *IncomingMessage, res *ServerResponse) { readBody(req, func() { mustEnd(t, res, "") }) })
		e.raw(srv, port, head("POST", "/", "Content-Length", "10")+"hello", nil)
	},
	"server-headers-timeout": func(t *testing.T, e *serverWorld) {
		srv, port := e.server(ServerOptions{HeadersTimeout: 100 * time.Millisecond, RequestTimeout: time.Second, ConnectionsCheckingInterval: 20 * time.Millisecond},
			func(_ *IncomingMessage, res *ServerResponse) { mustEnd(t, res, "") })
		e.raw(srv, port, "GET / HTTP/1.1\r\nHost: localhost\r\n", nil)
	},
	"server-keepalive-timeout": func(t *testing.T, e *serverWorld) {
		srv, port := e.server(ServerOptions{KeepAliveTimeout: 100 * time.Millisecond}, func(_ *IncomingMessage, res *ServerResponse) { mustEnd(t, res, "hello") })
		e.raw(srv, port, head("GET", "/"), nil)
	},
	"server-close-idle-keepalive": func(t *testing.T, e *serverWorld) {
		var srv *Server
		srv, port := e.server(ServerOptions{}, func(_ *IncomingMessage, res *ServerResponse) { mustEnd(t, res, "hello") })
		closed := false
		e.rawPeer(port, head("GET", "/"), func(got string, _ *rawPeer) {
			if !closed && strings.HasSuffix(got, "hello") {
				closed = true
				e.mark("close-called", nil)
				srv.Close(nil)
			}
		})
	},
	"server-close-active-request": func(t *testing.T, e *serverWorld) {
		var srv *Server
		srv, port := e.server(ServerOptions{KeepAliveTimeout: 200 * time.Millisecond}, func(_ *IncomingMessage, res *ServerResponse) {
			e.mark("close-called", nil)
			srv.Close(nil)
			e.loop.SetImmediate(func() { mustEnd(t, res, "bye") })
		})
		e.rawPeer(port, head("GET", "/"), nil)
	},
	"server-upgrade-no-listener": func(t *testing.T, e *serverWorld) {
		srv, port := e.server(ServerOptions{}, func(_ *IncomingMessage, res *ServerResponse) { mustEnd(t, res, "plain") })
		ended := false
		e.raw(srv, port, head("GET", "/", "Connection", "Upgrade", "Upgrade", "test"), func(got string, c *rawPeer) {
			if !ended && strings.HasSuffix(got, "plain") {
				ended = true
				c.sock.End(nil, nil)
			}
		})
	},
	"server-connect-listener": func(t *testing.T, e *serverWorld) {
		srv, port := e.server(ServerOptions{}, func(_ *IncomingMessage, res *ServerResponse) { mustEnd(t, res, "") })
		srv.Events.Connect.On(func(u UpgradeRequest) {
			u.Socket.End([]byte("HTTP/1.1 200 Connection Established\r\n\r\n"), nil)
		})
		e.raw(srv, port, "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", nil)
	},
	"server-head-no-body": func(t *testing.T, e *serverWorld) {
		srv, port := e.server(ServerOptions{}, func(_ *IncomingMessage, res *ServerResponse) { mustEnd(t, res, "hello") })
		e.raw(srv, port, head("HEAD", "/", "Connection", "close"), nil)
	},
	"server-204-no-body": statusNoBody(204),
	"server-304-no-body": statusNoBody(304),
	"server-strict-content-length": func(t *testing.T, e *serverWorld) {
		srv, port := e.server(ServerOptions{}, func(req *IncomingMessage, res *ServerResponse) {
			res.StrictContentLength = true
			if err := res.SetHeader("Content-Length", 10); err != nil {
				t.Fatal(err)
			}
			if _, err := res.Write([]byte("abc"), nil); err != nil {
				t.Fatal(err)
			}
			if err := res.End(nil, nil); err != nil {
				e.mark("thrown", map[string]any{"code": simnet.CodeOf(err), "message": err.Error()})
			}
			e.loop.SetImmediate(func() {
				e.mark("connection-closed", nil)
				req.Socket().Destroy(nil)
			})
		})
		e.raw(srv, port, getClose, nil)
	},
	"server-trailers": func(t *testing.T, e *serverWorld) {
		srv, port := e.server(ServerOptions{}, trailersHandler(t))
		e.raw(srv, port, getClose, nil)
	},
	"client-trailers": func(t *testing.T, e *serverWorld) {
		srv, port := e.server(ServerOptions{}, trailersHandler(t))
		req := e.request(port, RequestOptions{})
		req.Events.Response.On(func(res *IncomingMessage) {
			res.Events.End.On(func(struct{}) {
				e.mark("trailers", map[string]any{"trailers": res.Trailers(), "rawTrailers": res.RawTrailers})
			})
		})
		req.Events.Close.On(func(struct{}) { srv.Close(nil) })
		if err := req.End(nil, nil); err != nil {
			t.Fatal(err)
		}
	},
	"server-writehead-merge": func(t *testing.T, e *serverWorld) {
		srv, port := e.server(ServerOptions{}, func(_ *IncomingMessage, res *ServerResponse) {
			for _, h := range [][2]string{{"X-A", "1"}, {"Content-Type", "text/plain"}} {
				if err := res.SetHeader(h[0], h[1]); err != nil {
					t.Fatal(err)
				}
			}
			if err := res.WriteHead(200, "", []string{"Content-Type", "text/html", "X-B", "2"}); err != nil {
				t.Fatal(err)
			}
			mustEnd(t, res, "hi")
		})
		e.raw(srv, port, getClose, nil)
	},
	"server-timeout": func(t *testing.T, e *serverWorld) {
		srv, port := e.server(ServerOptions{}, func(*IncomingMessage, *ServerResponse) {})
		srv.SetTimeout(100*time.Millisecond, nil)
		req := e.request(port, RequestOptions{})
		req.Events.Close.On(func(struct{}) { srv.Close(nil) })
		if err := req.End(nil, nil); err != nil {
			t.Fatal(err)
		}
	},
	"server-request-aborted": func(t *testing.T, e *serverWorld) {
		var creq *ClientRequest
		var srv *Server
		srv, port := e.server(ServerOptions{}, func(req *IncomingMessage, _ *ServerResponse) {
			req.Events.Data.On(func([]byte) {})
			req.Events.End.On(func(struct{}) {})
			req.Events.Error.On(func(error) {})
			req.Events.Aborted().On(func(struct{}) {})
			req.Events.Data.Once(func([]byte) {
				e.mark("destroy-called", nil)
				creq.Destroy(nil)
			})
			req.Events.Close.On(func(struct{}) { srv.Close(nil) })
		})
		creq = e.request(port, RequestOptions{Method: "POST", Headers: []HeaderField{{Name: "content-length", Values: []string{"100"}}}})
		if _, err := creq.Write([]byte("0123456789"), nil); err != nil {
			t.Fatal(err)
		}
	},
}

func answerByURL(t *testing.T) func(*IncomingMessage, *ServerResponse) {
	return func(req *IncomingMessage, res *ServerResponse) {
		if req.URL == "/1" {
			mustEnd(t, res, "one")
			return
		}
		mustEnd(t, res, "two")
	}
}

func statusNoBody(status int) func(*testing.T, *serverWorld) {
	return func(t *testing.T, e *serverWorld) {
		srv, port := e.server(ServerOptions{}, func(_ *IncomingMessage, res *ServerResponse) {
			res.StatusCode = status
			mustEnd(t, res, "ignored")
		})
		e.raw(srv, port, getClose, nil)
	}
}

func trailersHandler(t *testing.T) func(*IncomingMessage, *ServerResponse) {
	return func(_ *IncomingMessage, res *ServerResponse) {
		if err := res.WriteHead(200, "", []string{"Trailer", "X-Checksum"}); err != nil {
			t.Fatal(err)
		}
		if _, err := res.Write([]byte("hello"), nil); err != nil {
			t.Fatal(err)
		}
		if err := res.AddTrailers([]string{"X-Checksum", "abc"}); err != nil {
			t.Fatal(err)
		}
		mustEnd(t, res, "")
	}
}

func TestServerMatchesNodeReferenceTraces(t *testing.T) {
	cases := loadServerRefCases(t)
	for name, c := range cases {
		if c.Area != "server" {
			continue
		}
		if _, ok := serverCases[name]; !ok {
			t.Errorf("reference case %s (%s) has no Go scenario", name, c.Setup)
		}
	}
	for name, build := range serverCases {
		t.Run(name, func(t *testing.T) {
			ref, ok := cases[name]
			if !ok {
				t.Fatalf("no reference case %s in index.json", name)
			}
			node := loadServerRefTrace(t, name)
			e := newServerWorld(t)
			e.loop.SetImmediate(func() { build(t, e) })
			e.run()
			var whole []simnet.Event
			for _, ev := range e.events {
				if ev.Obj != "agent" {
					whole = append(whole, ev)
				}
			}
			if got := simnet.Compact(whole, false); got != ref.Compact {
				t.Errorf("setup: %s\nthe whole run\n got %s\nwant %s", ref.Setup, got, ref.Compact)
			}
			wantRaw, hasRaw := rawReceived(node)
			if gotRaw, _ := rawReceived(e.events); hasRaw && gotRaw != wantRaw {
				t.Errorf("raw client received\n got %q\nwant %q", gotRaw, wantRaw)
			}
		})
	}
}
