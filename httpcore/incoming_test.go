package httpcore

import (
	"encoding/json"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/simhttp/simhttp/simnet"
)

type incomingCase struct {
	opts    ServerOptions
	server  func(*Server)
	handler func(t *testing.T, e *serverWorld, req *IncomingMessage, res *ServerResponse)
}

func readThenEnd(t *testing.T, req *IncomingMessage, res *ServerResponse) {
	req.Events.Data.On(func([]byte) {})
	req.Events.End.On(func(struct{}) { mustEnd(t, res, "ok") })
}

// incomingCases mirror fixtures/node/server-extra/incoming.js.
var incomingCases = map[string]incomingCase{
	"read-body": {handler: func(t *testing.T, _ *serverWorld, req *IncomingMessage, res *ServerResponse) {
		readThenEnd(t, req, res)
	}},
	"ignore-body-answer-at-once": {handler: func(t *testing.T, _ *serverWorld, _ *IncomingMessage, res *ServerResponse) {
		mustEnd(t, res, "ok")
	}},
	"pause-then-resume": {handler: func(t *testing.T, e *serverWorld, req *IncomingMessage, res *ServerResponse) {
		req.Pause()
		readThenEnd(t, req, res)
		e.loop.SetImmediate(func() {
			e.mark("resume", nil)
			req.Resume()
		})
	}},
	"read-late": {handler: func(t *testing.T, e *serverWorld, req *IncomingMessage, res *ServerResponse) {
		e.loop.SetImmediate(func() {
			e.mark("listen", nil)
			readThenEnd(t, req, res)
		})
	}},
	"destroy-in-handler": {handler: func(t *testing.T, e *serverWorld, req *IncomingMessage, _ *ServerResponse) {
		req.Events.Error.On(func(error) {})
		e.mark("destroy", nil)
		req.Destroy(nil)
	}},
	"destroy-with-error-no-listener": {handler: func(t *testing.T, e *serverWorld, req *IncomingMessage, _ *ServerResponse) {
		e.mark("destroy", nil)
		req.Destroy(errors.New("boom"))
	}},
	"chunked-body-with-trailers": {handler: func(t *testing.T, e *serverWorld, req *IncomingMessage, res *ServerResponse) {
		req.Events.Data.On(func([]byte) {})
		req.Events.End.On(func(struct{}) {
			e.mark("fields", map[string]any{"trailers": req.Trailers(), "rawTrailers": req.RawTrailers, "complete": req.Complete})
			mustEnd(t, res, "ok")
		})
	}},
	"head-fields": {handler: func(t *testing.T, e *serverWorld, req *IncomingMessage, res *ServerResponse) {
		e.mark("fields", map[string]any{
			"method": req.Method, "url": req.URL, "httpVersion": req.HTTPVersion, "major": req.HTTPVersionMajor,
			"minor": req.HTTPVersionMinor, "headers": req.Headers(), "rawHeaders": req.RawHeaders,
			"complete": req.Complete, "aborted": req.Aborted,
		})
		mustEnd(t, res, "")
	}},
	"max-headers-count-small": {server: func(s *Server) { s.MaxHeadersCount = 2 }, handler: func(t *testing.T, e *serverWorld, req *IncomingMessage, res *ServerResponse) {
		e.mark("fields", map[string]any{"headers": req.Headers(), "raw": len(req.RawHeaders)})
		mustEnd(t, res, "")
	}},
	"max-headers-count-batches": {server: func(s *Server) { s.MaxHeadersCount = 2 }, handler: headerCounts},
	"max-headers-count-default": {handler: headerCounts},
	"join-duplicate-headers": {opts: ServerOptions{JoinDuplicateHeaders: true}, handler: func(t *testing.T, e *serverWorld, req *IncomingMessage, res *ServerResponse) {
		e.mark("fields", map[string]any{"headers": req.Headers()})
		mustEnd(t, res, "")
	}},
	"request-set-timeout": {handler: func(t *testing.T, e *serverWorld, req *IncomingMessage, _ *ServerResponse) {
		req.Events.Data.On(func([]byte) {})
		req.SetTimeout(50*time.Millisecond, func() {
			e.mark("timeout", nil)
			req.Socket().Destroy(nil)
		})
	}},
}

func headerCounts(t *testing.T, e *serverWorld, req *IncomingMessage, res *ServerResponse) {
	e.mark("fields", map[string]any{"keys": req.Headers().Len(), "raw": len(req.RawHeaders)})
	mustEnd(t, res, "")
}

