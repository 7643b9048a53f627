package httpcore

import (
	"bufio"
	"encoding/json"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/simhttp/simhttp/simnet"
)

// idleRuntime is a runtime whose sockets never connect: enough to build
// requests and watch what they do before any byte moves.
type idleRuntime struct{ loop *simnet.Loop }

func newIdleRuntime() *idleRuntime { return &idleRuntime{loop: simnet.NewLoop()} }

func (r *idleRuntime) Loop() *simnet.Loop { return r.loop }

func (r *idleRuntime) Connect(simnet.ConnectOptions) (*simnet.Socket, error) {
	s, _ := simnet.NewSocket(r.loop, simnet.SocketOptions{})
	return s, nil
}

func (r *idleRuntime) Listen(simnet.ListenOptions, func(*simnet.Socket)) (simnet.Listener, error) {
	return nil, errors.New("idleRuntime: no listeners")
}

func (r *idleRuntime) Lookup(host string, family int, cb func(netip.Addr, error)) {}

// readClientFixture returns the tab-separated lines of a recorded Node output.
func readClientFixture(t *testing.T, name string) [][2]string {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "fixtures", "node", "client-extra", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out [][2]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "\t")
		if !ok {
			t.Fatalf("%s: line without a tab: %q", name, sc.Text())
		}
		out = append(out, [2]string{k, v})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestURLsReadAsNodeReadsThem compares parseRequestURL with what Node v20's
// new URL() and urlToHttpOptions make of the same strings (url.js).
func TestURLsReadAsNodeReadsThem(t *testing.T) {
	for _, line := range readClientFixture(t, "url.txt") {
		var input string
		if err := json.Unmarshal([]byte(line[0]), &input); err != nil {
			t.Fatalf("bad fixture input %s: %v", line[0], err)
		}
		u, err := parseRequestURL(input)
		var got string
		if err != nil {
			got = simnet.CodeOf(err)
		} else {
			m := map[string]any{"protocol": u.protocol, "hostname": u.hostname, "path": u.path}
			if u.port != 0 {
				m["port"] = u.port
			}
			if u.auth != "" {
				m["auth"] = u.auth
			}
			b, _ := json.Marshal(m)
			got = string(b)
		}
		want := line[1]
		if strings.HasPrefix(want, "{") {
			want = canonicalJSON(t, want)
		}
		if got != want {
			t.Errorf("%s: got %s, Node %s", line[0], got, want)
		}
	}
}

