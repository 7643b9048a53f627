package replay

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/simhttp/simhttp/httpcore"
	"github.com/simhttp/simhttp/simnet"
	"github.com/simhttp/simhttp/simnet/realtcp"
)

// captureOf reads a capture built from conversations.
func captureOf(t testing.TB, convs ...*conv) *Capture {
	t.Helper()
	var pkts [][]tpkt
	for _, c := range convs {
		pkts = append(pkts, c.pkts)
	}
	c, err := ReadCapture(bytes.NewReader(pcapOf(t, pkts...)))
	if err != nil {
		t.Fatalf("ReadCapture: %v", err)
	}
	return c
}

const (
	itemsA = `{"items":[1,2],"page":1}`
	itemsB = `{"items":[3],"page":1}`
)

// shopCapture is a capture of a small API: the same GET answered twice
// differently, two logins told apart by their bodies, a chunked response,
// a tenant header, and a response read until the connection closed.
func shopCapture(t testing.TB) *Capture {
	c1 := newConv("10.0.0.1:40000", "10.0.0.2:80").handshake().
		send("GET /items?page=1 HTTP/1.1\r\nHost: shop\r\n\r\n").
		reply("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nDate: Wed, 01 May 2024 12:00:00 GMT\r\nContent-Length: 24\r\n\r\n" + itemsA).
		send("GET /items?page=1 HTTP/1.1\r\nHost: shop\r\n\r\n").
		reply("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nDate: Wed, 01 May 2024 12:00:01 GMT\r\nContent-Length: 22\r\n\r\n" + itemsB).
		send("POST /login HTTP/1.1\r\nHost: shop\r\nContent-Length: 6\r\n\r\nuser=a").
		reply("HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\ntoken-a").
		send("POST /login HTTP/1.1\r\nHost: shop\r\nContent-Length: 6\r\n\r\nuser=b").
		reply("HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n").
		close()
	c2 := newConv("10.0.0.3:40001", "10.0.0.2:80").handshake().
		send("GET /chunked HTTP/1.1\r\nHost: shop\r\n\r\n").
		reply("HTTP/1.1 200 OK\r\nX-First: 1\r\nTransfer-Encoding: chunked\r\nX-Last: 2\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n").
		send("GET /t HTTP/1.1\r\nHost: shop\r\nX-Tenant: a\r\n\r\n").
		reply("HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\ntenant a").
		send("GET /t HTTP/1.1\r\nHost: shop\r\nX-Tenant: b\r\n\r\n").
		reply("HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\ntenant b").
		close()
	c3 := newConv("10.0.0.4:40002", "10.0.0.2:80").handshake().
		send("GET /until-close HTTP/1.1\r\nHost: shop\r\n\r\n").
		reply("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil close").
		finS().finC().ackS()
	return captureOf(t, c1, c2, c3)
}

// simMock is a world whose host "server" serves a mock on port 80.
type simMock struct {
	w      *simnet.World
	client *simnet.Host
	srv    *httpcore.Server
}

// clientServerWorld is a world of seed with the hosts "client" and "server".
func clientServerWorld(t *testing.T, seed uint64) (w *simnet.World, client, server *simnet.Host) {
	t.Helper()
	w, err := simnet.NewWorld(seed)
	if err != nil {
		t.Fatal(err)
	}
	if client, err = w.AddHost("client"); err != nil {
		t.Fatal(err)
	}
	if server, err = w.AddHost("server"); err != nil {
		t.Fatal(err)
	}
	return w, client, server
}

func newSimMock(t *testing.T, c *Capture, opts MockOptions) *simMock {
	t.Helper()
	w, client, server := clientServerWorld(t, 1)
	srv, err := ServeMock(server, ":80", c, opts)
	if err != nil {
		t.Fatal(err)
	}
	// The listener must not keep the world running once the clients are done.
	srv.Unref()
	return &simMock{w: w, client: client, srv: srv}
}

// simResponse is what a client received.
type simResponse struct {
	Status int
	Raw    []string
	Body   string
}

