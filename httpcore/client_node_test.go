package httpcore

// Every client case recorded from real Node v20 (fixtures/node/cases,
// traces/index.json) rebuilt on simnet: the same server, the same client
// listening to every event (the tracer's listenAll), the same steps, started
// in a setImmediate over a link like the loopback Node ran on. The whole
// run's order is compared with Node's, then the client side (req, res, the
// client's sockets, the steps' marks and, where the case records it, the
// agent) event by event.

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/simhttp/simhttp/simnet"
)

// refCase is one entry of the reference index.
type refCase struct {
	Case  string `json:"case"`
	Area  string `json:"area"`
	Setup string `json:"setup"`
}

func loadRefCases(t *testing.T) map[string]refCase {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "fixtures", "node", "traces", "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	var list []refCase
	if err := json.Unmarshal(b, &list); err != nil {
		t.Fatal(err)
	}
	out := map[string]refCase{}
	for _, c := range list {
		out[c.Case] = c
	}
	return out
}

// scene is the world of one reference case: a client host and a server
// host joined like loopback (no latency, loopback's segment size), as Node
// ran both in one process over 127.0.0.1.
type scene struct {
	t         *testing.T
	w         *simnet.World
	h         *simnet.Host // the client's
	srv       *simnet.Host // the servers'
	events    []simnet.Event
	recording bool
}

func newScene(t *testing.T) *scene {
	t.Helper()
	w, err := simnet.NewWorld(1, simnet.WithLink(simnet.Link{MSS: simnet.LoopbackMSS}))
	if err != nil {
		t.Fatal(err)
	}
	h, err := w.AddHost("client")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := w.AddHost("server")
	if err != nil {
		t.Fatal(err)
	}
	s := &scene{t: t, w: w, h: h, srv: srv, recording: true}
	guardTrace(t, &s.events)
	w.Loop().Events().Observe(func(ev simnet.Event) {
		if s.recording {
			s.events = append(s.events, ev)
		}
	})
	return s
}

func (s *scene) mark(name string, detail map[string]any) {
	s.w.Loop().Events().Emit(simnet.Event{Obj: "test", ID: 1, Name: "mark:" + name, Detail: detail})
}

// server starts an http.Server on the server host and calls then with its
// port once it listens, as the cases' `await T.listen(server)`.
func (s *scene) server(opts ServerOptions, handler func(*IncomingMessage, *ServerResponse), then func(srv *Server, port int)) *Server {
	s.t.Helper()
	srv, err := CreateServer(s.srv, opts, handler)
	if err != nil {
		s.t.Fatal(err)
	}
	err = srv.Listen(0, "", func() {
		a, _ := srv.Address()
		then(srv, int(a.Port()))
	})
	if err != nil {
		s.t.Fatal(err)
	}
	return srv
}

// rawServer is a net.Server playing a misbehaving HTTP server, traced as a
// 'server' the way the reference tracer registers one.
type rawServer struct {
	s      *scene
	id     int
	l      simnet.Listener
	live   int // net.Server's _connections: accepted sockets not destroyed
	closed bool
}

func (s *scene) rawServer(onConn func(*simnet.Socket), then func(rs *rawServer, port int)) {
	s.t.Helper()
	rs := &rawServer{s: s, id: s.w.Loop().Events().NewID("server")}
	l, err := s.srv.Listen(simnet.ListenOptions{}, func(sock *simnet.Socket) {
		rs.live++
		s.w.Loop().Events().Emit(simnet.Event{Obj: "server", ID: rs.id, Name: "connection"})
		// A net.Server counts a connection gone when its socket is
		// destroyed: on 'finish' once the readable side ended (autoDestroy),
		// on 'error', or at the latest on 'close'.
		gone := false
		leave := func() {
			if !gone {
				gone = true
				rs.live--
				rs.emitCloseIfDrained()
			}
		}
		sock.Events.Finish.On(func(struct{}) {
			if sock.ReadableEnded() {
				leave()
			}
		})
		sock.Events.Error.On(func(error) { leave() })
		sock.Events.Close.On(func(bool) { leave() })
		onConn(sock)
	})
	if err != nil {
		s.t.Fatal(err)
	}
	rs.l = l
	s.w.Loop().NextTick(func() { then(rs, int(l.Addr().Port())) })
}

