package proxy_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/simhttp/simhttp/internal/refusing"
	"github.com/simhttp/simhttp/proxy"
	"github.com/simhttp/simhttp/simnet"
)

func goServer(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello "+r.URL.Path)
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

// get makes n POSTs in turn on one keep-alive client; each result is the
// body or "error". POSTs, because Go's Transport retries a GET whose reused
// connection failed before any response byte, and would hide the fault.
func get(t *testing.T, addr string, n int) []string {
	t.Helper()
	tr := &http.Transport{MaxConnsPerHost: 1}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	var out []string
	for i := 1; i <= n; i++ {
		res, err := client.Post("http://"+addr+"/"+string(rune('0'+i)), "text/plain", nil)
		if err != nil {
			out = append(out, "error")
			continue
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			out = append(out, "error")
			continue
		}
		out = append(out, string(body))
	}
	return out
}

// TestGoPeers checks the faults of the Node end-to-end tests with Go's
// net/http on both sides, so they are checked where Node is missing.
func TestGoPeers(t *testing.T) {
	upstream := goServer(t)
	for _, c := range []struct {
		name, rules string
		n           int
		want        string
		requests    int
	}{
		{"no rules", ``, 3, "hello /1,hello /2,hello /3", 3},
		{"reset after the response headers of request 2", `[{"what":"reset","request":2,"after":"response headers"}]`, 3, "hello /1,error,hello /3", 3},
		{"close before request 3", `[{"what":"close","request":3}]`, 4, "hello /1,hello /2,error,hello /4", 4},
		{"close on reuse", `[{"what":"close on reuse"}]`, 2, "hello /1,error", 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := startProxy(t, upstream, c.rules)
			if got := strings.Join(get(t, p.Addr(), c.n), ","); got != c.want {
				t.Errorf("got %s, want %s", got, c.want)
			}
			counters := p.Counters()
			if counters.Requests != c.requests {
				t.Errorf("%d requests counted, want %d", counters.Requests, c.requests)
			}
			if fired := len(counters.Faults); (c.rules == "") != (fired == 0) {
				t.Errorf("%d faults fired", fired)
			}
		})
	}
}

// rawUpstream accepts one connection, records everything it receives, and
// answers with reply once it has received until.
func rawUpstream(t *testing.T, until, reply string) (string, func() []byte) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var got []byte
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := ln.Accept()
		ln.Close()
		if err != nil {
			return
		}
		defer c.Close()
		buf := make([]byte, 4096)
		replied := false
		for {
			n, err := c.Read(buf)
			mu.Lock()
			got = append(got, buf[:n]...)
			ready := !replied && bytes.Contains(got, []byte(until))
			mu.Unlock()
			if ready {
				replied = true
				c.Write([]byte(reply))
				c.(*net.TCPConn).CloseWrite()
			}
			if err != nil {
				return
			}
		}
	}()
	return ln.Addr().String(), func() []byte {
		<-done
		mu.Lock()
		defer mu.Unlock()
		return got
	}
}

