package httpcore

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/simhttp/simhttp/simnet"
)

// wirePeer is a misbehaving or recording HTTP server on a simulated host:
// reply decides, from everything received so far, what to write back.
type wirePeer struct {
	port int
	got  []string // what each connection received
}

func listenWire(t *testing.T, h *simnet.Host, reply func(got string, sock *simnet.Socket)) *wirePeer {
	t.Helper()
	p := &wirePeer{}
	var l simnet.Listener
	l, err := h.Listen(simnet.ListenOptions{Host: "127.0.0.1"}, func(sock *simnet.Socket) {
		i := len(p.got)
		p.got = append(p.got, "")
		sock.Events.Error.On(func(error) {})
		sock.Events.Data.On(func(d []byte) {
			p.got[i] += string(d)
			reply(p.got[i], sock)
		})
		sock.Events.Close.On(func(bool) { l.Close() })
	})
	if err != nil {
		t.Fatal(err)
	}
	p.port = int(l.Addr().Port())
	return p
}

func loopbackHost(t *testing.T) (*simnet.World, *simnet.Host) {
	t.Helper()
	w, err := simnet.NewWorld(1)
	if err != nil {
		t.Fatal(err)
	}
	h, err := w.AddHost("local")
	if err != nil {
		t.Fatal(err)
	}
	return w, h
}

var reqContentLength = regexp.MustCompile(`(?i)content-length: *(\d+)`)

// requestComplete reports whether got holds a whole request, by the rules
// wire.js uses.
func requestComplete(got string) bool {
	head, body, ok := strings.Cut(got, "\r\n\r\n")
	if !ok {
		return false
	}
	if regexp.MustCompile(`(?i)chunked`).MatchString(head) {
		return regexp.MustCompile(`(^|\r\n)0\r\n(.*\r\n)?\r\n$`).MatchString(body)
	}
	n := 0
	if m := reqContentLength.FindStringSubmatch(head); m != nil {
		n, _ = strconv.Atoi(m[1])
	}
	return len(body) >= n
}

// TestRequestBytesMatchNode sends the requests of wire.js and compares the
// bytes the server receives with what Node v20 sends.
func TestRequestBytesMatchNode(t *testing.T) {
	type act func(*ClientRequest) error
	end := func(body string) act {
		return func(r *ClientRequest) error {
			var p []byte
			if body != "" {
				p = []byte(body)
			}
			return r.End(p, nil)
		}
	}
	write := func(first string, then act) act {
		return func(r *ClientRequest) error {
			if _, err := r.Write([]byte(first), nil); err != nil {
				return err
			}
			return then(r)
		}
	}
	hf := func(kv ...string) []HeaderField {
		var out []HeaderField
		for i := 0; i < len(kv); i += 2 {
			if len(out) > 0 && out[len(out)-1].Name == kv[i] {
				out[len(out)-1].Values = append(out[len(out)-1].Values, kv[i+1])
				continue
			}
			out = append(out, HeaderField{Name: kv[i], Values: []string{kv[i+1]}})
		}
		return out
	}
	cases := map[string]struct {
		opts RequestOptions
		act  act
	}{
		"get-global-agent":        {RequestOptions{}, end("")},
		"get-no-agent":            {RequestOptions{NoAgent: true}, end("")},
		"post-chunked":            {RequestOptions{Method: "POST"}, write("hello", end(" world"))},
		"post-end-only":           {RequestOptions{Method: "POST"}, end("hello")},
		"post-empty":              {RequestOptions{Method: "POST"}, end("")},
		"put-content-length":      {RequestOptions{Method: "PUT", Headers: hf("Content-Length", "5")}, write("he", end("llo"))},
		"headers-ordered":         {RequestOptions{Headers: hf("X-B", "1", "x-a", "2", "x-a", "3", "Cookie", "a=1", "Cookie", "b=2")}, end("")},
		"headers-raw":             {RequestOptions{RawHeaders: []string{"X-Raw", "v", "Host", "example", "X-Raw", "w"}}, end("")},
		"auth":                    {RequestOptions{Auth: "user:pä ss"}, end("")},
		"set-host-false":          {RequestOptions{SetHost: new(false)}, end("")},
		"unique-headers":          {RequestOptions{Headers: hf("x-u", "a", "x-u", "b"), UniqueHeaders: []string{"x-u"}}, end("")},
		"connection-close-header": {RequestOptions{Headers: hf("Connection", "close")}, end("")},
		"delete-body":             {RequestOptions{Method: "DELETE"}, end("x")},
		"trailers": {RequestOptions{Method: "POST"}, write("a", func(r *ClientRequest) error {
			if err := r.AddTrailers([]HeaderField{{Name: "X-T", Values: []string{"1"}}}); err != nil {
				return err
			}
			return r.End(nil, nil)
		})},
	}
	for _, line := range readClientFixture(t, "wire.txt") {
		name := line[0]
		var want string
		if err := json.Unmarshal([]byte(line[1]), &want); err != nil {
			t.Fatal(err)
		}
		c, ok := cases[name]
		if name == "get-max-sockets-agent" {
			ok = true
		}
		if !ok {
			t.Errorf("%s: Node case with no Go counterpart", name)
			continue
		}
		t.Run(name, func(t *testing.T) {
			w, h := loopbackHost(t)
			peer := listenWire(t, h, func(got string, sock *simnet.Socket) {
				if requestComplete(got) {
					sock.End([]byte("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"), nil)
				}
			})
			opts := c.opts
			if name == "get-max-sockets-agent" {
				a, err := NewAgent(h, AgentOptions{MaxSockets: 2})
				if err != nil {
					t.Fatal(err)
				}
				opts, c.act = RequestOptions{Agent: a}, end("")
			}
			opts.Host, opts.Port, opts.Path = "127.0.0.1", peer.port, "/p"
			req, err := Request(h, "", opts, func(res *IncomingMessage) { res.Resume() })
			if err != nil {
				t.Fatal(err)
			}
			req.Events.Error.On(func(err error) { t.Errorf("request error: %v", err) })
			if err := c.act(req); err != nil {
				t.Fatal(err)
			}
			if err := w.Loop().Run(); err != nil {
				t.Fatal(err)
			}
			got := strings.ReplaceAll(peer.got[0], ":"+strconv.Itoa(peer.port), ":PORT")
			if got != want {
				t.Errorf("wire bytes differ\n got %q\nNode %q", got, want)
			}
		})
	}
}