// TestRequestBodiesFlowAsInNode runs fixtures/node/server-extra/
// incoming.json: the request's events must fall where Node's do among the
// response's and the server's, and its fields hold what Node's hold.
func TestRequestBodiesFlowAsInNode(t *testing.T) {
	raw, err := os.ReadFile("../fixtures/node/server-extra/incoming.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref map[string]struct {
		Request string
		Compact string
		Marks   []struct {
			Event  string
			Detail json.RawMessage
		}
	}
	if err := json.Unmarshal(raw, &ref); err != nil {
		t.Fatal(err)
	}
	for name, ic := range incomingCases {
		t.Run(name, func(t *testing.T) {
			c, ok := ref[name]
			if !ok {
				t.Fatalf("case missing from incoming.json")
			}
			e := newServerWorld(t)
			srv, port := e.server(ic.opts, func(req *IncomingMessage, res *ServerResponse) { ic.handler(t, e, req, res) })
			if ic.server != nil {
				ic.server(srv)
			}
			e.raw(srv, port, c.Request, nil)
			e.run()
			want, err := simnet.ParseCompact(c.Compact)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := simnet.Compact(serverSide(e.events), false), serverSideCompact(want); got != want {
				t.Errorf("server side of the trace\n got %s\nwant %s", got, want)
			}
			var marks []simnet.Event
			for _, ev := range e.events {
				if ev.Obj == "test" && ev.Name != "mark:raw-received" {
					marks = append(marks, ev)
				}
			}
			var wantMarks []simnet.Event
			for _, m := range c.Marks {
				if m.Event == "mark:raw-received" {
					continue
				}
				var d map[string]any
				if err := json.Unmarshal(m.Detail, &d); err != nil {
					t.Fatal(err)
				}
				wantMarks = append(wantMarks, simnet.Event{Name: m.Event, Detail: d})
			}
			if len(marks) != len(wantMarks) {
				t.Fatalf("%d marks, Node has %d", len(marks), len(wantMarks))
			}
			for i := range marks {
				if got, want := canonical(t, marks[i].Detail), canonical(t, wantMarks[i].Detail); marks[i].Name != wantMarks[i].Name || got != want {
					t.Errorf("%s %s, Node: %s %s", marks[i].Name, got, wantMarks[i].Name, want)
				}
			}
		})
	}
}

// serverSideCompact keeps the compact tokens of the server's objects and of
// the step marks.
func serverSideCompact(tokens []string) string {
	var out []string
	for _, tok := range tokens {
		obj, _, _ := strings.Cut(tok, ":")
		obj, _, _ = strings.Cut(obj, "#")
		switch {
		case tok == "test:mark:raw-received":
		case obj == "server" || obj == "sreq" || obj == "sres" || obj == "ssocket" || obj == "test":
			out = append(out, tok)
		}
	}
	return strings.Join(out, " ")
}

func TestKeptHeaderEntriesFollowNodesBatches(t *testing.T) {
	raw := func(pairs int) []string {
		out := make([]string, 0, 2*pairs)
		for i := range pairs {
			out = append(out, "h", string(rune('a'+i%26)))
		}
		return out
	}
	for _, c := range []struct{ pairs, limit, want int }{
		{5, 4, 10},         // one batch: all kept, the limit applies to headers only
		{41, 4, 62},        // the first batch of 31 pairs is kept, the rest dropped
		{1101, 2000, 2046}, // Node's default: 33 batches
		{1101, 0, 2202},    // no limit
		{31, 2, 62},
	} {
		if got := len(keptHeaderEntries(raw(c.pairs), c.limit)); got != c.want {
			t.Errorf("%d pairs, limit %d: kept %d entries, want %d", c.pairs, c.limit, got, c.want)
		}
	}
}

func TestJoinDuplicatesKeepsCookieRules(t *testing.T) {
	got := joinDuplicates([]string{"A", "1", "Cookie", "c", "a", "2", "Set-Cookie", "s", "cookie", "d", "Set-Cookie", "t"})
	want := []string{"A", "1, 2", "Cookie", "c", "Set-Cookie", "s", "cookie", "d", "Set-Cookie", "t"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("joinDuplicates = %q, want %q", got, want)
	}
}