// do sends one request on its own connection and runs the world until the
// response has ended.
func (m *simMock) do(t *testing.T, method, path, body string, headers ...string) simResponse {
	t.Helper()
	var got simResponse
	var failed error
	req, err := httpcore.Request(m.client, "http://server:80"+path, httpcore.RequestOptions{Method: method, NoAgent: true, RawHeaders: append([]string{"Host", "shop"}, headers...)}, func(res *httpcore.IncomingMessage) {
		got.Status, got.Raw = res.StatusCode, res.RawHeaders
		res.Events.Data.On(func(p []byte) { got.Body += string(p) })
	})
	if err != nil {
		t.Fatal(err)
	}
	req.Events.Error.On(func(err error) { failed = err })
	if err := req.End([]byte(body), nil); err != nil {
		t.Fatal(err)
	}
	if err := m.w.Loop().Run(); err != nil {
		t.Fatal(err)
	}
	if failed != nil {
		t.Fatalf("%s %s: %v", method, path, failed)
	}
	return got
}

func TestMockAnswersInCapturedOrderThenRepeatsTheLast(t *testing.T) {
	m := newSimMock(t, shopCapture(t), MockOptions{})
	var bodies []string
	for range 3 {
		bodies = append(bodies, m.do(t, "GET", "/items?page=1", "").Body)
	}
	if diff := cmp.Diff([]string{itemsA, itemsB, itemsB}, bodies); diff != "" {
		t.Errorf("bodies (-want +got):\n%s", diff)
	}
}

func TestMockMatchesMethodPathAndBody(t *testing.T) {
	m := newSimMock(t, shopCapture(t), MockOptions{})
	got := []simResponse{
		m.do(t, "POST", "/login", "user=b"),
		m.do(t, "POST", "/login", "user=a"),
		m.do(t, "GET", "/items?page=2", ""),
		m.do(t, "PUT", "/login", "user=a"),
	}
	statuses := []int{got[0].Status, got[1].Status, got[2].Status, got[3].Status}
	if diff := cmp.Diff([]int{401, 200, 404, 404}, statuses); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	if got[1].Body != "token-a" {
		t.Errorf("POST user=a got %q", got[1].Body)
	}
}

func TestUnmatchedRequestGets404NamingTheClosest(t *testing.T) {
	m := newSimMock(t, shopCapture(t), MockOptions{})
	tests := []struct {
		method, path string
		want         unmatched
	}{
		{"GET", "/itemz", unmatched{Request: requestSummary{"GET", "/itemz"},
			Closest: &closestEntry{"GET", "/items?page=1", 1, 1}}},
		{"POST", "/t", unmatched{Request: requestSummary{"POST", "/t"},
			Closest: &closestEntry{"POST", "/login", 1, 3}}},
		{"DELETE", "/t?x", unmatched{Request: requestSummary{"DELETE", "/t?x"},
			Closest: &closestEntry{"GET", "/t", 2, 2}}},
	}
	for _, tc := range tests {
		res := m.do(t, tc.method, tc.path, "")
		if res.Status != 404 {
			t.Errorf("%s %s: status %d", tc.method, tc.path, res.Status)
		}
		var got unmatched
		if err := json.Unmarshal([]byte(res.Body), &got); err != nil {
			t.Fatalf("%s %s: body %q: %v", tc.method, tc.path, res.Body, err)
		}
		tc.want.Error = "no captured exchange matches this request"
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s %s: 404 body (-want +got):\n%s", tc.method, tc.path, diff)
		}
	}
}

func TestAnEmptyMockAnswers404WithNoClosest(t *testing.T) {
	m := newSimMock(t, &Capture{}, MockOptions{})
	res := m.do(t, "GET", "/", "")
	if res.Status != 404 || !strings.Contains(res.Body, `"closest":null`) {
		t.Errorf("got %d %q", res.Status, res.Body)
	}
}

func TestMockOptionsLoosenOrTightenMatching(t *testing.T) {
	c := shopCapture(t)
	loose := newSimMock(t, c, MockOptions{IgnoreQuery: true, IgnoreBody: true})
	if got := loose.do(t, "GET", "/items?page=7", "").Body; got != itemsA {
		t.Errorf("IgnoreQuery: got %q", got)
	}
	if got := loose.do(t, "POST", "/login", "user=zzz").Body; got != "token-a" {
		t.Errorf("IgnoreBody: got %q", got)
	}

	byTenant := newSimMock(t, c, MockOptions{MatchHeaders: []string{"x-TENANT"}})
	got := []string{
		byTenant.do(t, "GET", "/t", "", "X-Tenant", "b").Body,
		byTenant.do(t, "GET", "/t", "", "x-tenant", "a").Body,
	}
	if diff := cmp.Diff([]string{"tenant b", "tenant a"}, got); diff != "" {
		t.Errorf("MatchHeaders (-want +got):\n%s", diff)
	}
	if res := byTenant.do(t, "GET", "/t", ""); res.Status != 404 {
		t.Errorf("MatchHeaders: a request without the header got %d", res.Status)
	}

	plain := newSimMock(t, c, MockOptions{})
	if got := plain.do(t, "GET", "/t", "", "X-Tenant", "b").Body; got != "tenant a" {
		t.Errorf("without MatchHeaders the first /t answers: got %q", got)
	}
}