// close is net.Server.close(): 'close' on the next tick once the accepted
// sockets are gone.
func (rs *rawServer) close() {
	rs.l.Close()
	rs.closed = true
	rs.emitCloseIfDrained()
}

func (rs *rawServer) emitCloseIfDrained() {
	if !rs.closed || rs.live > 0 {
		return
	}
	rs.s.w.Loop().NextTick(func() {
		rs.s.w.Loop().Events().Emit(simnet.Event{Obj: "server", ID: rs.id, Name: "close"})
	})
}

func (s *scene) request(opts RequestOptions) *ClientRequest {
	s.t.Helper()
	if opts.Host == "" {
		opts.Host = s.srv.Addrs()[0].String()
	}
	if opts.Path == "" {
		opts.Path = "/"
	}
	req, err := Request(s.h, "", opts, nil)
	if err != nil {
		s.t.Fatal(err)
	}
	return req
}

func (s *scene) end(req *ClientRequest, body string) {
	s.t.Helper()
	var p []byte
	if body != "" {
		p = []byte(body)
	}
	if err := req.End(p, nil); err != nil {
		s.t.Fatal(err)
	}
}

// run runs the world until it is idle, as a Node process runs until it exits.
func (s *scene) run() {
	s.t.Helper()
	if err := s.w.Loop().Run(); err != nil {
		s.t.Fatalf("loop: %v", err)
	}
}

// clientSide keeps the events of the client's objects and the marks;
// Node's tracer records the global agent only when a case registers it, so
// withAgent says whether the agent's count.
func clientSide(events []simnet.Event, withAgent bool) []simnet.Event {
	var out []simnet.Event
	for _, ev := range events {
		switch ev.Obj {
		case "req", "res", "socket", "test":
			out = append(out, ev)
		case "agent":
			if withAgent {
				out = append(out, ev)
			}
		}
	}
	return out
}

// check compares the client side of the recorded trace with Node's, event
// by event: names, codes, statuses and details.
func (s *scene) check(c refCase, withAgent bool) {
	s.t.Helper()
	f, err := os.Open(filepath.Join("..", "fixtures", "node", "traces", c.Case+".jsonl"))
	if err != nil {
		s.t.Fatal(err)
	}
	defer f.Close()
	ref, err := simnet.ReadTrace(f)
	if err != nil {
		s.t.Fatal(err)
	}
	var whole []simnet.Event
	for _, ev := range s.events {
		if ev.Obj != "agent" || withAgent {
			whole = append(whole, ev)
		}
	}
	if g, w := simnet.Compact(whole, false), simnet.Compact(ref, false); g != w {
		s.t.Errorf("the whole run differs from Node v20's\n got: %s\nnode: %s\nsetup: %s", g, w, c.Setup)
		return
	}
	want := clientSide(ref, withAgent)
	got := clientSide(s.events, withAgent)
	if g, w := simnet.Compact(got, false), simnet.Compact(want, false); g != w {
		s.t.Errorf("client trace differs from Node v20's\n got: %s\nnode: %s\nsetup: %s\nwhole trace: %s",
			g, w, c.Setup, simnet.Compact(s.events, false))
		return
	}
	for i := range want {
		if d := eventDiff(got[i], want[i]); d != "" {
			s.t.Errorf("event %d (%s:%s): %s", i, want[i].Obj, want[i].Name, d)
		}
	}
}