// TestHeadersAreBuiltOnFirstRead compares with fixtures/node/server-extra/
// lazy-headers.json: headers and trailers are built when first read, from
// the raw lists as they are then and within maxHeadersCount's limit, and
// not before: the server's and the agent's own lookups build nothing.
func TestHeadersAreBuiltOnFirstRead(t *testing.T) {
	raw, err := os.ReadFile("../fixtures/node/server-extra/lazy-headers.json")
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]json.RawMessage
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	m := &IncomingMessage{}
	m.setHead(&MessageHead{RawHeaders: []string{"Host", "a", "X-A", "1", "x-a", "2", "Set-Cookie", "c"}}, 6)
	if v, ok := m.header("host"); v != "a" || !ok || m.headers != nil {
		t.Fatalf("header(host) = %q, %v, built %v: want \"a\", true, nothing built", v, ok, m.headers != nil)
	}
	if _, ok := m.header("set-cookie"); ok || m.headers != nil {
		t.Fatalf("header(set-cookie) found an entry beyond the limit, or built headers")
	}
	m.RawHeaders[1] = "b"
	got := map[string]any{"headers": m.Headers()}
	m.RawHeaders[3] = "changed"
	got["headersAfterChange"] = m.Headers()
	got["trailersBefore"] = m.Trailers()
	m.finishMessage([]string{"X-T", "1"})
	got["trailers"] = m.Trailers()
	for key, w := range want {
		g, err := json.Marshal(got[key])
		if err != nil {
			t.Fatal(err)
		}
		if string(g) != string(w) {
			t.Errorf("%s: %s, Node %s", key, g, w)
		}
	}
	fresh := &IncomingMessage{}
	fresh.setHead(&MessageHead{RawHeaders: []string{"X-A", "1", "x-a", "2"}}, 4)
	if v, _ := fresh.header("x-a"); v != "1, 2" {
		t.Errorf("header(x-a) of a repeated field = %q, want the joined \"1, 2\" of Headers", v)
	}
}

// TestHostAndExpectIsHeadersTwoAnswers: the server's one pass over a
// request's fields answers as header("host") and header("expect") do,
// repeated fields, fields past the limit and built Headers included.
func TestHostAndExpectIsHeadersTwoAnswers(t *testing.T) {
	for _, raw := range [][]string{
		nil,
		{"Host", "a"},
		{"HOST", "a", "Expect", "100-continue"},
		{"expect", "x", "Host", "a", "EXPECT", "y"},
		{"Expect", "x", "Hosts", "a", "Expec", "b"},
		{"X-A", "1", "Host", "a", "Host", "b", "Expect", "z"},
	} {
		for _, limit := range []int{0, 2, 4} {
			for _, built := range []bool{false, true} {
				m := &IncomingMessage{}
				m.setHead(&MessageHead{RawHeaders: raw}, limit)
				if built {
					m.Headers()
				}
				host, expect, hasExpect := m.hostAndExpect()
				_, wantHost := m.header("host")
				wantExpect, wantHas := m.header("expect")
				if host != wantHost || expect != wantExpect || hasExpect != wantHas {
					t.Errorf("%q, limit %d, Headers built %v: %v %q %v, header gives %v %q %v",
						raw, limit, built, host, expect, hasExpect, wantHost, wantExpect, wantHas)
				}
			}
		}
	}
}

// TestReadBufferKeepsItsArray reads a body chunk by chunk as it arrives:
// the emptied buffer keeps its array, so no chunk costs one, and chunks
// split across reads still come out whole and in order.
func TestReadBufferKeepsItsArray(t *testing.T) {
	var m IncomingMessage
	chunk := []byte("hello")
	m.r.buf = append(m.r.buf, chunk)
	if got := string(m.fromList(len(chunk))); got != "hello" {
		t.Fatalf("read %q, want hello", got)
	}
	if n := testing.AllocsPerRun(100, func() {
		m.r.buf = append(m.r.buf, chunk)
		if got := m.fromList(len(chunk)); len(got) != len(chunk) {
			t.Fatalf("read %q, want hello", got)
		}
	}); n != 0 {
		t.Errorf("a chunk read as it arrives costs %v allocations, want 0", n)
	}
	m.r.buf = append(m.r.buf, []byte("ab"), []byte("cd"), []byte("ef"))
	var got []string
	for _, n := range []int{3, 1, 2} {
		got = append(got, string(m.fromList(n)))
	}
	if want := []string{"abc", "d", "ef"}; !slices.Equal(got, want) || len(m.r.buf) != 0 {
		t.Errorf("read %q leaving %d chunks, want %q leaving none", got, len(m.r.buf), want)
	}
}

// socketlessMessage is a message on a world's loop with no socket, for
// tests that push its body themselves.
func socketlessMessage(t *testing.T) (*IncomingMessage, *simnet.Loop) {
	t.Helper()
	w, err := simnet.NewWorld(1)
	if err != nil {
		t.Fatal(err)
	}
	m := new(IncomingMessage)
	m.init(w.Loop(), nil, nil)
	return m, w.Loop()
}