// respond runs one GET against a raw peer answering with reply, and
// returns the request's and the response's events in order.
func fetchReply(t *testing.T, reply string, opts RequestOptions) []string {
	t.Helper()
	w, h := loopbackHost(t)
	peer := listenWire(t, h, func(got string, sock *simnet.Socket) {
		if requestComplete(got) {
			sock.Write([]byte(reply), nil)
			sock.End(nil, nil)
		}
	})
	var log []string
	opts.Host, opts.Port = "127.0.0.1", peer.port
	if !opts.NoAgent && opts.Agent == nil {
		opts.NoAgent = true
	}
	req, err := Get(h, "", opts, func(res *IncomingMessage) {
		log = append(log, fmt.Sprintf("response %d %s", res.StatusCode, res.RawHeaders))
		var body []byte
		res.Events.Data.On(func(p []byte) { body = append(body, p...) })
		res.Events.End.On(func(struct{}) { log = append(log, fmt.Sprintf("end %q", body)) })
		res.Events.Error.On(func(err error) { log = append(log, "res error "+simnet.CodeOf(err)) })
	})
	if err != nil {
		t.Fatal(err)
	}
	req.Events.Information().On(func(i Information) { log = append(log, fmt.Sprintf("information %d", i.StatusCode)) })
	req.Events.Error.On(func(err error) { log = append(log, "error "+simnet.CodeOf(err)) })
	req.Events.Close.On(func(struct{}) { log = append(log, "close") })
	if err := w.Loop().Run(); err != nil {
		t.Fatalf("loop: %v", err)
	}
	return log
}