// eventDiff compares what a trace line says besides its time; messages are
// compared where Node's carry no address.
func eventDiff(got, want simnet.Event) string {
	switch {
	case got.Code != want.Code:
		return fmt.Sprintf("code %q, Node %q", got.Code, want.Code)
	case got.Status != want.Status:
		return fmt.Sprintf("status %d, Node %d", got.Status, want.Status)
	case got.Name != "data" && got.Bytes != want.Bytes:
		return fmt.Sprintf("bytes %d, Node %d", got.Bytes, want.Bytes)
	case !strings.Contains(want.Message, "PORT") && got.Message != want.Message:
		return fmt.Sprintf("message %q, Node %q", got.Message, want.Message)
	case !reflect.DeepEqual(normDetail(got.Detail), normDetail(want.Detail)):
		return fmt.Sprintf("detail %v, Node %v", got.Detail, want.Detail)
	}
	return ""
}

// normDetail makes an empty detail and a missing one the same.
func normDetail(d map[string]any) map[string]any {
	if len(d) == 0 {
		return nil
	}
	return d
}

// closeOnReqClose is the cases' usual teardown.
func closeOnReqClose(req *ClientRequest, srv *Server) {
	req.Events.Close.On(func(struct{}) { srv.Close(nil) })
}

func TestClientOrdersMatchNode(t *testing.T) {
	cases := loadRefCases(t)
	helloWorld := func(_ *IncomingMessage, res *ServerResponse) { _ = res.End([]byte("hello world"), nil) }
	partial := func(_ *IncomingMessage, res *ServerResponse) {
		_ = res.WriteHead(200, "", []HeaderField{{Name: "content-length", Values: []string{"100"}}})
		_, _ = res.Write([]byte("partial"), nil)
	}
	scenarios := map[string]func(s *scene){
		"client-success": func(s *scene) {
			s.server(ServerOptions{}, func(_ *IncomingMessage, res *ServerResponse) { _ = res.End(nil, nil) }, func(srv *Server, port int) {
				req := listenAll(s.request(RequestOptions{Port: port}), listenOpts{})
				closeOnReqClose(req, srv)
				s.end(req, "")
			})
		},
		"client-success-body": func(s *scene) {
			s.server(ServerOptions{}, helloWorld, func(srv *Server, port int) {
				req := listenAll(s.request(RequestOptions{Port: port}), listenOpts{})
				closeOnReqClose(req, srv)
				s.end(req, "")
			})
		},
		"client-connection-refused": func(s *scene) {
			req := listenAll(s.request(RequestOptions{Port: 9}), listenOpts{})
			s.end(req, "")
		},
		"client-close-before-response": func(s *scene) {
			s.server(ServerOptions{}, func(req *IncomingMessage, _ *ServerResponse) {
				s.mark("connection-closed", nil)
				req.Socket().Destroy(nil)
			}, func(srv *Server, port int) {
				req := listenAll(s.request(RequestOptions{Port: port}), listenOpts{})
				closeOnReqClose(req, srv)
				s.end(req, "")
			})
		},
		"client-close-after-response-headers": func(s *scene) {
			var sreq *IncomingMessage
			s.server(ServerOptions{}, func(req *IncomingMessage, res *ServerResponse) {
				sreq = req
				partial(req, res)
			}, func(srv *Server, port int) {
				req := listenAll(s.request(RequestOptions{Port: port}), listenOpts{})
				req.Events.Response.On(func(res *IncomingMessage) {
					res.Events.Data.Once(func([]byte) {
						s.mark("connection-closed", nil)
						sreq.Socket().Destroy(nil)
					})
				})
				closeOnReqClose(req, srv)
				s.end(req, "")
			})
		},
		"client-signal-abort-before-socket": func(s *scene) {
			s.server(ServerOptions{}, helloWorld, func(srv *Server, port int) {
				ac := NewAbortController()
				req := listenAll(s.request(RequestOptions{Port: port, Signal: ac.Signal()}), listenOpts{})
				closeOnReqClose(req, srv)
				s.mark("signal-aborted", nil)
				ac.Abort(nil)
			})
		},
		"client-signal-abort-after-response": func(s *scene) {
			s.server(ServerOptions{}, partial, func(srv *Server, port int) {
				ac := NewAbortController()
				req := listenAll(s.request(RequestOptions{Port: port, Signal: ac.Signal()}), listenOpts{})
				req.Events.Response.On(func(*IncomingMessage) {
					s.mark("signal-aborted", nil)
					ac.Abort(nil)
				})
				closeOnReqClose(req, srv)
				s.end(req, "")
			})
		},
		"client-signal-already-aborted": func(s *scene) {
			s.server(ServerOptions{}, func(_ *IncomingMessage, res *ServerResponse) { _ = res.End(nil, nil) }, func(srv *Server, port int) {
				ac := NewAbortController()
				s.mark("signal-aborted", nil)
				ac.Abort(nil)
				req := listenAll(s.request(RequestOptions{Port: port, Signal: ac.Signal()}), listenOpts{})
				closeOnReqClose(req, srv)
				s.end(req, "")
			})
		},
		"client-timeout-destroy": func(s *scene) {
			s.server(ServerOptions{}, func(*IncomingMessage, *ServerResponse) {}, func(srv *Server, port int) {
				req := listenAll(s.request(RequestOptions{Port: port}), listenOpts{})
				if err := req.SetTimeout(100*time.Millisecond, nil); err != nil {
					s.t.Fatal(err)
				}
				req.Events.Timeout().On(func(struct{}) {
					s.mark("destroy-called", nil)
					req.Destroy(nil)
				})
				closeOnReqClose(req, srv)
				s.end(req, "")
			})
		},
		"client-timeout-then-response": func(s *scene) {
			var sres *ServerResponse
			s.server(ServerOptions{}, func(_ *IncomingMessage, res *ServerResponse) { sres = res }, func(srv *Server, port int) {
				req := listenAll(s.request(RequestOptions{Port: port}), listenOpts{})
				if err := req.SetTimeout(100*time.Millisecond, nil); err != nil {
					s.t.Fatal(err)
				}
				req.Events.Timeout().On(func(struct{}) {
					s.mark("respond", nil)
					_ = sres.End([]byte("late"), nil)
				})
				closeOnReqClose(req, srv)
				s.end(req, "")
			})
		},
		"client-option-timeout-destroy": func(s *scene) {
			s.server(ServerOptions{}, func(*IncomingMessage, *ServerResponse) {}, func(srv *Server, port int) {
				req := listenAll(s.request(RequestOptions{Port: port, Timeout: new(100 * time.Millisecond)}), listenOpts{})
				req.Events.Timeout().On(func(struct{}) {
					s.mark("destroy-called", nil)
					req.Destroy(nil)
				})
				closeOnReqClose(req, srv)
				s.end(req, "")
			})
		},
		"client-response-not-listened": func(s *scene) {
			s.server(ServerOptions{}, helloWorld, func(srv *Server, port int) {
				req := listenAll(s.request(RequestOptions{Port: port}), listenOpts{noResponse: true})
				closeOnReqClose(req, srv)
				s.end(req, "")
			})
		},
		"client-response-not-consumed": func(s *scene) {
			s.server(ServerOptions{}, helloWorld, func(srv *Server, port int) {
				req := listenAll(s.request(RequestOptions{Port: port}), listenOpts{noConsume: true})
				req.Events.Response.On(func(*IncomingMessage) {
					s.w.Loop().SetTimeout(50*time.Millisecond, func() {
						s.mark("stop", nil)
						s.recording = false
						req.Destroy(nil)
						srv.Close(nil)
					})
				})
				s.end(req, "")
			})
		},
	}
	for _, c := range []struct{ name, reply string }{
		{"client-malformed-response", "HTTP/1.1 abc OK\r\n\r\n"},
		{"client-malformed-header", "HTTP/1.1 200 OK\r\nBad Header: x\r\n\r\n"},
	} {
		scenarios[c.name] = func(s *scene) {
			s.rawServer(func(sock *simnet.Socket) {
				sock.Events.Data.Once(func([]byte) { sock.Write([]byte(c.reply), nil) })
				sock.Events.Error.On(func(error) {})
			}, func(rs *rawServer, port int) {
				req := listenAll(s.request(RequestOptions{Port: port}), listenOpts{})
				req.Events.Close.On(func(struct{}) { rs.close() })
				s.end(req, "")
			})
		}
	}
	for _, how := range []string{"destroy", "abort"} {
		act := func(s *scene, req *ClientRequest) {
			s.mark(how+"-called", nil)
			if how == "abort" {
				req.Abort()
			} else {
				req.Destroy(nil)
			}
		}
		scenarios["client-"+how+"-before-socket"] = func(s *scene) {
			s.server(ServerOptions{}, helloWorld, func(srv *Server, port int) {
				req := listenAll(s.request(RequestOptions{Port: port}), listenOpts{})
				closeOnReqClose(req, srv)
				act(s, req)
			})
		}
		scenarios["client-"+how+"-in-socket"] = func(s *scene) {
			s.server(ServerOptions{}, helloWorld, func(srv *Server, port int) {
				req := listenAll(s.request(RequestOptions{Port: port}), listenOpts{})
				req.Events.Socket().On(func(*simnet.Socket) { act(s, req) })
				closeOnReqClose(req, srv)
				s.end(req, "")
			})
		}
		scenarios["client-"+how+"-after-response"] = func(s *scene) {
			s.server(ServerOptions{}, partial, func(srv *Server, port int) {
				req := listenAll(s.request(RequestOptions{Port: port}), listenOpts{})
				req.Events.Response.On(func(*IncomingMessage) { act(s, req) })
				closeOnReqClose(req, srv)
				s.end(req, "")
			})
		}
	}
	runScenarios(t, cases, "client-orders", scenarios, nil)
}

