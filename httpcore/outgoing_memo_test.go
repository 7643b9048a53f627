package httpcore

import (
	"math"
	"reflect"
	"strconv"
	"testing"
)

// responseRecipes are responses a server sends in turn on one keep-alive
// connection, each twice in a row so that the second replays the first's
// head, and the kinds of head a memo must tell apart follow each other.
var responseRecipes = []func(t *testing.T, res *ServerResponse){
	func(t *testing.T, res *ServerResponse) { mustEnd(t, res, "hello") },
	func(t *testing.T, res *ServerResponse) { mustEnd(t, res, "hi") },
	func(t *testing.T, res *ServerResponse) { set(t, res, "X-A", "1"); mustEnd(t, res, "hi") },
	func(t *testing.T, res *ServerResponse) { set(t, res, "X-A", "2"); mustEnd(t, res, "hi") },
	func(t *testing.T, res *ServerResponse) { set(t, res, "x-a", "2"); mustEnd(t, res, "hi") },
	// A head that is not kept, for a value that is not a string, after
	// one whose second line the third shares: the memo must still say
	// the first head's first line.
	func(t *testing.T, res *ServerResponse) {
		set(t, res, "X-A", "1")
		set(t, res, "X-B", "1")
		mustEnd(t, res, "hi")
	},
	func(t *testing.T, res *ServerResponse) {
		set(t, res, "X-C", "1")
		set(t, res, "X-N", 42)
		mustEnd(t, res, "hi")
	},
	func(t *testing.T, res *ServerResponse) {
		set(t, res, "X-C", "1")
		set(t, res, "X-B", "1")
		mustEnd(t, res, "hi")
	},
	func(t *testing.T, res *ServerResponse) { set(t, res, "X-N", 42); mustEnd(t, res, "hi") },
	func(t *testing.T, res *ServerResponse) { set(t, res, "Content-Length", "2"); mustEnd(t, res, "hi") },
	func(t *testing.T, res *ServerResponse) {
		set(t, res, "Connection", "keep-alive")
		mustEnd(t, res, "hi")
	},
	func(t *testing.T, res *ServerResponse) { set(t, res, "Keep-Alive", "timeout=9"); mustEnd(t, res, "hi") },
	func(t *testing.T, res *ServerResponse) { set(t, res, "Date", "then"); mustEnd(t, res, "hi") },
	func(t *testing.T, res *ServerResponse) { res.SendDate = false; mustEnd(t, res, "hi") },
	func(t *testing.T, res *ServerResponse) { write(t, res, "a"); mustEnd(t, res, "b") },
	func(t *testing.T, res *ServerResponse) {
		set(t, res, "Transfer-Encoding", "chunked")
		write(t, res, "a")
		mustEnd(t, res, "")
	},
	func(t *testing.T, res *ServerResponse) { res.StatusMessage = "Fine"; mustEnd(t, res, "") },
	func(t *testing.T, res *ServerResponse) { writeHead(t, res, 404, nil); mustEnd(t, res, "") },
	func(t *testing.T, res *ServerResponse) { writeHead(t, res, 204, nil); mustEnd(t, res, "") },
	func(t *testing.T, res *ServerResponse) {
		writeHead(t, res, 200, []string{"X-B", "1"})
		mustEnd(t, res, "")
	},
	func(t *testing.T, res *ServerResponse) {
		writeHead(t, res, 200, []string{"X-B", "1", "X-C", "2"})
		mustEnd(t, res, "")
	},
	func(t *testing.T, res *ServerResponse) {
		set(t, res, "X-A", "1")
		writeHead(t, res, 200, []string{"X-B", "1"})
		mustEnd(t, res, "")
	},
	func(t *testing.T, res *ServerResponse) { res.StrictContentLength = true; mustEnd(t, res, "hi") },
}

func writeHead(t *testing.T, res *ServerResponse, status int, headers []string) {
	t.Helper()
	var h any
	if headers != nil {
		h = headers
	}
	if err := res.WriteHead(status, "", h); err != nil {
		t.Fatal(err)
	}
}

