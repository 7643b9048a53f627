package httpcore

import (
	"encoding/json"
	"math"
	"os"
	"testing"
	"time"

	"github.com/simhttp/simhttp/simnet"
)

// notes collects what a response case observes, in the shape the Node
// script records: plain values, ["ok", v] and ["throw", code, message].
type notes []any

func (n *notes) add(v ...any) { *n = append(*n, v...) }

// attempt records the outcome of a call that may fail as Node's would throw.
func (n *notes) attempt(err error, ok any) {
	if err != nil {
		*n = append(*n, []any{"throw", simnet.CodeOf(err), err.Error()})
		return
	}
	*n = append(*n, []any{"ok", ok})
}

type responseCase struct {
	opts    ServerOptions
	tweak   func(*Server)
	handler func(t *testing.T, req *IncomingMessage, res *ServerResponse, n *notes)
}

func set(t *testing.T, res *ServerResponse, name string, value any) {
	t.Helper()
	if err := res.SetHeader(name, value); err != nil {
		t.Fatal(err)
	}
}

func write(t *testing.T, res *ServerResponse, s string) bool {
	t.Helper()
	ok, err := res.Write([]byte(s), nil)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

// responseCases mirror fixtures/node/server-extra/responses.js case by case.
var responseCases = map[string]responseCase{
	"end-with-data": {handler: func(t *testing.T, _ *IncomingMessage, res *ServerResponse, _ *notes) { mustEnd(t, res, "hello") }},
	"end-empty":     {handler: func(t *testing.T, _ *IncomingMessage, res *ServerResponse, _ *notes) { mustEnd(t, res, "") }},
	"write-then-end-is-chunked": {handler: func(t *testing.T, _ *IncomingMessage, res *ServerResponse, _ *notes) {
		write(t, res, "a")
		write(t, res, "bc")
		mustEnd(t, res, "d")
	}},
	"keep-alive-defaults": {handler: func(t *testing.T, _ *IncomingMessage, res *ServerResponse, _ *notes) { mustEnd(t, res, "x") }},
	"header-kinds": {handler: func(t *testing.T, _ *IncomingMessage, res *ServerResponse, n *notes) {
		set(t, res, "X-Num", 42)
		set(t, res, "X-Float", 1.5)
		set(t, res, "X-List", []string{"a", "b"})
		set(t, res, "Set-Cookie", []string{"s=1", "t=2"})
		set(t, res, "Cookie", []string{"c=1", "d=2"})
		n.add(res.GetHeader("x-num"), res.GetHeader("X-LIST"), res.GetHeaderNames(), res.GetRawHeaderNames(), res.HasHeader("x-float"))
		mustEnd(t, res, "")
	}},
	"set-replaces-and-keeps-first-position": {handler: func(t *testing.T, _ *IncomingMessage, res *ServerResponse, n *notes) {
		set(t, res, "A", "1")
		set(t, res, "B", "2")
		set(t, res, "a", "3")
		n.add(res.GetHeaderNames(), res.GetRawHeaderNames())
		mustEnd(t, res, "")
	}},
	"remove-and-readd-moves-to-end": {handler: func(t *testing.T, _ *IncomingMessage, res *ServerResponse, n *notes) {
		set(t, res, "A", "1")
		set(t, res, "B", "2")
		if err := res.RemoveHeader("a"); err != nil {
			t.Fatal(err)
		}
		set(t, res, "A", "3")
		n.add(res.GetHeaderNames())
		mustEnd(t, res, "")
	}},
	"append-header": {handler: func(t *testing.T, _ *IncomingMessage, res *ServerResponse, n *notes) {
		if err := res.AppendHeader("X-A", "1"); err != nil {
			t.Fatal(err)
		}
		if err := res.AppendHeader("x-a", []string{"2", "3"}); err != nil {
			t.Fatal(err)
		}
		n.add(res.GetHeader("x-a"))
		mustEnd(t, res, "")
	}},
	"remove-content-length-gives-chunked": {handler: func(t *testing.T, _ *IncomingMessage, res *ServerResponse, _ *notes) {
		_ = res.RemoveHeader("Content-Length")
		mustEnd(t, res, "abc")
	}},
	"remove-te-and-length-closes": {handler: func(t *testing.T, _ *IncomingMessage, res *ServerResponse, _ *notes) {
		_ = res.RemoveHeader("Transfer-Encoding")
		write(t, res, "abc")
		mustEnd(t, res, "")
	}},
	"remove-date": {handler: func(t *testing.T, _ *IncomingMessage, res *ServerResponse, _ *notes) {
		_ = res.RemoveHeader("Date")
		mustEnd(t, res, "")
	}},
	"send-date-off": {handler: func(t *testing.T, _ *IncomingMessage, res *ServerResponse, _ *notes) {
		res.SendDate = false
		mustEnd(t, res, "")
	}},
	"user-connection-close-on-keepalive": {handler: func(t *testing.T, _ *IncomingMessage, res *ServerResponse, _ *notes) {
		set(t, res, "Connection", "close")
		mustEnd(t, res, "x")
	}},
	"user-keep-alive-header": {handler: func(t *testing.T, _ *IncomingMessage, res *ServerResponse, _ *notes) {
		set(t, res, "Keep-Alive", "timeout=9")
		mustEnd(t, res, "x")
	}},
	"remove-connection-on-keepalive": {handler: func(t *testing.T, _ *IncomingMessage, res *ServerResponse, _ *notes) {
		_ = res.RemoveHeader("Connection")
		mustEnd(t, res, "x")
	}},
	"user-content-length": {handler: func(t *testing.T, _ *IncomingMessage, res *ServerResponse, _ *notes) {
		set(t, res, "Content-Length", 3)
		write(t, res, "ab")
		mustEnd(t, res, "c")
	}},
	"user-chunked": {handler: func(t *testing.T, _ *IncomingMessage, res *ServerResponse, _ *notes) {
		set(t, res, "Transfer-Encoding", "chunked")
		mustEnd(t, res, "abc")
	}},
	"http10-request": {handler: func(t *testing.T, _ *IncomingMessage, res *ServerResponse, _ *notes) { mustEnd(t, res, "abc") }},
	"http10-keepalive-with-length": {handler: func(t *testing.T, _ *IncomingMessage, res *ServerResponse, _ *notes) {
		set(t, res, "Content-Length", 3)
		mustEnd(t, res, "abc")
	}},
	"http10-keepalive-without-length": {handler: func(t *testing.T, _ *IncomingMessage, res *ServerResponse, _ *notes) { mustEnd(t, res, "abc") }},
	"http10-te-chunked": {handler: func(t *testing.T, _ *IncomingMessage, res *ServerResponse, _ *notes) {
		write(t, res, "a")
		mustEnd(t, res, "b")
	}},
	"head-ignores-body": {handler: func(t *testing.T, _ *IncomingMessage, res *ServerResponse, n *notes) {
		n.add(write(t, res, "abc"))
		mustEnd(t, res, "def")
	}},
	"status-204-with-chunked-closes": {handler: func(t *testing.T, _ *IncomingMessage, res *ServerResponse, _ *notes) {
		res.StatusCode = 204
		set(t, res, "Transfer-Encoding", "chunked")
		mustEnd(t, res, "")
	}},
	"status-message-custom": {handler: func(t *testing.T, _ *IncomingMessage, res *ServerResponse, _ *notes) {
		res.StatusMessage = "Fine"
		mustEnd(t, res, "")
	}},
	"status-unknown": {handler: func(t *testing.T, _ *IncomingMessage, res *ServerResponse, _ *notes) {
		res.StatusCode = 599
		mustEnd(t, res, "")
	}},
	"write-head-reason-and-raw-array": {handler: func(t *testing.T, _ *IncomingMessage, res *ServerResponse, n *notes) {
		if err := res.WriteHead(201, "Made", []string{"X-A", "1", "x-a", "2", "Content-Length", "2"}); err != nil {
			t.Fatal(err)
		}
		n.add(res.HeadersSent(), res.StatusCode, res.StatusMessage)
		mustEnd(t, res, "ok")
	}},
	"write-head-errors": {handler: func(t *testing.T, _ *IncomingMessage, res *ServerResponse, n *notes) {
		n.attempt(res.WriteHead(99, "", nil), 1)
		n.attempt(res.WriteHead(1000, "", nil), 1)
		n.attempt(res.WriteHead(200, "bad\nreason", nil), 1)
		res.StatusMessage = ""
		n.attempt(res.WriteHead(200, "", []string{"A"}), 1)
		n.attempt(res.WriteHead(200, "", []string{"Bad Name", "x"}), 1)
		mustEnd(t, res, "")
	}},
	"header-validation-errors": {handler: func(t *testing.T, _ *IncomingMessage, res *ServerResponse, n *notes) {
		n.attempt(res.SetHeader("Bad Name", "x"), 1)
		n.attempt(res.SetHeader("", "x"), 1)
		n.attempt(res.SetHeader("X-A", "a\r\nb"), 1)
		n.attempt(res.SetHeader("X-A", nil), 1)
		n.attempt(res.SetHeader("X-A", []string{"ok", "b\x00ad"}), 1)
		mustEnd(t, res, "")
	}},
	"headers-sent-errors": {handler: func(t *testing.T, _ *IncomingMessage, res *ServerResponse, n *notes) {
		write(t, res, "x")
		n.attempt(res.SetHeader("A", "1"), 1)
		n.attempt(res.RemoveHeader("A"), 1)
		n.attempt(res.AppendHeader("A", "1"), 1)
		n.attempt(res.WriteHead(200, "", nil), 1)
		mustEnd(t, res, "")
	}},
	"trailers": {handler: func(t *testing.T, _ *IncomingMessage, res *ServerResponse, _ *notes) {
		set(t, res, "Trailer", "X-T")
		write(t, res, "a")
		if err := res.AddTrailers([]HeaderField{{Name: "X-T", Values: []string{"v"}}, {Name: "X-L", Values: []string{"1", "2"}}}); err != nil {
			t.Fatal(err)
		}
		mustEnd(t, res, "")
	}},
	"trailer-header-without-chunking-throws": {handler: func(t *testing.T, req *IncomingMessage, res *ServerResponse, n *notes) {
		set(t, res, "Trailer", "X-T")
		set(t, res, "Content-Length", 1)
		n.attempt(res.End([]byte("a"), nil), 1)
		n.add(res.HeadersSent())
		req.Socket().Destroy(nil)
	}},
	"trailer-errors": {handler: func(t *testing.T, _ *IncomingMessage, res *ServerResponse, n *notes) {
		n.attempt(res.AddTrailers(map[string]string{"Bad Name": "x"}), nil)
		n.attempt(res.AddTrailers(map[string]string{"X-A": "a\nb"}), nil)
		mustEnd(t, res, "")
	}},
	"strict-content-length-write-over": {handler: func(t *testing.T, req *IncomingMessage, res *ServerResponse, n *notes) {
		res.StrictContentLength = true
		set(t, res, "Content-Length", 2)
		ok, err := res.Write([]byte("abc"), nil)
		n.attempt(err, ok)
		n.attempt(res.End([]byte("ab"), nil), 1)
		req.Socket().Destroy(nil)
	}},
	"strict-content-length-exact": {handler: func(t *testing.T, _ *IncomingMessage, res *ServerResponse, _ *notes) {
		res.StrictContentLength = true
		set(t, res, "Content-Length", 3)
		write(t, res, "a")
		mustEnd(t, res, "bc")
	}},
	"flush-headers-then-end": {handler: func(t *testing.T, _ *IncomingMessage, res *ServerResponse, n *notes) {
		if err := res.FlushHeaders(); err != nil {
			t.Fatal(err)
		}
		n.add(res.HeadersSent())
		mustEnd(t, res, "x")
	}},
	"interim-responses": {handler: func(t *testing.T, _ *IncomingMessage, res *ServerResponse, _ *notes) {
		res.WriteContinue(nil)
		res.WriteProcessing(nil)
		if err := res.WriteEarlyHints([]HeaderField{{Name: "link", Values: []string{"</a.css>; rel=preload", "</b.js>; rel=preload"}}, {Name: "x-extra", Values: []string{"y"}}}, nil); err != nil {
			t.Fatal(err)
		}
		mustEnd(t, res, "done")
	}},
	"write-after-end": {handler: func(t *testing.T, _ *IncomingMessage, res *ServerResponse, n *notes) {
		res.Events.Error.On(func(err error) { n.add([]any{"error-event", simnet.CodeOf(err), err.Error()}) })
		mustEnd(t, res, "a")
		ok, err := res.Write([]byte("b"), func(err error) { n.add([]any{"write-cb", simnet.CodeOf(err)}) })
		if err != nil {
			t.Fatal(err)
		}
		n.add(ok)
	}},
	"unique-headers": {opts: ServerOptions{UniqueHeaders: []string{"x-u"}}, handler: func(t *testing.T, _ *IncomingMessage, res *ServerResponse, _ *notes) {
		set(t, res, "X-U", []string{"a", "b"})
		set(t, res, "X-M", []string{"a", "b"})
		mustEnd(t, res, "")
	}},
	"max-requests-per-socket-hint": {tweak: func(s *Server) { s.MaxRequestsPerSocket = 3 }, handler: func(t *testing.T, _ *IncomingMessage, res *ServerResponse, _ *notes) {
		mustEnd(t, res, "x")
	}},
	"cork-uncork": {handler: func(t *testing.T, _ *IncomingMessage, res *ServerResponse, n *notes) {
		res.Cork()
		write(t, res, "a")
		write(t, res, "b")
		n.add(res.WritableCorked())
		res.Uncork()
		mustEnd(t, res, "")
	}},
	"writable-state": {handler: func(t *testing.T, _ *IncomingMessage, res *ServerResponse, n *notes) {
		n.add(res.WritableEnded(), res.WritableFinished(), res.HeadersSent())
		mustEnd(t, res, "x")
		n.add(res.WritableEnded(), res.HeadersSent())
	}},
}

// TestResponsesAsNodeWritesThem runs the cases of
// fixtures/node/server-extra/responses.json: every use of the response API
// must put Node's very bytes on the wire, and return or throw what Node's
// did.
func TestResponsesAsNodeWritesThem(t *testing.T) {
	raw, err := os.ReadFile("../fixtures/node/server-extra/responses.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Name, Request, Response string
		Notes                   json.RawMessage
	}
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, c := range cases {
		seen[c.Name] = true
		t.Run(c.Name, func(t *testing.T) {
			rc, ok := responseCases[c.Name]
			if !ok {
				t.Fatalf("no Go version of the case")
			}
			e := newServerWorld(t)
			var n notes
			srv, port := e.server(rc.opts, func(req *IncomingMessage, res *ServerResponse) { rc.handler(t, req, res, &n) })
			srv.KeepAliveTimeout = 50 * time.Millisecond
			if rc.tweak != nil {
				rc.tweak(srv)
			}
			peer := e.raw(srv, port, c.Request, nil)
			e.run()
			if got, want := peer.received(), c.Response; got != want {
				t.Errorf("client received\n got %q\nwant %q", got, want)
			}
			if got, want := canonical(t, n), canonical(t, c.Notes); got != want {
				t.Errorf("notes\n got %s\nwant %s", got, want)
			}
		})
	}
	for name := range responseCases {
		if !seen[name] {
			t.Errorf("case %s is not in responses.json", name)
		}
	}
}

// canonical re-encodes a JSON value so equal values compare equal.
func canonical(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var x any
	if err := json.Unmarshal(b, &x); err != nil {
		t.Fatal(err)
	}
	if x == nil {
		x = []any{}
	}
	out, _ := json.Marshal(x)
	return string(out)
}

func TestJSNumbersFormatAsJavaScript(t *testing.T) {
	for _, c := range []struct {
		f    float64
		want string
	}{
		{0, "0"}, {42, "42"}, {-1.5, "-1.5"}, {0.1, "0.1"}, {1e21, "1e+21"}, {1.5e-7, "1.5e-7"},
		{123456789012, "123456789012"}, {math.NaN(), "NaN"}, {math.Inf(1), "Infinity"},
	} {
		if got := formatJSNumber(c.f); got != c.want {
			t.Errorf("formatJSNumber(%v) = %q, want %q", c.f, got, c.want)
		}
	}
	// appendJSNumber takes a shortcut for whole numbers: it must render
	// what formatJSNumber does on both sides of the shortcut's bounds.
	for _, f := range []float64{0, math.Copysign(0, -1), 5, -5, 1 << 53, 1<<53 - 1, -(1<<53 - 1), 1e20, 1e21, 2.5, -0.5,
		math.NaN(), math.Inf(1), math.Inf(-1), math.MaxInt64, math.MinInt64, 1e300} {
		if got, want := string(appendJSNumber([]byte("x"), f)), "x"+formatJSNumber(f); got != want {
			t.Errorf("appendJSNumber(%v) = %q, want %q", f, got, want)
		}
	}
	for _, c := range []struct {
		s    string
		want float64
	}{{" 12 ", 12}, {"", 0}, {"0x10", 16}, {"1e3", 1000}} {
		if got := jsNumber(c.s); got != c.want {
			t.Errorf("jsNumber(%q) = %v, want %v", c.s, got, c.want)
		}
	}
	for _, s := range []string{"abc", "1_0", "12px", "inf"} {
		if got := jsNumber(s); !math.IsNaN(got) {
			t.Errorf("jsNumber(%q) = %v, want NaN", s, got)
		}
	}
}

func TestHasTokenMatchesWholeWords(t *testing.T) {
	for _, c := range []struct {
		s, word string
		want    bool
	}{
		{"close", "close", true}, {"Keep-Alive, Close", "close", true}, {"closed", "close", false},
		{"x_close", "close", false}, {"gzip, chunked", "chunked", true}, {"chunkedx", "chunked", false},
	} {
		if got := hasToken(c.s, c.word); got != c.want {
			t.Errorf("hasToken(%q, %q) = %v", c.s, c.word, got)
		}
	}
}