// runScenarios runs every case of area, failing for a recorded case with
// no scenario; keepAgent lists the cases whose agent Node records.
func runScenarios(t *testing.T, cases map[string]refCase, area string, scenarios map[string]func(*scene), keepAgent map[string]bool) {
	for name, c := range cases {
		if c.Area != area {
			continue
		}
		if scenarios[name] == nil {
			t.Errorf("%s: recorded in Node, no Go scenario", name)
		}
	}
	for name, build := range scenarios {
		c, ok := cases[name]
		if !ok {
			t.Errorf("%s: no Node recording", name)
			continue
		}
		t.Run(name, func(t *testing.T) {
			s := newScene(t)
			s.w.Loop().SetImmediate(func() { build(s) })
			s.run()
			s.check(c, keepAgent[name])
		})
	}
}

func TestClient1xxUpgradeConnectMatchNode(t *testing.T) {
	cases := loadRefCases(t)
	// A server-side upgraded or CONNECT socket answers the client's end
	// with its own.
	endOnEnd := func(sock *simnet.Socket) {
		sock.Events.End.On(func(struct{}) { sock.End(nil, nil) })
	}
	upgradeHeaders := []HeaderField{{Name: "connection", Values: []string{"Upgrade"}}, {Name: "upgrade", Values: []string{"test"}}}
	upgradeServer := func(s *scene, then func(srv *Server, port int)) {
		srv := s.server(ServerOptions{}, func(_ *IncomingMessage, res *ServerResponse) { _ = res.End(nil, nil) }, then)
		srv.Events.Upgrade.On(func(u UpgradeRequest) {
			endOnEnd(u.Socket)
			u.Socket.Write([]byte("HTTP/1.1 101 Switching Protocols\r\nUpgrade: test\r\nConnection: Upgrade\r\n\r\n"), nil)
		})
	}
	connectServer := func(s *scene, then func(srv *Server, port int)) {
		srv := s.server(ServerOptions{}, func(_ *IncomingMessage, res *ServerResponse) { _ = res.End(nil, nil) }, then)
		srv.Events.Connect.On(func(u UpgradeRequest) {
			endOnEnd(u.Socket)
			u.Socket.Write([]byte("HTTP/1.1 200 Connection Established\r\n\r\n"), nil)
		})
	}
	informational := func(write func(*ServerResponse)) func(s *scene) {
		return func(s *scene) {
			s.server(ServerOptions{}, func(_ *IncomingMessage, res *ServerResponse) {
				write(res)
				_ = res.End([]byte("done"), nil)
			}, func(srv *Server, port int) {
				req := listenAll(s.request(RequestOptions{Port: port}), listenOpts{})
				closeOnReqClose(req, srv)
				s.end(req, "")
			})
		}
	}
	scenarios := map[string]func(s *scene){
		"client-expect-continue": func(s *scene) {
			s.server(ServerOptions{}, func(req *IncomingMessage, res *ServerResponse) {
				req.Events.Data.On(func([]byte) {})
				req.Events.End.On(func(struct{}) { _ = res.End([]byte("ok"), nil) })
			}, func(srv *Server, port int) {
				req := listenAll(s.request(RequestOptions{Port: port, Method: "POST", Headers: []HeaderField{
					{Name: "expect", Values: []string{"100-continue"}}, {Name: "content-length", Values: []string{"5"}},
				}}), listenOpts{})
				req.Events.Continue().On(func(struct{}) { s.end(req, "hello") })
				closeOnReqClose(req, srv)
				if err := req.FlushHeaders(); err != nil {
					s.t.Fatal(err)
				}
			})
		},
		"client-information-102": informational(func(res *ServerResponse) { res.WriteProcessing(nil) }),
		"client-information-103": informational(func(res *ServerResponse) {
			_ = res.WriteEarlyHints([]HeaderField{{Name: "link", Values: []string{"</style.css>; rel=preload; as=style"}}}, nil)
		}),
		"client-upgrade": func(s *scene) {
			upgradeServer(s, func(srv *Server, port int) {
				req := listenAll(s.request(RequestOptions{Port: port, Headers: upgradeHeaders}), listenOpts{})
				closeOnReqClose(req, srv)
				s.end(req, "")
			})
		},
		"client-upgrade-no-listener": func(s *scene) {
			upgradeServer(s, func(srv *Server, port int) {
				req := listenAll(s.request(RequestOptions{Port: port, Headers: upgradeHeaders}), listenOpts{noUpgrade: true})
				closeOnReqClose(req, srv)
				s.end(req, "")
			})
		},
		"client-connect": func(s *scene) {
			connectServer(s, func(srv *Server, port int) {
				req := listenAll(s.request(RequestOptions{Port: port, Method: "CONNECT", Path: "example.com:443"}), listenOpts{})
				closeOnReqClose(req, srv)
				s.end(req, "")
			})
		},
		"client-connect-no-listener": func(s *scene) {
			connectServer(s, func(srv *Server, port int) {
				req := listenAll(s.request(RequestOptions{Port: port, Method: "CONNECT", Path: "example.com:443"}), listenOpts{noConnect: true})
				closeOnReqClose(req, srv)
				s.end(req, "")
			})
		},
		"client-trailers": func(s *scene) {
			s.server(ServerOptions{}, func(_ *IncomingMessage, res *ServerResponse) {
				_ = res.WriteHead(200, "", []HeaderField{{Name: "Trailer", Values: []string{"X-Checksum"}}})
				_, _ = res.Write([]byte("hello"), nil)
				_ = res.AddTrailers([]HeaderField{{Name: "X-Checksum", Values: []string{"abc"}}})
				_ = res.End(nil, nil)
			}, func(srv *Server, port int) {
				req := listenAll(s.request(RequestOptions{Port: port}), listenOpts{})
				req.Events.Response.On(func(res *IncomingMessage) {
					res.Events.End.On(func(struct{}) {
						v, _ := res.Trailers().Get("x-checksum")
						s.mark("trailers", map[string]any{
							"trailers":    map[string]any{"x-checksum": v},
							"rawTrailers": []any{res.RawTrailers[0], res.RawTrailers[1]},
						})
					})
				})
				closeOnReqClose(req, srv)
				s.end(req, "")
			})
		},
	}
	runScenarios(t, cases, "client-1xx", scenarios, nil)
}

