package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"testing"

	"github.com/simhttp/simhttp/httpcore"
	"github.com/simhttp/simhttp/internal/refusing"
	"github.com/simhttp/simhttp/simnet"
)

// startEcho runs `serve --echo` on a loopback port and returns its address
// and a function that stops it and returns serve's result.
func startEcho(t *testing.T) (netip.AddrPort, func() error) {
	t.Helper()
	stop := make(chan os.Signal, 1)
	addrs := make(chan netip.AddrPort, 1)
	result := make(chan error, 1)
	go func() {
		result <- serve("127.0.0.1", 0, httpcore.EchoHandler, io.Discard, stop, func(a netip.AddrPort) { addrs <- a })
	}()
	select {
	case a := <-addrs:
		return a, func() error { stop <- os.Interrupt; return <-result }
	case err := <-result:
		t.Fatalf("serve ended before listening: %v", err)
	}
	return netip.AddrPort{}, nil
}

func TestServeEchoAnswersNetHTTPWithWhatItReceived(t *testing.T) {
	addr, stop := startEcho(t)
	req, err := http.NewRequest("POST", "http://"+addr.String()+"/p?q=1", strings.NewReader("hello"))
	if err != nil {
		t.Fatal(err)
	}
	req.Header["X-Dup"] = []string{"a", "b"}
	req.Header["Cookie"] = []string{"a=1", "b=2"}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var echo struct {
		Method, URL, HTTPVersion string
		Headers                  map[string]string
		RawHeaders               []string
		BodyLength               int
		BodySha256               string
	}
	err = json.NewDecoder(res.Body).Decode(&echo)
	res.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 200 || echo.Method != "POST" || echo.URL != "/p?q=1" || echo.HTTPVersion != "1.1" ||
		echo.Headers["x-dup"] != "a, b" || echo.Headers["cookie"] != "a=1; b=2" || echo.BodyLength != 5 ||
		echo.BodySha256 != "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824" {
		t.Errorf("status %d, echo %+v", res.StatusCode, echo)
	}
	http.DefaultClient.CloseIdleConnections()
	if err := stop(); err != nil {
		t.Fatalf("serve returned %v after SIGINT", err)
	}
}

// TestServeEchoAnswersBadBytesAsNodeDoes sends raw malformed requests: Node
// answers 400 or 431 with Connection: close and closes the connection.
func TestServeEchoAnswersBadBytesAsNodeDoes(t *testing.T) {
	addr, stop := startEcho(t)
	cases := []struct{ name, send, want string }{
		{"space in a header name", "GET / HTTP/1.1\r\nHost: x\r\nBad Header: v\r\n\r\n", "HTTP/1.1 400 Bad Request"},
		{"bad method", "G(T / HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 400 Bad Request"},
		{"header overflow", "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 17*1024) + "\r\n\r\n", "HTTP/1.1 431 Request Header Fields Too Large"},
	}
	for _, c := range cases {
		conn, err := net.Dial("tcp", addr.String())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(conn, c.send); err != nil {
			t.Fatal(err)
		}
		r := bufio.NewReader(conn)
		status, _ := r.ReadString('\n')
		rest, _ := io.ReadAll(r) // returns once the server closes
		conn.Close()
		if strings.TrimSpace(status) != c.want {
			t.Errorf("%s: status line %q, want %q", c.name, status, c.want)
		}
		if !strings.Contains(string(rest), "Connection: close") {
			t.Errorf("%s: answer lacks Connection: close: %q", c.name, rest)
		}
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

func TestServeReportsAPortInUse(t *testing.T) {
	addr, stop := startEcho(t)
	defer stop()
	err := serve("127.0.0.1", int(addr.Port()), httpcore.EchoHandler, io.Discard, make(chan os.Signal), nil)
	if !errors.Is(err, simnet.ErrAddrInUse) {
		t.Fatalf("serve on a port in use returned %v, want EADDRINUSE", err)
	}
}

func TestRequestPrintsTheResponseAndItsTrace(t *testing.T) {
	addr, stop := startEcho(t)
	defer stop()
	var out, errOut strings.Builder
	code := run([]string{"request", "-X", "PUT", "-H", "X-A: 1", "-d", "hi", "--keepalive", "--repeat", "2", "--trace", "http://" + addr.String() + "/r"}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	got := out.String()
	for _, want := range []string{"HTTP/1.1 200 OK", `"method":"PUT"`, `"x-a":"1"`, `"bodyLength":2`,
		"trace: req:socket req:finish req:response res:data* res:end req:close res:close"} {
		if strings.Count(got, want) != 2 {
			t.Errorf("output has %q %d times, want twice:\n%s", want, strings.Count(got, want), got)
		}
	}
}

// TestRequestFailsWithTheErrorCode: a refused connection prints Node's
// error and trace, and exits 3 since the server could not be reached.
func TestRequestFailsWithTheErrorCode(t *testing.T) {
	addr := refusing.Addr(t)
	var out, errOut strings.Builder
	code := run([]string{"request", "--trace", "http://" + addr.String() + "/"}, &out, &errOut)
	if code != 3 || !strings.Contains(out.String(), "trace: req:socket req:error(ECONNREFUSED) req:close") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out.String(), errOut.String())
	}
}