// rawExchange writes one request on a raw connection and returns every
// byte the server sent until it closed.
func (m *simMock) rawExchange(t *testing.T, request string) string {
	t.Helper()
	sock, err := m.client.Connect(simnet.ConnectOptions{Host: "server", Port: 80})
	if err != nil {
		t.Fatal(err)
	}
	var got strings.Builder
	sock.Events.Data.On(func(p []byte) { got.Write(p) })
	sock.Write([]byte(request), nil)
	if err := m.w.Loop().Run(); err != nil {
		t.Fatal(err)
	}
	return got.String()
}

func TestMockReplaysHeadsInCapturedOrderWithConsistentFraming(t *testing.T) {
	m := newSimMock(t, shopCapture(t), MockOptions{Verbatim: true})
	tests := []struct{ request, want string }{
		{
			"GET /chunked HTTP/1.1\r\nHost: shop\r\nConnection: close\r\n\r\n",
			"HTTP/1.1 200 OK\r\nX-First: 1\r\nTransfer-Encoding: chunked\r\nX-Last: 2\r\n\r\nb\r\nhello world\r\n0\r\n\r\n",
		},
		{
			// The capture read this body until the close, and so does the
			// client of the mock.
			"GET /until-close HTTP/1.1\r\nHost: shop\r\n\r\n",
			"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil close",
		},
		{
			"GET /items?page=1 HTTP/1.1\r\nHost: shop\r\nConnection: close\r\n\r\n",
			"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nDate: Wed, 01 May 2024 12:00:00 GMT\r\nContent-Length: 24\r\n\r\n" + itemsA,
		},
		{
			"HEAD /items?page=1 HTTP/1.1\r\nHost: shop\r\nConnection: close\r\n\r\n",
			"HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nDate: Sat, 01 Jan 2000 00:00:00 GMT\r\nConnection: close\r\n\r\n",
		},
	}
	for _, tc := range tests {
		got := m.rawExchange(t, tc.request)
		if got != tc.want {
			t.Errorf("%q:\n got %q\nwant %q", tc.request, got, tc.want)
		}
	}
}

// By default a captured Date is replaced by the server's own, as the server
// would send it now (the simulated clock starts in 2000); a response
// captured without a Date gets none.
func TestMockSendsAFreshDate(t *testing.T) {
	m := newSimMock(t, shopCapture(t), MockOptions{})
	got := m.rawExchange(t, "GET /items?page=1 HTTP/1.1\r\nHost: shop\r\nConnection: close\r\n\r\n")
	want := "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 24\r\nDate: Sat, 01 Jan 2000 00:00:00 GMT\r\n\r\n" + itemsA
	if got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
	got = m.rawExchange(t, "GET /t HTTP/1.1\r\nHost: shop\r\nX-Tenant: a\r\nConnection: close\r\n\r\n")
	if strings.Contains(got, "Date:") {
		t.Errorf("a response captured without Date got one: %q", got)
	}
}