// TestEndIsQueuedOnceWhereNodeQueuesIt: Node queues endReadableNT from
// every read() once the body ended, and the message queues only the first
// (endReadable says why the rest are no-ops). 'end' must still come once,
// at the first tick's place among other ticks, with reads between the
// ticks; and an error before that tick must still keep it from coming.
func TestEndIsQueuedOnceWhereNodeQueuesIt(t *testing.T) {
	for _, destroy := range []bool{false, true} {
		m, loop := socketlessMessage(t)
		var order []string
		m.Events.Data.On(func(p []byte) { order = append(order, "data "+string(p)) })
		m.Events.End.On(func(struct{}) { order = append(order, "end") })
		m.Events.Error.On(func(error) { order = append(order, "error") })
		m.Pause()
		m.push([]byte("ab"))
		m.push([]byte("cd"))
		m.push(nil)
		m.r.sync = false
		m.read(-1) // takes all four bytes and queues endReadableNT
		loop.NextTick(func() { order = append(order, "tick 1") })
		m.read(-1) // Node queues a second endReadableNT here
		if destroy {
			m.Destroy(errors.New("boom"))
		}
		loop.NextTick(func() {
			order = append(order, "tick 2")
			m.read(-1) // and a third from a tick between them
		})
		loop.DrainTicks()
		want := []string{"data abcd", "end", "tick 1", "tick 2"}
		if destroy {
			want = []string{"data abcd", "tick 1", "tick 2", "error"}
		}
		if !slices.Equal(order, want) {
			t.Errorf("destroy %v: %q, want %q", destroy, order, want)
		}
		if m.r.endEmitted == destroy {
			t.Errorf("destroy %v: 'end' emitted %v", destroy, m.r.endEmitted)
		}
	}
}

// TestDataOnWithItsResultDroppedAllocatesNothing: Data.On and Once must stay
// small enough to inline, or the off function they return costs an
// allocation even where the caller drops it, as most do; the function,
// when kept, still removes the listener and ends the data listening.
func TestDataOnWithItsResultDroppedAllocatesNothing(t *testing.T) {
	m := &IncomingMessage{}
	m.Events.Data.m = m
	m.Pause() // no flow, so no tick is queued on a loop this message lacks
	fn := func([]byte) {}
	if n := testing.AllocsPerRun(100, func() { m.Events.Data.On(fn); m.Events.Data.RemoveAll() }); n != 0 {
		t.Errorf("Data.On with its result dropped allocates %v times", n)
	}
	if n := testing.AllocsPerRun(100, func() { m.Events.Data.Once(fn); m.Events.Data.RemoveAll() }); n != 0 {
		t.Errorf("Data.Once with its result dropped allocates %v times", n)
	}
	off := m.Events.Data.On(fn)
	if !m.r.dataListening {
		t.Fatal("Data.On did not start the data listening")
	}
	off()
	if n := m.Events.Data.ListenerCount(); n != 0 || m.r.dataListening {
		t.Errorf("after off: %d listeners, data listening %v; want 0, false", n, m.r.dataListening)
	}
}

// bodyCollector is a 'data' listener as a value, as Add takes one.
type bodyCollector struct{ got *[]string }

func (c bodyCollector) Handle(p []byte) { *c.got = append(*c.got, "data "+string(p)) }

// TestDataAddFlowsAsOnDoes: a listener added as a Handler, by Add, AddOnce
// or AddIn, starts the body's flow as On does, so it hears the same
// chunks; the Emitter's own Add, which DataEvent embeds, would leave the
// body unread. Remove ends the data listening as On's off function does.
func TestDataAddFlowsAsOnDoes(t *testing.T) {
	type addFunc = func(*IncomingMessage, *simnet.Loop, *[]string) simnet.ListenerID
	for _, way := range []struct {
		name string
		add  addFunc
	}{
		{"On", func(m *IncomingMessage, _ *simnet.Loop, got *[]string) simnet.ListenerID {
			m.Events.Data.On(bodyCollector{got}.Handle)
			return 0
		}},
		{"Add", func(m *IncomingMessage, _ *simnet.Loop, got *[]string) simnet.ListenerID {
			return m.Events.Data.Add(bodyCollector{got})
		}},
		{"AddOnce", func(m *IncomingMessage, _ *simnet.Loop, got *[]string) simnet.ListenerID {
			return m.Events.Data.AddOnce(bodyCollector{got})
		}},
		{"AddIn", func(m *IncomingMessage, l *simnet.Loop, got *[]string) simnet.ListenerID {
			return m.Events.Data.AddIn(l, bodyCollector{got})
		}},
	} {
		name, add := way.name, way.add
		m, loop := socketlessMessage(t)
		var got []string
		id := add(m, loop, &got)
		m.Events.End.On(func(struct{}) { got = append(got, "end") })
		m.push([]byte("ab"))
		m.push(nil)
		if err := loop.Run(); err != nil {
			t.Fatal(err)
		}
		if want := []string{"data ab", "end"}; !slices.Equal(got, want) {
			t.Errorf("%s: heard %q, want %q", name, got, want)
		}
		if id != 0 {
			m.Events.Data.Remove(id)
			if m.r.dataListening {
				t.Errorf("%s: Remove left the data listening on", name)
			}
		}
	}
}
