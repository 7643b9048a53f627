package httpcore

// Server timeouts on an active request (fixtures/node/cases/server-timeouts.js)
// rebuilt on simnet and compared with Node v20's traces: which of the
// request, the response and the server emit 'timeout', in which order, and
// whether the socket survives, with and without their listeners.

import (
	"testing"
	"time"

	"github.com/simhttp/simhttp/simnet"
)

func TestServerTimeoutsMatchNode(t *testing.T) {
	cases := loadRefCases(t)
	const d = 100 * time.Millisecond
	// get sends GET / and closes the server when the request closes.
	get := func(s *scene, srv *Server, port int) {
		req := listenAll(s.request(RequestOptions{Port: port}), listenOpts{})
		closeOnReqClose(req, srv)
		s.end(req, "")
	}
	// partialPost announces 10 body bytes and sends 5.
	partialPost := func(s *scene, srv *Server, port int) {
		req := listenAll(s.request(RequestOptions{Port: port, Method: "POST", Headers: []HeaderField{{Name: "content-length", Values: []string{"10"}}}}), listenOpts{})
		closeOnReqClose(req, srv)
		if _, err := req.Write([]byte("hello"), nil); err != nil {
			s.t.Fatal(err)
		}
	}
	readBody := func(req *IncomingMessage) {
		req.Events.Data.On(func([]byte) {})
		req.Events.End.On(func(struct{}) {})
	}
	never := func(*IncomingMessage, *ServerResponse) {}
	respondLate := func(s *scene, res *ServerResponse) {
		s.mark("respond", nil)
		_ = res.End([]byte("late"), nil)
	}
	scenarios := map[string]func(*scene){
		"server-timeout-property": func(s *scene) {
			srv := s.server(ServerOptions{}, never, func(srv *Server, port int) { get(s, srv, port) })
			srv.Timeout = d
		},
		"server-timeout-body-incomplete": func(s *scene) {
			srv := s.server(ServerOptions{}, func(req *IncomingMessage, _ *ServerResponse) { readBody(req) }, func(srv *Server, port int) { partialPost(s, srv, port) })
			srv.SetTimeout(d, nil)
		},
		"server-timeout-listener-responds": func(s *scene) {
			var sres *ServerResponse
			srv := s.server(ServerOptions{}, func(_ *IncomingMessage, res *ServerResponse) { sres = res }, func(srv *Server, port int) { get(s, srv, port) })
			srv.SetTimeout(d, nil)
			srv.Events.Timeout.On(func(*simnet.Socket) { respondLate(s, sres) })
		},
		"server-timeout-callback-destroys": func(s *scene) {
			srv := s.server(ServerOptions{}, never, func(srv *Server, port int) { get(s, srv, port) })
			srv.SetTimeout(d, func(sock *simnet.Socket) {
				s.mark("destroy-called", nil)
				sock.Destroy(nil)
			})
		},
		"server-timeout-request-listener": func(s *scene) {
			srv := s.server(ServerOptions{}, func(req *IncomingMessage, res *ServerResponse) {
				readBody(req)
				req.Events.Timeout().On(func(struct{}) {
					s.mark("respond", nil)
					_ = res.WriteHead(200, "", []HeaderField{{Name: "connection", Values: []string{"close"}}})
					_ = res.End([]byte("late"), nil)
				})
			}, func(srv *Server, port int) { partialPost(s, srv, port) })
			srv.SetTimeout(d, nil)
		},
		"server-timeout-response-listener": func(s *scene) {
			srv := s.server(ServerOptions{}, func(_ *IncomingMessage, res *ServerResponse) {
				res.Events.Timeout().On(func(struct{}) { respondLate(s, res) })
			}, func(srv *Server, port int) { get(s, srv, port) })
			srv.SetTimeout(d, nil)
		},
		"server-request-settimeout": func(s *scene) {
			s.server(ServerOptions{}, func(req *IncomingMessage, res *ServerResponse) {
				req.SetTimeout(d, func() { respondLate(s, res) })
			}, func(srv *Server, port int) { get(s, srv, port) })
		},
		"server-response-settimeout-no-callback": func(s *scene) {
			s.server(ServerOptions{}, func(_ *IncomingMessage, res *ServerResponse) { res.SetTimeout(d, nil) }, func(srv *Server, port int) { get(s, srv, port) })
		},
		"server-timeout-mid-response": func(s *scene) {
			srv := s.server(ServerOptions{}, func(_ *IncomingMessage, res *ServerResponse) {
				_ = res.WriteHead(200, "", []HeaderField{{Name: "content-length", Values: []string{"100"}}})
				_, _ = res.Write([]byte("partial"), nil)
			}, func(srv *Server, port int) { get(s, srv, port) })
			srv.SetTimeout(d, nil)
		},
	}
	runScenarios(t, cases, "server-timeouts", scenarios, nil)
}