// Captured 1xx responses go out before the final one, in order: a 103
// Early Hints with its Link, and a 100 Continue when the request did not
// ask for one (the server grants an Expect: 100-continue itself).
func TestMockSendsCapturedInformationalResponses(t *testing.T) {
	c := newConv("10.0.0.1:40000", "10.0.0.2:80").handshake().
		send("GET /early HTTP/1.1\r\nHost: shop\r\n\r\n").
		reply("HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload; as=style\r\n\r\n").
		reply("HTTP/1.1 102 Processing\r\n\r\n").
		reply("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok").
		send("POST /up HTTP/1.1\r\nHost: shop\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n").
		reply("HTTP/1.1 100 Continue\r\n\r\n").send("x").
		reply("HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n").
		close()
	m := newSimMock(t, captureOf(t, c), MockOptions{})
	got := m.rawExchange(t, "GET /early HTTP/1.1\r\nHost: shop\r\nConnection: close\r\n\r\n")
	want := "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload; as=style\r\n\r\n" +
		"HTTP/1.1 102 Processing\r\n\r\n" +
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
	if got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
	got = m.rawExchange(t, "POST /up HTTP/1.1\r\nHost: shop\r\nExpect: 100-continue\r\nContent-Length: 1\r\nConnection: close\r\n\r\nx")
	if want := "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\n"; !strings.HasPrefix(got, want) {
		t.Errorf("got %q\nwant one 100 Continue then the 201", got)
	}
}

func TestResponseFieldsFixTheFraming(t *testing.T) {
	msg := func(status int, chunked bool, body string, raw ...string) *Message {
		return &Message{Head: httpcore.MessageHead{StatusCode: status, Chunked: chunked, RawHeaders: raw}, Body: []byte(body)}
	}
	tests := []struct {
		name   string
		m      *Message
		method string
		want   []string
	}{
		{"a length cut short by the capture is the body's", msg(200, false, "abc", "Content-Length", "10", "X", "1"), "GET", []string{"Content-Length", "3", "X", "1"}},
		{"chunked wins over a length beside it", msg(200, true, "abc", "Content-Length", "3", "Transfer-Encoding", "chunked"), "GET", []string{"Transfer-Encoding", "chunked"}},
		{"read until close stays so", msg(200, false, "abc", "Connection", "close"), "GET", []string{"Connection", "close"}},
		{"HEAD keeps the captured length", msg(200, false, "", "Content-Length", "11"), "HEAD", []string{"Content-Length", "11"}},
		{"204 gets no length", msg(204, false, ""), "GET", []string{}},
	}
	for _, tc := range tests {
		if diff := cmp.Diff(tc.want, responseFields(tc.m, tc.method)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
}

func TestServeMockRefusesBadAddresses(t *testing.T) {
	w, err := simnet.NewWorld(1)
	if err != nil {
		t.Fatal(err)
	}
	h, err := w.AddHost("server")
	if err != nil {
		t.Fatal(err)
	}
	for _, addr := range []string{"", "8080", "host:http", ":70000"} {
		if _, err := ServeMock(h, addr, &Capture{}, MockOptions{}); !errors.Is(err, ErrInvalidArg) {
			t.Errorf("ServeMock(%q): %v, want ErrInvalidArg", addr, err)
		}
	}
	if _, err := ServeMock(h, ":80", nil, MockOptions{}); !errors.Is(err, ErrInvalidArg) {
		t.Errorf("ServeMock with no capture: %v", err)
	}
}

// The mock on a real port answers Go's own HTTP client over loopback.
func TestServeMockOnARealPort(t *testing.T) {
	rt := realtcp.New()
	srv, err := ServeMock(rt, "127.0.0.1:0", shopCapture(t), MockOptions{})
	if err != nil {
		t.Fatal(err)
	}
	addr, ok := srv.Address()
	if !ok {
		t.Fatal("the server has no address")
	}
	done := make(chan error, 1)
	go func() { done <- rt.Run() }()

	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	var bodies []string
	for _, path := range []string{"/items?page=1", "/items?page=1", "/chunked"} {
		res, err := client.Get("http://" + addr.String() + path)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		bodies = append(bodies, string(b))
	}
	rt.Loop().Post(func() { srv.Close(nil) })
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{itemsA, itemsB, "hello world"}, bodies); diff != "" {
		t.Errorf("bodies (-want +got):\n%s", diff)
	}
}

// The real capture of Node's writeEarlyHints: the mock sends the 103 with
// its Link before the 200, as Node did.
func TestMockOfARealEarlyHintsCapture(t *testing.T) {
	f, err := os.Open(filepath.Join(fixtureDir, "early.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := ReadCapture(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	got := newSimMock(t, c, MockOptions{}).rawExchange(t, "GET /early HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	want := "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload; as=style\r\n\r\nHTTP/1.1 200 OK\r\n"
	if !strings.HasPrefix(got, want) || !strings.HasSuffix(got, "after early hints\n") {
		t.Errorf("got %q\nwant it to begin %q and end with the body", got, want)
	}
}