func canonicalJSON(t *testing.T, s string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// TestInvalidOptionsFailAsNodeThrows builds each case of options.js in Go
// and compares the synchronous error's code and message with Node's.
func TestInvalidOptionsFailAsNodeThrows(t *testing.T) {
	never := func(simnet.ConnectOptions, func(*simnet.Socket, error)) (*simnet.Socket, error) { return nil, nil }
	build := func(url string, o RequestOptions) (*ClientRequest, error) {
		if o.CreateConnection == nil && !o.NoAgent {
			o.CreateConnection = never
		}
		return Request(newIdleRuntime(), url, o, nil)
	}
	req := func(url string, o RequestOptions) (string, error) {
		_, err := build(url, o)
		return "", err
	}
	hdr := func(name string, values ...string) []HeaderField { return []HeaderField{{Name: name, Values: values}} }
	agent := func(o AgentOptions) (string, error) {
		_, err := NewAgent(newIdleRuntime(), o)
		return "", err
	}
	cases := map[string]func() (string, error){
		"method-space":       func() (string, error) { return req("", RequestOptions{Method: "BAD METHOD"}) },
		"method-empty-token": func() (string, error) { return req("", RequestOptions{Method: "G(T"}) },
		"method-lower": func() (string, error) {
			r, err := build("", RequestOptions{Method: "get"})
			if err != nil {
				return "", err
			}
			return r.Method(), nil
		},
		"path-space":               func() (string, error) { return req("", RequestOptions{Path: "/a b"}) },
		"path-control":             func() (string, error) { return req("", RequestOptions{Path: "/a\tb"}) },
		"path-unicode":             func() (string, error) { return req("", RequestOptions{Path: "/\u0100"}) },
		"protocol-https":           func() (string, error) { return req("", RequestOptions{Protocol: "https:"}) },
		"protocol-ftp":             func() (string, error) { return req("", RequestOptions{Protocol: "ftp:"}) },
		"url-https":                func() (string, error) { return req("https://example.com/", RequestOptions{}) },
		"url-invalid":              func() (string, error) { return req("not a url", RequestOptions{}) },
		"url-empty-host":           func() (string, error) { return req("http://", RequestOptions{}) },
		"timeout-negative":         func() (string, error) { return req("", RequestOptions{Timeout: new(-time.Millisecond)}) },
		"max-header-size-negative": func() (string, error) { return req("", RequestOptions{MaxHeaderSize: -1}) },
		"header-name":              func() (string, error) { return req("", RequestOptions{Headers: hdr("bad name", "x")}) },
		"header-name-empty":        func() (string, error) { return req("", RequestOptions{Headers: hdr("", "x")}) },
		"header-value-newline":     func() (string, error) { return req("", RequestOptions{Headers: hdr("a", "x\ny")}) },
		"header-value-undefined":   func() (string, error) { return req("", RequestOptions{Headers: hdr("a")}) },
		"raw-headers-odd":          func() (string, error) { return req("", RequestOptions{RawHeaders: []string{"a", "b", "c"}}) },
		"raw-headers-bad-name":     func() (string, error) { return req("", RequestOptions{RawHeaders: []string{"bad name", "b"}}) },
		"family-5": func() (string, error) {
			return req("", RequestOptions{Host: "127.0.0.1", Port: 1, Family: 5, NoAgent: true})
		},
		"port-out-of-range": func() (string, error) { return req("", RequestOptions{Host: "127.0.0.1", Port: 70000, NoAgent: true}) },
		"port-negative":     func() (string, error) { return req("", RequestOptions{Host: "127.0.0.1", Port: -1, NoAgent: true}) },
		"local-port-bad": func() (string, error) {
			return req("", RequestOptions{Host: "127.0.0.1", Port: 1, LocalPort: 70000, NoAgent: true})
		},
		"local-address-bad": func() (string, error) {
			return req("", RequestOptions{Host: "127.0.0.1", Port: 1, LocalAddress: "nope", NoAgent: true})
		},
		"agent-scheduling":         func() (string, error) { return agent(AgentOptions{Scheduling: "random"}) },
		"agent-max-total-negative": func() (string, error) { return agent(AgentOptions{MaxTotalSockets: -1}) },
	}
	// What JavaScript can pass and Go's types cannot.
	inexpressible := map[string]string{
		"timeout-nan":              "a time.Duration is never NaN",
		"max-header-size-fraction": "an int is never fractional",
		"agent-max-total-zero":     "zero is the unset value of a Go field",
		"agent-not-agent":          "RequestOptions.Agent is typed *Agent",
	}
	for _, line := range readClientFixture(t, "options.txt") {
		name, want := line[0], line[1]
		run, ok := cases[name]
		if !ok {
			if inexpressible[name] == "" {
				t.Errorf("%s: Node case with no Go counterpart", name)
			}
			continue
		}
		ret, err := run()
		got := strings.TrimSpace("ok " + ret)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Errorf("%s: error %v is not an *httpcore.Error", name, err)
				continue
			}
			got = e.Code + " " + e.Message
		}
		if got != want {
			t.Errorf("%s:\n got %s\nNode %s", name, got, want)
		}
	}
}

func TestSocketPathIsRefusedClearly(t *testing.T) {
	_, err := Request(newIdleRuntime(), "", RequestOptions{SocketPath: "/tmp/x.sock"}, nil)
	if simnet.CodeOf(err) != "ERR_INVALID_ARG_VALUE" || !strings.Contains(err.Error(), "socketPath") {
		t.Fatalf("got %v, want ERR_INVALID_ARG_VALUE naming socketPath", err)
	}
}

