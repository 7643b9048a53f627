package httpcore

// A client that goes away while the server reads its request body
// (fixtures/node/cases/server-body-abort.js), rebuilt on simnet and compared
// with Node v20's traces: the server side's 'clientError', 'aborted',
// 'close' and 'error' against the client's own 'error' and 'close'.

import (
	"regexp"
	"strings"
	"testing"

	"github.com/simhttp/simhttp/simnet"
)

// rawClient connects a traced raw socket that writes first once connected,
// traces each read as socket:data and, when it closes, marks raw-received
// with what came back (Date lines removed), as the reference tracer's
// T.rawClient(port, onData, {data: true}) does.
func (s *scene) rawClient(port int, first string) *simnet.Socket {
	s.t.Helper()
	sock, err := s.h.Connect(simnet.ConnectOptions{Host: s.srv.Addrs()[0].String(), Port: port})
	if err != nil {
		s.t.Fatal(err)
	}
	var got []byte
	sock.Events.Connect.On(func(struct{}) { sock.Write([]byte(first), nil) })
	sock.Events.Data.On(func(p []byte) {
		s.w.Loop().Events().Emit(simnet.Event{Obj: "socket", ID: sock.ID(), Name: "data", Bytes: len(p)})
		got = append(got, p...)
	})
	sock.Events.Error.On(func(error) {})
	sock.Events.Close.On(func(bool) {
		text := rawDate.ReplaceAllString(string(got), "")
		line, _, _ := strings.Cut(text, "\r\n")
		s.mark("raw-received", map[string]any{"response": line, "raw": text})
	})
	return sock
}

var rawDate = regexp.MustCompile(`(?i)\r\nDate: [^\r]*`)

func TestServerBodyAbortMatchNode(t *testing.T) {
	cases := loadRefCases(t)
	const postHead = "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n"
	const chunkedHead = "POST / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
	type opts struct {
		noError     bool                        // no sreq 'error' listener
		clientError func(ClientError)           // a server 'clientError' listener
		closeOnReq  bool                        // tear down on the client request's close instead of the sreq's
		then        func(srv *Server, port int) // starts the client
	}
	// server listens to the request's body and errors, never responds, and
	// calls onFirstData at the first body 'data'.
	server := func(s *scene, o opts, onFirstData func(*IncomingMessage, *ServerResponse)) {
		var srv *Server
		srv = s.server(ServerOptions{}, func(req *IncomingMessage, res *ServerResponse) {
			req.Events.Data.On(func([]byte) {})
			req.Events.End.On(func(struct{}) {})
			req.Events.Aborted().On(func(struct{}) {})
			if !o.noError {
				req.Events.Error.On(func(error) {})
			}
			req.Events.Data.Once(func([]byte) { onFirstData(req, res) })
			if !o.closeOnReq {
				req.Events.Close.On(func(struct{}) { srv.Close(nil) })
			}
		}, o.then)
		if o.clientError != nil {
			srv.Events.ClientError.On(o.clientError)
		}
	}
	post := func(s *scene, port int, signal *AbortSignal) *ClientRequest {
		req := listenAll(s.request(RequestOptions{Port: port, Method: "POST", Signal: signal,
			Headers: []HeaderField{{Name: "content-length", Values: []string{"100"}}}}), listenOpts{})
		if _, err := req.Write([]byte("0123456789"), nil); err != nil {
			s.t.Fatal(err)
		}
		return req
	}
	// httpClient gives up with act on the server request's first 'data'.
	httpClient := func(mark string, o opts, act func(*ClientRequest)) func(*scene) {
		return func(s *scene) {
			var creq *ClientRequest
			o.then = func(_ *Server, port int) { creq = post(s, port, nil) }
			server(s, o, func(*IncomingMessage, *ServerResponse) {
				s.mark(mark, nil)
				act(creq)
			})
		}
	}
	destroy := func(req *ClientRequest) { req.Destroy(nil) }
	scenarios := map[string]func(*scene){
		"server-body-client-abort":          httpClient("abort-called", opts{}, func(req *ClientRequest) { req.Abort() }),
		"server-body-client-destroy-error":  httpClient("destroy-called", opts{}, func(req *ClientRequest) { req.Destroy(&Error{Code: "EBOOM", Message: "boom"}) }),
		"server-body-no-error-listener":     httpClient("destroy-called", opts{noError: true}, destroy),
		"server-body-client-error-listener": httpClient("destroy-called", opts{clientError: func(ce ClientError) { ce.Socket.Destroy(nil) }}, destroy),
		"server-body-client-signal": func(s *scene) {
			ac := NewAbortController()
			server(s, opts{then: func(_ *Server, port int) { post(s, port, ac.Signal()) }}, func(*IncomingMessage, *ServerResponse) {
				s.mark("signal-aborted", nil)
				ac.Abort(nil)
			})
		},
		"server-body-server-responded": func(s *scene) {
			server(s, opts{closeOnReq: true, then: func(srv *Server, port int) {
				creq := post(s, port, nil)
				creq.Events.Response.On(func(*IncomingMessage) {
					s.mark("destroy-called", nil)
					creq.Destroy(nil)
				})
				closeOnReqClose(creq, srv)
			}}, func(_ *IncomingMessage, res *ServerResponse) { _ = res.End([]byte("early"), nil) })
		},
	}
	rawWays := map[string]struct {
		mark string
		act  func(*simnet.Socket)
	}{
		"end":     {"end-called", func(s *simnet.Socket) { s.End(nil, nil) }},
		"destroy": {"destroy-called", func(s *simnet.Socket) { s.Destroy(nil) }},
		"reset":   {"connection-reset", func(s *simnet.Socket) { s.ResetAndDestroy() }},
	}
	rawClient := func(first, mark string, act func(*simnet.Socket)) func(*scene) {
		return func(s *scene) {
			var sock *simnet.Socket
			server(s, opts{then: func(_ *Server, port int) { sock = s.rawClient(port, first) }}, func(*IncomingMessage, *ServerResponse) {
				s.mark(mark, nil)
				act(sock)
			})
		}
	}
	for way, w := range rawWays {
		scenarios["server-body-raw-"+way] = rawClient(postHead+"0123456789", w.mark, w.act)
	}
	scenarios["server-body-raw-chunked-end"] = rawClient(chunkedHead+"a\r\n0123456789\r\n", "end-called", rawWays["end"].act)
	scenarios["server-body-raw-unread-end"] = func(s *scene) {
		var sock *simnet.Socket
		var srv *Server
		srv = s.server(ServerOptions{}, func(req *IncomingMessage, _ *ServerResponse) {
			req.Events.Error.On(func(error) {})
			req.Events.Aborted().On(func(struct{}) {})
			req.Events.Close.On(func(struct{}) { srv.Close(nil) })
			s.w.Loop().SetImmediate(func() {
				s.mark("end-called", nil)
				sock.End(nil, nil)
			})
		}, func(_ *Server, port int) { sock = s.rawClient(port, postHead+"0123456789") })
	}
	runScenarios(t, cases, "server-body-abort", scenarios, nil)
}