// Pipelined, chunked, 1xx, upgraded, CONNECT and malformed messages all
// cross the proxy byte for byte, and malformed HTTP is only logged.
func TestBytesPassUnchanged(t *testing.T) {
	for _, c := range []struct{ name, request, response string }{
		{"pipelined", "GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n",
			"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\naHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;x=y\r\nb\r\n0\r\nT: 1\r\n\r\n"},
		{"1xx", "POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi",
			"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n"},
		{"upgrade", "GET / HTTP/1.1\r\nConnection: upgrade\r\nUpgrade: x\r\n\r\n\x00\x01\x02binary",
			"HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\nUpgrade: x\r\n\r\n\xff\xfe not http at all"},
		{"CONNECT", "CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n\x16\x03\x01\x00\x05hello",
			"HTTP/1.1 200 Connection Established\r\n\r\n\x16\x03\x03\x00\x02ok"},
		{"malformed", "GET / HTTP/1.1\r\nBad Header Line\r\n\r\n", "HTTP/1.1 400 Bad Request\r\n\r\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			// The upstream answers once the whole request arrived.
			last := c.request[len(c.request)-4:]
			upstream, received := rawUpstream(t, last, c.response)
			var logged bytes.Buffer
			var logMu sync.Mutex
			p, err := proxy.Start(proxy.Options{Upstream: upstream, Log: log.New(lockedWriter{&logMu, &logged}, "", 0),
				Rules: mustRules(t, `[{"what":"reset","request":9,"after":"response"}]`)})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			conn, err := net.Dial("tcp", p.Addr())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.Write([]byte(c.request))
			got, err := io.ReadAll(conn)
			if err != nil {
				t.Fatal(err)
			}
			conn.(*net.TCPConn).CloseWrite()
			if string(got) != c.response {
				t.Errorf("the client got %q, want %q", got, c.response)
			}
			if up := received(); string(up) != c.request {
				t.Errorf("the upstream got %q, want %q", up, c.request)
			}
			logMu.Lock()
			defer logMu.Unlock()
			if complained := strings.Contains(logged.String(), "not following HTTP"); complained != (c.name == "malformed") {
				t.Errorf("log: %q", logged.String())
			}
		})
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// writerFunc is a function that serves as an io.Writer.
type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func mustRules(t *testing.T, js string) []simnet.Rule {
	t.Helper()
	rs, err := proxy.CheckRules("test", []byte(js))
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// A client whose upstream cannot be reached is reset, whenever the reset
// reaches it: before its connect returns, between its connect and its
// write (the write then reports the reset, and consumes it: the read
// after it sees only the end), or after its write. With OnUpstreamError
// 502 it gets a 502 instead.
func TestDeadUpstreamResetsTheClientOrAnswers502(t *testing.T) {
	for _, c := range []struct {
		name string
		code int
		late bool // the client writes only once the proxy has closed the connection
	}{
		{"reset", 0, false},
		{"reset before the client writes", 0, true},
		{"502", 502, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			var logged bytes.Buffer
			var mu sync.Mutex
			said := make(chan struct{}) // the proxy logged the connection's failed dial
			logTo := writerFunc(func(b []byte) (int, error) {
				mu.Lock()
				defer mu.Unlock()
				if !strings.Contains(logged.String(), "unreachable") && bytes.Contains(b, []byte("unreachable")) {
					close(said)
				}
				return logged.Write(b)
			})
			p, err := proxy.Start(proxy.Options{Upstream: refusing.Addr(t).String(), OnUpstreamError: c.code, Log: log.New(logTo, "", 0)})
			if err != nil {
				t.Fatal(err)
			}
			var got []byte
			conn, err := net.Dial("tcp", p.Addr())
			if err == nil {
				if c.late {
					// Once the proxy has given up on the upstream, Close
					// waits for it to have reset the connection.
					<-said
					p.Close()
				}
				if _, err = conn.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")); err == nil {
					got, err = io.ReadAll(conn)
				}
				conn.Close()
			}
			p.Close()
			if c.code == 0 && !errors.Is(err, syscall.ECONNRESET) {
				t.Errorf("without --on-upstream-error: got %q, %v; want a reset", got, err)
			}
			if c.code == 502 {
				res, rerr := http.ReadResponse(bufio.NewReader(bytes.NewReader(got)), nil)
				if err != nil || rerr != nil || res.StatusCode != 502 {
					t.Errorf("with 502: got %q, %v, %v", got, err, rerr)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if !strings.Contains(logged.String(), "unreachable") {
				t.Errorf("log %q does not say the upstream is unreachable", logged.String())
			}
		})
	}
}

func TestControlAPI(t *testing.T) {
	upstream := goServer(t)
	p := startProxy(t, upstream, "")
	api := httptest.NewServer(p.ControlHandler())
	defer api.Close()
	call := func(method, path, body string) (int, string) {
		req, _ := http.NewRequest(method, api.URL+path, strings.NewReader(body))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, strings.TrimSpace(string(b))
	}
	for _, bad := range []struct{ body, want string }{
		{`{"what":`, "bad JSON"},
		{`{"what":"reset","colour":1}`, `key \"colour\": unknown key`},
		{`[{"what":"reset"},{"what":"partition"}]`, `rule[1] key \"what\"`},
		{`{"what":"reset","server":"db"}`, `key \"server\"`},
	} {
		if code, body := call("POST", "/rules", bad.body); code != 400 || !strings.Contains(body, bad.want) {
			t.Errorf("POST %s: %d %s, want 400 with %s", bad.body, code, body, bad.want)
		}
	}
	if code, body := call("POST", "/rules", `{"what":"close","request":2}`); code != 201 || body != `{"ids":[1]}` {
		t.Fatalf("add: %d %s", code, body)
	}
	if got := strings.Join(get(t, p.Addr(), 3), ","); got != "hello /1,error,hello /3" {
		t.Errorf("with the rule: %s", got)
	}
	code, body := call("GET", "/counters", "")
	var counters proxy.Counters
	if code != 200 || json.Unmarshal([]byte(body), &counters) != nil || counters.Requests != 3 ||
		len(counters.Faults) != 1 || counters.Faults[0].Request != 2 || counters.Faults[0].Connection != 1 {
		t.Errorf("counters: %d %s", code, body)
	}
	if code, body := call("GET", "/rules", ""); code != 200 || body != `[{"id":1,"rule":{"what":"close","request":2},"fired":1}]` {
		t.Errorf("list: %d %s", code, body)
	}
	if code, _ := call("DELETE", "/rules/1", ""); code != 204 {
		t.Errorf("remove: %d", code)
	}
	if code, _ := call("DELETE", "/rules/1", ""); code != 404 {
		t.Errorf("remove again: %d", code)
	}
	if code, _ := call("POST", "/reset", ""); code != 204 {
		t.Errorf("reset: %d", code)
	}
	if c := p.Counters(); c.Requests != 0 || c.Connections != 0 || len(c.Faults) != 0 {
		t.Errorf("after reset: %+v", c)
	}
}

// The capture shows both legs of every connection, with the RST the
// proxy sent.
func TestRecordWritesBothLegsWithTheInjectedReset(t *testing.T) {
	upstream := goServer(t)
	var capture bytes.Buffer
	p, err := proxy.Start(proxy.Options{Upstream: upstream, Record: &capture,
		Rules: mustRules(t, `[{"what":"reset","request":2,"after":"response headers"}]`)})
	if err != nil {
		t.Fatal(err)
	}
	get(t, p.Addr(), 2)
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := pcapgo.NewReader(&capture)
	if err != nil {
		t.Fatal(err)
	}
	ports := map[layers.TCPPort]bool{}
	resets, requests := 0, 0
	for {
		data, _, err := r.ReadPacketData()
		if err != nil {
			break
		}
		pkt := gopacket.NewPacket(data, layers.LayerTypeEthernet, gopacket.Default)
		tcp, ok := pkt.Layer(layers.LayerTypeTCP).(*layers.TCP)
		if !ok {
			t.Fatalf("a packet without TCP: %v", pkt)
		}
		ports[tcp.DstPort] = true
		if tcp.RST {
			resets++
		}
		if bytes.HasPrefix(tcp.Payload, []byte("POST /")) {
			requests++
		}
	}
	// Two legs per connection; the reset hit both legs of the first.
	if resets != 2 || requests != 4 || len(ports) < 4 {
		t.Errorf("%d resets, %d requests, ports %v; want 2 resets and each request on both legs", resets, requests, ports)
	}
}