func TestResponseShapes(t *testing.T) {
	for _, c := range []struct {
		name, reply string
		opts        RequestOptions
		want        string
	}{
		{"content-length", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi", RequestOptions{},
			`[response 200 [Content-Length 2] end "hi" close]`},
		{"chunked with trailer", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\nX-T: 1\r\n\r\n", RequestOptions{},
			`[response 200 [Transfer-Encoding chunked] end "hi" close]`},
		{"until close", "HTTP/1.1 200 OK\r\n\r\nall of it", RequestOptions{},
			`[response 200 [] end "all of it" close]`},
		{"head skips the body", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", RequestOptions{Method: "HEAD"},
			`[response 200 [Content-Length 5] end "" close]`},
		{"304 has no body", "HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n", RequestOptions{},
			`[response 304 [Content-Length 5] end "" close]`},
		{"1xx before the response", "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", RequestOptions{},
			`[information 103 response 200 [Content-Length 0] end "" close]`},
		{"max headers count", "HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nContent-Length: 0\r\n\r\n", RequestOptions{},
			`[response 200 [A 1 B 2 Content-Length 0] end "" close]`},
		{"cut short", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhi", RequestOptions{},
			`[response 200 [Content-Length 10] close res error ECONNRESET]`},
		{"bad status", "HTTP/1.1 abc OK\r\n\r\n", RequestOptions{}, `[error HPE_INVALID_STATUS close]`},
		{"bad version", "HTTP/9.9 200 OK\r\n\r\n", RequestOptions{}, `[error HPE_INVALID_VERSION close]`},
		{"header too large", "HTTP/1.1 200 OK\r\nA: " + strings.Repeat("x", 100) + "\r\n\r\n", RequestOptions{MaxHeaderSize: 64},
			`[error HPE_HEADER_OVERFLOW close]`},
		{"no response at all", "", RequestOptions{}, `[error ECONNRESET close]`},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := fmt.Sprint(fetchReply(t, c.reply, c.opts)); got != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
		})
	}
}

// TestGarbageResponsesNeverPanicOrHang feeds seeded random bytes, and
// random cuts of a valid response, to the client: every request ends with
// 'close', after a response or an error, and the world goes idle.
func TestGarbageResponsesNeverPanicOrHang(t *testing.T) {
	valid := "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX: y\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
	rng := rand.New(rand.NewPCG(7, 7))
	for i := range 200 {
		var reply []byte
		switch i % 3 {
		case 0:
			reply = make([]byte, rng.IntN(64))
			for j := range reply {
				reply[j] = byte(rng.IntN(256))
			}
		case 1:
			reply = []byte(valid[:rng.IntN(len(valid)+1)])
		default:
			reply = []byte(valid)
			reply[rng.IntN(len(reply))] = byte(rng.IntN(256))
		}
		log := fetchReply(t, string(reply), RequestOptions{})
		if len(log) == 0 || (log[len(log)-1] != "close" && !strings.HasPrefix(log[len(log)-1], "res error")) {
			t.Fatalf("reply %q: events %q do not end the request", reply, log)
		}
	}
}

