package httpcore

// The requests given up before their connection is established while the
// server accepts it (fixtures/node/cases/client-before-connect.js), rebuilt
// on simnet and compared with Node v20's traces: where the request's
// 'error' and 'close' fall against the server's 'connection', and, through
// the next-turn mark, in which turn of the loop the server accepts.

import (
	"testing"
	"time"

	"github.com/simhttp/simhttp/simnet"
)

func TestClientGivingUpBeforeConnectMatchNode(t *testing.T) {
	cases := loadRefCases(t)
	type way struct {
		mark   string
		signal bool
		act    func(req *ClientRequest, ac *AbortController)
	}
	ways := map[string]way{
		"destroy": {mark: "destroy-called", act: func(req *ClientRequest, _ *AbortController) { req.Destroy(nil) }},
		"abort":   {mark: "abort-called", act: func(req *ClientRequest, _ *AbortController) { req.Abort() }},
		"signal":  {mark: "signal-aborted", signal: true, act: func(_ *ClientRequest, ac *AbortController) { ac.Abort(nil) }},
		"destroy-error": {mark: "destroy-called", act: func(req *ClientRequest, _ *AbortController) {
			req.Destroy(&Error{Code: "EBOOM", Message: "boom"})
		}},
	}
	// server answers 'hello' and closes 20 ms after it accepted a
	// connection.
	server := func(s *scene, then func(port int)) {
		var srv *Server
		srv = s.server(ServerOptions{}, func(_ *IncomingMessage, res *ServerResponse) { _ = res.End([]byte("hello"), nil) }, func(_ *Server, port int) { then(port) })
		srv.Events.Connection.On(func(*simnet.Socket) {
			s.w.Loop().SetTimeout(20*time.Millisecond, func() { srv.Close(nil) })
		})
	}
	nextTurn := func(s *scene) { s.w.Loop().SetImmediate(func() { s.mark("next-turn", nil) }) }
	scenarios := map[string]func(*scene){}
	for name, w := range ways {
		request := func(s *scene, port int) (*ClientRequest, *AbortController) {
			ac := NewAbortController()
			opts := RequestOptions{Port: port}
			if w.signal {
				opts.Signal = ac.Signal()
			}
			return listenAll(s.request(opts), listenOpts{}), ac
		}
		scenarios["client-"+name+"-before-socket-accepted"] = func(s *scene) {
			server(s, func(port int) {
				req, ac := request(s, port)
				s.mark(w.mark, nil)
				w.act(req, ac)
				nextTurn(s)
			})
		}
		scenarios["client-"+name+"-in-socket-accepted"] = func(s *scene) {
			server(s, func(port int) {
				req, ac := request(s, port)
				req.Events.Socket().On(func(*simnet.Socket) {
					s.mark(w.mark, nil)
					w.act(req, ac)
					nextTurn(s)
				})
				s.end(req, "")
			})
		}
	}
	runScenarios(t, cases, "client-before-connect", scenarios, nil)
}
