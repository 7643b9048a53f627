package httpcore

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/simhttp/simhttp/simnet"
	"github.com/simhttp/simhttp/simnet/realtcp"
)

// The client over the operating system's TCP stack, against a real Node
// server and a Go net/http server on loopback.

// nodeServerScript answers /echo with the method, the headers it was sent
// and the body, and anything else with "hello <path>"; it prints its port
// and exits when its stdin closes.
const nodeServerScript = `
const http = require('http');
const server = http.createServer((req, res) => {
  let body = '';
  req.setEncoding('latin1');
  req.on('data', (d) => { body += d; });
  req.on('end', () => {
    if (req.url === '/echo') {
      res.setHeader('X-Method', req.method);
      res.setHeader('X-TE', String(req.headers['transfer-encoding']));
      res.end(body);
      return;
    }
    if (req.url === '/missing') { res.statusCode = 404; res.end('no'); return; }
    res.end('hello ' + req.url);
  });
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
`

// startNodeServer runs nodeServerScript and returns its port; the server
// ends with the test.
func startNodeServer(t *testing.T) int {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("SKIPPING the real-Node comparison: no `node` on PATH")
	}
	cmd := exec.Command(node, "-e", nodeServerScript)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("node server printed no port: %v", err)
	}
	port, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		t.Fatalf("node server printed %q", line)
	}
	return port
}

// startGoServer is the same service on Go's net/http.
func startGoServer(t *testing.T) int {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		switch r.URL.Path {
		case "/echo":
			w.Header().Set("X-Method", r.Method)
			te := "undefined"
			if len(r.TransferEncoding) > 0 {
				te = strings.Join(r.TransferEncoding, ",")
			}
			w.Header().Set("X-TE", te)
			w.Write(body)
		case "/missing":
			w.WriteHeader(404)
			fmt.Fprint(w, "no")
		default:
			fmt.Fprintf(w, "hello %s", r.URL.Path)
		}
	}))
	t.Cleanup(srv.Close)
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	port, _ := strconv.Atoi(u.Port())
	return port
}

// exchange is what a request got: the reused flag, status, a header and the
// body, or the error.
type exchange struct {
	reused bool
	status int
	header string
	body   string
	err    error
}

// sequence sends the requests one after the other over one keep-alive
// agent on a real-TCP runtime; each request's socket idle timeout guards
// against a server that never answers.
func sequence(t *testing.T, port int, reqs []RequestOptions, header string) []exchange {
	t.Helper()
	rt := realtcp.New()
	a, err := NewAgent(rt, AgentOptions{KeepAlive: true})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]exchange, len(reqs))
	var send func(i int)
	send = func(i int) {
		o := reqs[i]
		o.Host, o.Port, o.Agent = "127.0.0.1", port, a
		var body []byte
		req, err := Request(rt, "", o, func(res *IncomingMessage) {
			out[i].status = res.StatusCode
			out[i].header, _ = res.Headers().Get(header)
			res.Events.Data.On(func(p []byte) { body = append(body, p...) })
		})
		if err != nil {
			t.Fatal(err)
		}
		_ = req.SetTimeout(10*time.Second, func() { req.Destroy(nil) })
		req.Events.Error.On(func(err error) { out[i].err = err })
		req.Events.Close.On(func(struct{}) {
			out[i].reused, out[i].body = req.ReusedSocket(), string(body)
			if i+1 < len(reqs) {
				rt.Loop().SetImmediate(func() { send(i + 1) })
			}
		})
		if o.Method == "POST" {
			_, _ = req.Write([]byte("chunk one,"), nil)
			_ = req.End([]byte("chunk two"), nil)
			return
		}
		_ = req.End(nil, nil)
	}
	send(0)
	if err := rt.Run(); err != nil {
		t.Fatal(err)
	}
	a.Destroy()
	return out
}

func checkRealServer(t *testing.T, port int) {
	got := sequence(t, port, []RequestOptions{
		{Path: "/a"}, {Path: "/b"}, {Path: "/echo", Method: "POST"}, {Path: "/missing"},
	}, "x-te")
	want := []exchange{
		{reused: false, status: 200, body: "hello /a"},
		{reused: true, status: 200, body: "hello /b"},
		{reused: true, status: 200, header: "chunked", body: "chunk one,chunk two"},
		{reused: true, status: 404, body: "no"},
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("request %d: got %+v, want %+v", i+1, got[i], want[i])
		}
	}
}

func TestRealTCPAgainstNode(t *testing.T) { checkRealServer(t, startNodeServer(t)) }

func TestRealTCPAgainstNetHTTP(t *testing.T) { checkRealServer(t, startGoServer(t)) }

func TestRealTCPConnectionRefused(t *testing.T) {
	// A port a listener just gave back refuses connections.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	rt := realtcp.New()
	req, err := Get(rt, "", RequestOptions{Host: "127.0.0.1", Port: port, NoAgent: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var events []string
	req.Events.Error.On(func(err error) { events = append(events, "error "+simnet.CodeOf(err)) })
	req.Events.Close.On(func(struct{}) { events = append(events, "close") })
	if err := rt.Run(); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(events) != "[error ECONNREFUSED close]" {
		t.Errorf("events %v", events)
	}
}

var fetchDateLine = regexp.MustCompile(`(?m)^Date: .*\n`)

func TestFetchOverRealTCP(t *testing.T) {
	port := startGoServer(t)
	var out strings.Builder
	err := Fetch(realtcp.New(), FetchSpec{
		URL: fmt.Sprintf("http://127.0.0.1:%d/echo", port), Body: []byte("data"), KeepAlive: true, Repeat: 2, Trace: true,
	}, &out)
	if err != nil {
		t.Fatal(err)
	}
	one := "HTTP/1.1 200 OK\nX-Method: POST\nX-Te: undefined\nContent-Length: 4\nContent-Type: text/plain; charset=utf-8\n\ndata\n" +
		"trace: req:socket req:finish req:response res:data* res:end req:close res:close\n"
	if got := fetchDateLine.ReplaceAllString(out.String(), ""); got != one+one {
		t.Errorf("got:\n%s\nwant:\n%s", got, one+one)
	}
}