// TestResponseSplitAnywhere slices every segment of the response to one
// byte: the client sees the same response.
func TestResponseSplitAnywhere(t *testing.T) {
	for _, size := range []int{0, 1, 3} {
		w, err := simnet.NewWorld(1)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := w.AddHost("client")
		api, _ := w.AddHost("api")
		if size > 0 {
			if _, err := w.AddRule(simnet.Rule{What: simnet.FaultSlice, Dir: simnet.ServerToClient, Size: size}); err != nil {
				t.Fatal(err)
			}
		}
		srv, err := CreateServer(api, ServerOptions{}, func(_ *IncomingMessage, res *ServerResponse) {
			_ = res.SetHeader("X-Long", strings.Repeat("v", 40))
			_, _ = res.Write([]byte("chunk one;"), nil)
			_ = res.End([]byte("chunk two"), nil)
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := srv.Listen(80, "", nil); err != nil {
			t.Fatal(err)
		}
		var body []byte
		var long string
		req, err := Get(c, "http://api/", RequestOptions{NoAgent: true}, func(res *IncomingMessage) {
			long, _ = res.Headers().Get("x-long")
			res.Events.Data.On(func(p []byte) { body = append(body, p...) })
		})
		if err != nil {
			t.Fatal(err)
		}
		req.Events.Close.On(func(struct{}) { srv.Close(nil) })
		if err := w.Loop().Run(); err != nil {
			t.Fatal(err)
		}
		if string(body) != "chunk one;chunk two" || len(long) != 40 {
			t.Errorf("segments of %d bytes: body %q, X-Long of %d bytes", size, body, len(long))
		}
	}
}

func TestWriteReportsBackpressureThenDrain(t *testing.T) {
	w, h := loopbackHost(t)
	total := 0
	peer := listenWire(t, h, func(got string, sock *simnet.Socket) {
		total = len(got)
		if requestComplete(got) {
			sock.End([]byte("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), nil)
		}
	})
	req, err := Request(h, "", RequestOptions{Host: "127.0.0.1", Port: peer.port, Method: "PUT", NoAgent: true,
		Headers: []HeaderField{{Name: "Content-Length", Values: []string{"100000"}}}}, func(res *IncomingMessage) { res.Resume() })
	if err != nil {
		t.Fatal(err)
	}
	chunk := []byte(strings.Repeat("x", 20000))
	var log []string
	sent := 0
	var pump func()
	pump = func() {
		for sent < 100000 {
			ok, err := req.Write(chunk, nil)
			if err != nil {
				t.Fatal(err)
			}
			sent += len(chunk)
			if !ok {
				log = append(log, fmt.Sprintf("full at %d", sent))
				return
			}
		}
		_ = req.End(nil, nil)
	}
	req.Events.Drain().On(func(struct{}) {
		log = append(log, "drain")
		pump()
	})
	pump()
	if err := w.Loop().Run(); err != nil {
		t.Fatal(err)
	}
	if len(log) < 2 || log[0] != "full at 20000" || log[1] != "drain" {
		t.Errorf("events %q: Write should return false past the high-water mark, then 'drain'", log)
	}
	if !strings.HasPrefix(fmt.Sprint(total), "1000") || total < 100000 {
		t.Errorf("server received %d bytes, want the head and 100000", total)
	}
}

func TestUpgradeHandsOverAPausedSocket(t *testing.T) {
	w, h := loopbackHost(t)
	peer := listenWire(t, h, func(got string, sock *simnet.Socket) {
		if strings.HasSuffix(got, "\r\n\r\n") {
			sock.Write([]byte("HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: Upgrade\r\n\r\nfirst"), nil)
			sock.End([]byte(" second"), nil)
		}
	})
	req, err := Request(h, "", RequestOptions{Host: "127.0.0.1", Port: peer.port, Headers: []HeaderField{
		{Name: "Connection", Values: []string{"Upgrade"}}, {Name: "Upgrade", Values: []string{"x"}}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got string
	req.Events.Upgrade().On(func(u UpgradedResponse) {
		if u.Res.StatusCode != 101 || !u.Socket.IsPaused() {
			t.Errorf("status %d, paused %v", u.Res.StatusCode, u.Socket.IsPaused())
		}
		got = string(u.Head)
		u.Socket.Events.Data.On(func(p []byte) { got += string(p) })
		u.Socket.Events.End.On(func(struct{}) { u.Socket.End(nil, nil) })
		u.Socket.Resume()
	})
	_ = req.End(nil, nil)
	if err := w.Loop().Run(); err != nil {
		t.Fatal(err)
	}
	if got != "first second" {
		t.Errorf("upgraded stream read %q, want every byte after the head", got)
	}
	if n := len(GlobalAgent(h).Sockets()); n != 0 {
		t.Errorf("the agent still counts the upgraded socket: %v", GlobalAgent(h).Sockets())
	}
}

// TestCreateConnectionOption covers the three answers of Node's
// createConnection option; a failure is 'error' with no 'close', as in Node.
func TestCreateConnectionOption(t *testing.T) {
	boom := errors.New("boom")
	for _, c := range []struct {
		name string
		make func(h *simnet.Host) func(simnet.ConnectOptions, func(*simnet.Socket, error)) (*simnet.Socket, error)
		want string
	}{
		{"returns the socket", func(h *simnet.Host) func(simnet.ConnectOptions, func(*simnet.Socket, error)) (*simnet.Socket, error) {
			return func(o simnet.ConnectOptions, _ func(*simnet.Socket, error)) (*simnet.Socket, error) {
				return h.Connect(o)
			}
		}, "[response close]"},
		{"answers later", func(h *simnet.Host) func(simnet.ConnectOptions, func(*simnet.Socket, error)) (*simnet.Socket, error) {
			return func(o simnet.ConnectOptions, cb func(*simnet.Socket, error)) (*simnet.Socket, error) {
				h.Loop().SetImmediate(func() { cb(h.Connect(o)) })
				return nil, nil
			}
		}, "[response close]"},
		{"fails", func(h *simnet.Host) func(simnet.ConnectOptions, func(*simnet.Socket, error)) (*simnet.Socket, error) {
			return func(simnet.ConnectOptions, func(*simnet.Socket, error)) (*simnet.Socket, error) { return nil, boom }
		}, "[error boom]"},
	} {
		t.Run(c.name, func(t *testing.T) {
			w, h := loopbackHost(t)
			peer := listenWire(t, h, func(got string, sock *simnet.Socket) {
				if requestComplete(got) {
					sock.End([]byte("HTTP/1.1 204 No Content\r\n\r\n"), nil)
				}
			})
			var log []string
			req, err := Get(h, "", RequestOptions{Host: "127.0.0.1", Port: peer.port, CreateConnection: c.make(h)}, func(res *IncomingMessage) {
				log = append(log, "response")
				res.Resume()
			})
			if err != nil {
				t.Fatal(err)
			}
			if req.Agent() != nil {
				t.Error("createConnection should replace the agent")
			}
			req.Events.Error.On(func(err error) { log = append(log, "error "+err.Error()) })
			req.Events.Close.On(func(struct{}) { log = append(log, "close") })
			if c.name == "fails" {
				w.Loop().Run()
			} else if err := w.Loop().Run(); err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(log) != c.want {
				t.Errorf("events %v, want %s", log, c.want)
			}
		})
	}
}

func TestRequestMethodsBeforeAndAfterTheSocket(t *testing.T) {
	w, h := loopbackHost(t)
	peer := listenWire(t, h, func(got string, sock *simnet.Socket) {})
	req, err := Request(h, "", RequestOptions{Host: "127.0.0.1", Port: peer.port}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := req.SetTimeout(-time.Second, nil); simnet.CodeOf(err) != "ERR_OUT_OF_RANGE" {
		t.Errorf("SetTimeout(-1s): %v", err)
	}
	req.SetNoDelay(true)
	req.SetSocketKeepAlive(true, time.Second)
	timedOut := false
	if err := req.SetTimeout(50*time.Millisecond, func() {
		timedOut = true
		req.Abort()
		req.Abort()
	}); err != nil {
		t.Fatal(err)
	}
	aborts := 0
	req.Events.Abort().On(func(struct{}) { aborts++ })
	// Once connected, an abort still ends in "socket hang up", as in Node
	// (client-abort-in-socket).
	var hangUp error
	req.Events.Error.On(func(err error) { hangUp = err })
	_ = req.End(nil, nil)
	if err := w.Loop().Run(); err != nil {
		t.Fatal(err)
	}
	if !timedOut || aborts != 1 || !req.Aborted() || !req.Destroyed() || !req.Finished() || !errors.Is(hangUp, simnet.ErrConnReset) {
		t.Errorf("timed out %v, aborts %d, aborted %v, destroyed %v, finished %v, error %v",
			timedOut, aborts, req.Aborted(), req.Destroyed(), req.Finished(), hangUp)
	}
	if req.Socket().TimeoutDuration() != 50*time.Millisecond {
		t.Errorf("socket timeout %v", req.Socket().TimeoutDuration())
	}
}

func TestWriteAfterEndFails(t *testing.T) {
	w, h := loopbackHost(t)
	peer := listenWire(t, h, func(got string, sock *simnet.Socket) {
		if requestComplete(got) {
			sock.End([]byte("HTTP/1.1 204 No Content\r\n\r\n"), nil)
		}
	})
	req, err := Get(h, "", RequestOptions{Host: "127.0.0.1", Port: peer.port, NoAgent: true}, func(res *IncomingMessage) { res.Resume() })
	if err != nil {
		t.Fatal(err)
	}
	var cbErr, evErr error
	req.Events.Error.On(func(err error) { evErr = err })
	if _, err := req.Write([]byte("late"), func(err error) { cbErr = err }); err != nil {
		t.Fatal(err)
	}
	if err := w.Loop().Run(); err != nil {
		t.Fatal(err)
	}
	if simnet.CodeOf(cbErr) != "ERR_STREAM_WRITE_AFTER_END" || simnet.CodeOf(evErr) != "ERR_STREAM_WRITE_AFTER_END" {
		t.Errorf("callback %v, 'error' %v", cbErr, evErr)
	}
}

// TestRequestObjectsKeepTheirSizeClass: a GET allocates a ClientRequest
// with its first response inside, zeroed per request, so a field more must
// not push it into Go's next size class unnoticed: 1,136 bytes and the
// 8-byte type header Go puts before a pointerful object past 512 bytes fit
// the 1,152-byte class, 16 bytes more would take 1,280. An IncomingMessage
// made on its own (a second response, or the server's request inside its
// exchange) fits 448 bytes, 8 to spare. It measures what the allocator
// hands out, so the header and the classes are Go's, not ours.
func TestRequestObjectsKeepTheirSizeClass(t *testing.T) {
	for _, c := range []struct {
		name  string
		class uint64
		alloc func() unsafe.Pointer
	}{
		{"ClientRequest", 1152, func() unsafe.Pointer { return unsafe.Pointer(new(ClientRequest)) }},
		{"IncomingMessage", 448, func() unsafe.Pointer { return unsafe.Pointer(new(IncomingMessage)) }},
	} {
		if per := bytesPerObject(256, c.alloc); per > c.class {
			t.Errorf("a %s takes %d bytes, over the %d-byte size class", c.name, per, c.class)
		}
	}
}