func TestAgentCasesMatchNode(t *testing.T) {
	cases := loadRefCases(t)
	hello := func(_ *IncomingMessage, res *ServerResponse) { _ = res.End([]byte("hello"), nil) }
	newAgent := func(s *scene, o AgentOptions) *Agent {
		a, err := NewAgent(s.h, o)
		if err != nil {
			s.t.Fatal(err)
		}
		return a
	}
	get := func(s *scene, port int, a *Agent, path string) *ClientRequest {
		return listenAll(s.request(RequestOptions{Port: port, Agent: a, Path: path}), listenOpts{})
	}
	markSocket := func(s *scene, req *ClientRequest, n int) {
		req.Events.Socket().On(func(sock *simnet.Socket) { s.mark("req-socket", map[string]any{"req": n, "socket": sock.ID()}) })
	}
	afterAll := func(reqs []*ClientRequest, fn func()) {
		left := len(reqs)
		for _, r := range reqs {
			r.Events.Close.On(func(struct{}) {
				if left--; left == 0 {
					fn()
				}
			})
		}
	}
	// heldPair answers /1 once /1 and /2 both arrived, and /2 on the
	// agent's first 'free'; /3 at once.
	heldPair := func(s *scene, o AgentOptions, then func(srv *Server, port int, a *Agent, held *[]*ServerResponse)) {
		var held []*ServerResponse
		s.server(ServerOptions{}, func(req *IncomingMessage, res *ServerResponse) {
			if req.URL == "/3" {
				_ = res.End([]byte("hello"), nil)
				return
			}
			held = append(held, res)
			if len(held) == 2 {
				_ = held[0].End([]byte("hello"), nil)
			}
		}, func(srv *Server, port int) { then(srv, port, newAgent(s, o), &held) })
	}
	hint := func(keepAlive time.Duration) func(s *scene) {
		return func(s *scene) {
			s.server(ServerOptions{KeepAliveTimeout: keepAlive}, hello, func(srv *Server, port int) {
				r1 := get(s, port, nil, "/")
				r1.Events.Response.On(func(res *IncomingMessage) {
					v, _ := res.Headers().Get("keep-alive")
					s.mark("keep-alive", map[string]any{"value": v})
				})
				r1.Events.Socket().On(func(sock *simnet.Socket) { sock.Events.Close.On(func(bool) { srv.Close(nil) }) })
				s.end(r1, "")
			})
		}
	}
	scheduling := func(mode string) func(s *scene) {
		return func(s *scene) {
			heldPair(s, AgentOptions{KeepAlive: true, Scheduling: mode}, func(srv *Server, port int, a *Agent, held *[]*ServerResponse) {
				frees := 0
				a.Events.Free.On(func(*simnet.Socket) {
					frees++
					switch frees {
					case 1:
						_ = (*held)[1].End([]byte("hello"), nil)
					case 2:
						s.w.Loop().SetImmediate(func() {
							r3 := get(s, port, a, "/3")
							markSocket(s, r3, 3)
							closeOnReqClose(r3, srv)
							s.end(r3, "")
						})
					}
				})
				r1, r2 := get(s, port, a, "/1"), get(s, port, a, "/2")
				markSocket(s, r1, 1)
				markSocket(s, r2, 2)
				s.end(r1, "")
				s.end(r2, "")
			})
		}
	}
	scenarios := map[string]func(s *scene){
		"agent-keepalive-reuse": func(s *scene) {
			s.server(ServerOptions{}, hello, func(srv *Server, port int) {
				a := newAgent(s, AgentOptions{KeepAlive: true})
				r1 := get(s, port, a, "/1")
				a.Events.Free.Once(func(*simnet.Socket) {
					r2 := get(s, port, a, "/2")
					closeOnReqClose(r2, srv)
					s.end(r2, "")
				})
				s.end(r1, "")
			})
		},
		"agent-max-sockets-queue": func(s *scene) {
			s.server(ServerOptions{}, hello, func(srv *Server, port int) {
				a := newAgent(s, AgentOptions{MaxSockets: 1})
				r1, r2 := get(s, port, a, "/1"), get(s, port, a, "/2")
				markSocket(s, r1, 1)
				markSocket(s, r2, 2)
				afterAll([]*ClientRequest{r1, r2}, func() { srv.Close(nil) })
				s.end(r1, "")
				s.end(r2, "")
			})
		},
		"agent-max-free-sockets": func(s *scene) {
			heldPair(s, AgentOptions{KeepAlive: true, MaxFreeSockets: 1}, func(srv *Server, port int, a *Agent, held *[]*ServerResponse) {
				a.Events.Free.Once(func(*simnet.Socket) { _ = (*held)[1].End([]byte("hello"), nil) })
				r1, r2 := get(s, port, a, "/1"), get(s, port, a, "/2")
				afterAll([]*ClientRequest{r1, r2}, func() { srv.Close(nil) })
				s.end(r1, "")
				s.end(r2, "")
			})
		},
		"agent-scheduling-lifo": scheduling("lifo"),
		"agent-scheduling-fifo": scheduling("fifo"),
		"agent-max-total-sockets": func(s *scene) {
			s.server(ServerOptions{}, hello, func(srvA *Server, pa int) {
				s.server(ServerOptions{}, hello, func(srvB *Server, pb int) {
					a := newAgent(s, AgentOptions{KeepAlive: true, MaxTotalSockets: 1})
					r1, r2 := get(s, pa, a, "/"), get(s, pb, a, "/")
					markSocket(s, r1, 1)
					markSocket(s, r2, 2)
					r2.Events.Socket().On(func(*simnet.Socket) {
						free := 0
						for _, l := range a.FreeSockets() {
							free += len(l)
						}
						s.mark("agent-state", map[string]any{"totalSocketCount": a.TotalSocketCount(), "freeSockets": free})
					})
					afterAll([]*ClientRequest{r1, r2}, func() {
						srvA.Close(nil)
						srvB.Close(nil)
					})
					s.end(r1, "")
					s.end(r2, "")
				})
			})
		},
		"agent-free-socket-timeout": func(s *scene) {
			s.server(ServerOptions{}, hello, func(srv *Server, port int) {
				a := newAgent(s, AgentOptions{KeepAlive: true, Timeout: 100 * time.Millisecond})
				r1 := get(s, port, a, "/")
				r1.Events.Socket().On(func(sock *simnet.Socket) { sock.Events.Close.On(func(bool) { srv.Close(nil) }) })
				s.end(r1, "")
			})
		},
		"agent-keepalive-hint-too-short": hint(time.Second),
		"agent-keepalive-hint":           hint(2 * time.Second),
		"agent-reused-socket-econnreset": func(s *scene) {
			seen := map[*simnet.Socket]bool{}
			s.server(ServerOptions{}, func(req *IncomingMessage, res *ServerResponse) {
				if seen[req.Socket()] {
					s.mark("connection-reset", nil)
					req.Socket().ResetAndDestroy()
					return
				}
				seen[req.Socket()] = true
				_ = res.End([]byte("hello"), nil)
			}, func(srv *Server, port int) {
				a := newAgent(s, AgentOptions{KeepAlive: true})
				r1 := get(s, port, a, "/1")
				markSocket(s, r1, 1)
				a.Events.Free.Once(func(*simnet.Socket) {
					r2 := get(s, port, a, "/2")
					markSocket(s, r2, 2)
					r2.Events.Error.On(func(err error) {
						if r2.ReusedSocket() && simnet.CodeOf(err) == "ECONNRESET" {
							s.mark("retry", nil)
							r3 := get(s, port, a, "/3")
							markSocket(s, r3, 3)
							closeOnReqClose(r3, srv)
							s.end(r3, "")
						}
					})
					s.end(r2, "")
				})
				s.end(r1, "")
			})
		},
	}
	all := map[string]bool{}
	for name := range scenarios {
		all[name] = true
	}
	runScenarios(t, cases, "client-agent", scenarios, all)
}