// TestRenderedHeadsReplayAsRendered sends the same pipelined requests to
// a server whose responses render every head and to one whose responses
// may replay the last head rendered: the bytes on the wire must not
// differ, nor the server's trace.
func TestRenderedHeadsReplayAsRendered(t *testing.T) {
	var order []int
	for i := range responseRecipes {
		order = append(order, i, i)
	}
	for i := range responseRecipes {
		order = append(order, i, len(responseRecipes)-1-i)
	}
	var pipelined string
	for i, r := range order {
		conn := ""
		if i == len(order)-1 {
			conn = "Connection: close\r\n"
		}
		pipelined += "GET /" + strconv.Itoa(r) + " HTTP/1.1\r\nHost: x\r\n" + conn + "\r\n"
	}
	run := func(memo bool) (string, string) {
		e := newServerWorld(t)
		srv, port := e.server(ServerOptions{}, func(req *IncomingMessage, res *ServerResponse) {
			if !memo {
				res.heads = nil
			}
			i, _ := strconv.Atoi(req.URL[1:])
			responseRecipes[i](t, res)
		})
		peer := e.raw(srv, port, pipelined, nil)
		e.run()
		return peer.got.String(), e.compact()
	}
	gotWire, gotTrace := run(true)
	wantWire, wantTrace := run(false)
	if gotWire != wantWire {
		t.Errorf("with the memo the client received\n%q\nwithout it\n%q", gotWire, wantWire)
	}
	if gotTrace != wantTrace {
		t.Errorf("with the memo the trace is\n%s\nwithout it\n%s", gotTrace, wantTrace)
	}
}

// TestRequestHeadsReplayAsRendered renders requests of one agent, each
// twice in a row and then in turn with another, and the same requests
// with no memo: heads and what rendering left in the requests must agree.
func TestRequestHeadsReplayAsRendered(t *testing.T) {
	e := newServerWorld(t)
	a, err := NewAgent(e.h, AgentOptions{KeepAlive: true})
	if err != nil {
		t.Fatal(err)
	}
	type recipe struct {
		opts  RequestOptions
		tweak func(req *ClientRequest)
	}
	recipes := []recipe{
		{},
		{opts: RequestOptions{Path: "/a"}},
		{opts: RequestOptions{Method: "POST"}},
		{opts: RequestOptions{Method: "POST"}, tweak: func(req *ClientRequest) { _ = req.SetHeader("Content-Length", "3") }},
		{opts: RequestOptions{Headers: []HeaderField{{Name: "Connection", Values: []string{"close"}}}}},
		{opts: RequestOptions{Headers: []HeaderField{{Name: "X-A", Values: []string{"1"}}}}},
		{opts: RequestOptions{Headers: []HeaderField{{Name: "X-A", Values: []string{"1", "2"}}}}},
		{opts: RequestOptions{RawHeaders: []string{"Host", "x", "X-A", "1"}}},
		{tweak: func(req *ClientRequest) { req.SendDate = true }},
		{tweak: func(req *ClientRequest) { _ = req.RemoveHeader("host") }},
		{tweak: func(req *ClientRequest) { req.shouldKeepAlive = false }},
	}
	render := func(r recipe, memo bool) *ClientRequest {
		t.Helper()
		opts := r.opts
		opts.Host, opts.Port, opts.Agent = "127.0.0.1", 1, a
		req, err := Request(e.h, "", opts, nil)
		if err != nil {
			t.Fatal(err)
		}
		if req.header == nil {
			if r.tweak != nil {
				r.tweak(req)
			}
			if !memo {
				req.heads = nil
			}
			if err := req.implicitHeader(); err != nil {
				t.Fatal(err)
			}
		}
		return req
	}
	var order []int
	for i := range recipes {
		order = append(order, i, i)
	}
	for i := range recipes {
		order = append(order, i, len(recipes)-1-i)
	}
	for _, i := range order {
		got, want := render(recipes[i], true), render(recipes[i], false)
		if string(got.header) != string(want.header) {
			t.Errorf("recipe %d: head %q, without the memo %q", i, got.header, want.header)
		}
		if got.headRegs != want.headRegs || math.Float64bits(got.contentLength) != math.Float64bits(want.contentLength) {
			t.Errorf("recipe %d: rendering left %+v and %v, without the memo %+v and %v", i, got.headRegs, got.contentLength, want.headRegs, want.contentLength)
		}
	}
}

// headRegs.same compares five words: headRegs' fields must fill them, with
// no padding between or after.
func TestHeadRegsWords(t *testing.T) {
	rt := reflect.TypeOf(headRegs{})
	size := uintptr(0)
	for i := range rt.NumField() {
		size += rt.Field(i).Type.Size()
	}
	if want := reflect.TypeOf(headRegsWords{}).Size(); size != want || rt.Size() != want {
		t.Fatalf("headRegs: fields of %d bytes in %d, want both %d", size, rt.Size(), want)
	}
}