func TestOptionsWinOverTheURL(t *testing.T) {
	rt := newIdleRuntime()
	r, err := Request(rt, "http://u:p@example.com:8080/from-url?q=1", RequestOptions{Path: "/from-options", Method: "post"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Path() != "/from-options" || r.Method() != "POST" || r.Host() != "example.com" || r.Protocol() != "http:" {
		t.Errorf("got path %q method %q host %q protocol %q", r.Path(), r.Method(), r.Host(), r.Protocol())
	}
	if got := r.GetHeader("host"); got != "example.com:8080" {
		t.Errorf("Host header %v, want example.com:8080", got)
	}
	if got := r.GetHeader("authorization"); got != "Basic dTpw" {
		t.Errorf("Authorization header %v, want Basic dTpw", got)
	}
	// The URL's hostname wins over the host option, as in Node, where
	// hostname takes precedence over host.
	r, err = Request(rt, "http://a.example/", RequestOptions{Host: "b.example"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Host() != "a.example" {
		t.Errorf("host %q, want the URL's a.example", r.Host())
	}
}

func TestHostHeaderForms(t *testing.T) {
	cases := []struct {
		opts RequestOptions
		want any
	}{
		{RequestOptions{Host: "::1", Port: 8080}, "[::1]:8080"},
		{RequestOptions{Host: "x.example"}, "x.example"},
		{RequestOptions{Host: "x.example", Port: 80}, "x.example"},
		{RequestOptions{Host: "x.example", Port: 81, DefaultPort: 81}, "x.example"},
		{RequestOptions{Host: "x.example", SetHost: new(false)}, nil},
		{RequestOptions{Host: "x.example", Headers: []HeaderField{{Name: "HOST", Values: []string{"mine"}}}}, "mine"},
	}
	for _, c := range cases {
		r, err := Request(newIdleRuntime(), "", c.opts, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.GetHeader("host"); got != c.want {
			t.Errorf("%+v: Host %v, want %v", c.opts, got, c.want)
		}
	}
}

func TestAbortControllerRunsListenersOnce(t *testing.T) {
	c := NewAbortController()
	n := 0
	off := c.Signal().onAbort(func() { n++ })
	c.Signal().onAbort(func() { n += 10 })
	off()
	c.Abort(nil)
	c.Abort(nil)
	if n != 10 {
		t.Fatalf("listeners ran %d, want only the one left, once", n)
	}
	if !c.Signal().Aborted() || simnet.CodeOf(c.Signal().Reason()) != "ABORT_ERR" {
		t.Fatalf("signal aborted=%v reason=%v", c.Signal().Aborted(), c.Signal().Reason())
	}
}

// TestHostHeaderFollowsTheOrigin sends one agent's requests to several
// origins in turn: the Host header an agent keeps from its last request is
// only reused for the same host, port and default port.
func TestHostHeaderFollowsTheOrigin(t *testing.T) {
	a := &Agent{}
	for _, c := range []struct {
		host       string
		port, dflt int
		want       string
	}{
		{"127.0.0.1", 80, 80, "127.0.0.1"},
		{"127.0.0.1", 80, 80, "127.0.0.1"},
		{"127.0.0.1", 8080, 80, "127.0.0.1:8080"},
		{"127.0.0.1", 8080, 8080, "127.0.0.1"},
		{"example.com", 8080, 8080, "example.com"},
		{"::1", 80, 80, "[::1]"},
		{"::1", 81, 80, "[::1]:81"},
		{"[::1]", 81, 80, "[::1]:81"},
		{"127.0.0.1", 80, 80, "127.0.0.1"},
	} {
		for _, agent := range []*Agent{a, nil} {
			sp := requestSpec{agent: agent, host: c.host, port: c.port, defaultPort: c.dflt}
			if got, _ := hostHeader(&sp); got != c.want {
				t.Errorf("host %q port %d default %d, agent %v: Host %q, want %q", c.host, c.port, c.dflt, agent != nil, got, c.want)
			}
		}
	}
}
