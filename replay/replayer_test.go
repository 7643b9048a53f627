package replay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/simhttp/simhttp/httpcore"
	"github.com/simhttp/simhttp/simnet"
	"github.com/simhttp/simhttp/simnet/realtcp"
)

func TestPaceOffsets(t *testing.T) {
	ms := time.Millisecond
	starts := []time.Duration{100 * ms, 300 * ms, 100 * ms, 1100 * ms}
	tests := []struct {
		speed float64
		want  []time.Duration
	}{
		{1, []time.Duration{0, 200 * ms, 0, 1000 * ms}},
		{2, []time.Duration{0, 100 * ms, 0, 500 * ms}},
		{0.5, []time.Duration{0, 400 * ms, 0, 2000 * ms}},
		{0, []time.Duration{0, 0, 0, 0}},
		{math.Inf(1), []time.Duration{0, 0, 0, 0}},
	}
	for _, tc := range tests {
		if diff := cmp.Diff(tc.want, paceOffsets(starts, tc.speed)); diff != "" {
			t.Errorf("speed %v (-want +got):\n%s", tc.speed, diff)
		}
	}
	if got := paceOffsets([]time.Duration{50 * ms, 10 * ms}, 1); !cmp.Equal(got, []time.Duration{40 * ms, 0}) {
		t.Errorf("the earliest start is the origin, wherever it is: %v", got)
	}
	if got := paceOffsets([]time.Duration{0, math.MaxInt64}, 1e-9); got[1] != math.MaxInt64 {
		t.Errorf("an offset beyond time.Duration is not clamped: %v", got)
	}
	if got := paceOffsets(nil, 1); len(got) != 0 {
		t.Errorf("no starts: %v", got)
	}
}

func TestParseSpeed(t *testing.T) {
	for in, want := range map[string]float64{"max": 0, "MAX": 0, "0": 0, "1": 1, "2.5": 2.5, "2x": 2, " 0.5X ": 0.5} {
		got, err := ParseSpeed(in)
		if err != nil || got != want {
			t.Errorf("ParseSpeed(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "fast", "-1", "NaN", "inf", "1xx"} {
		if _, err := ParseSpeed(in); !errors.Is(err, ErrInvalidArg) {
			t.Errorf("ParseSpeed(%q): %v, want ErrInvalidArg", in, err)
		}
	}
}

func TestRunRefusesUnusableOptions(t *testing.T) {
	c := &Capture{}
	for _, opts := range []ReplayOptions{
		{Target: ""},
		{Target: "127.0.0.1:80"},
		{Target: "https://127.0.0.1:443"},
		{Target: "http://:80"},
		{Target: "http://127.0.0.1:99999"},
		{Target: "http://127.0.0.1:80/api"},
		{Target: "http://127.0.0.1:80", Speed: -1},
		{Target: "http://127.0.0.1:80", Speed: math.NaN()},
		{Target: "http://127.0.0.1:80", IgnoreJSONPaths: []string{"a[b]"}},
	} {
		if _, err := Run(context.Background(), c, opts); !errors.Is(err, ErrInvalidArg) {
			t.Errorf("%+v: %v, want ErrInvalidArg", opts, err)
		}
	}
	if _, err := Run(context.Background(), nil, ReplayOptions{Target: "http://127.0.0.1"}); !errors.Is(err, ErrInvalidArg) {
		t.Errorf("nil capture: %v", err)
	}
}

// apiCapture has two connections: a JSON GET and a text GET on the first,
// a POST on the second.
func apiCapture(t testing.TB) *Capture {
	c1 := newConv("10.0.0.1:40000", "10.0.0.2:80").handshake().
		send("GET /user HTTP/1.1\r\nHost: api\r\n\r\n").
		reply("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nDate: Wed, 01 May 2024 12:00:00 GMT\r\nContent-Length: 29\r\n\r\n" + `{"id":7,"name":"ann","ts":10}`).
		send("GET /text HTTP/1.1\r\nHost: api\r\n\r\n").
		reply("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nDate: Wed, 01 May 2024 12:00:00 GMT\r\nContent-Length: 9\r\n\r\nold text\n").
		close()
	c2 := newConv("10.0.0.3:40001", "10.0.0.2:80").handshake().
		send("POST /echo HTTP/1.1\r\nHost: api\r\nContent-Type: text/plain\r\nContent-Length: 4\r\n\r\nping").
		reply("HTTP/1.1 201 Created\r\nContent-Type: text/plain\r\nDate: Wed, 01 May 2024 12:00:00 GMT\r\nContent-Length: 8\r\n\r\npingpong").
		close()
	return captureOf(t, c1, c2)
}

// arrival is a request as a test server saw it.
type arrival struct {
	remote, method, path, body string
}

// apiServer answers like apiCapture's server, except for a new id and
// timestamp and a changed text; it records what arrived.
func apiServer(t *testing.T) (*httptest.Server, func() []arrival) {
	var mu sync.Mutex
	var got []arrival
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, arrival{r.RemoteAddr, r.Method, r.URL.Path, string(body)})
		mu.Unlock()
		switch r.URL.Path {
		case "/user":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"name":"ann","ts":99,"id":8}`)
		case "/text":
			w.Header().Set("Content-Type", "text/plain")
			fmt.Fprint(w, "new text\n")
		case "/echo":
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(201)
			fmt.Fprint(w, string(body)+"pong")
		}
	}))
	t.Cleanup(srv.Close)
	return srv, func() []arrival {
		mu.Lock()
		defer mu.Unlock()
		return append([]arrival(nil), got...)
	}
}

// outcomes lists each result as "conn N #K METHOD URL outcome".
func outcomes(r *ReplayReport) []string {
	var out []string
	for _, x := range r.Results {
		out = append(out, fmt.Sprintf("conn %d #%d %s %s", x.Connection, x.Exchange, x.name(), x.Outcome))
	}
	return out
}

func TestReplayAgainstARealServer(t *testing.T) {
	srv, arrivals := apiServer(t)
	rep, err := Run(context.Background(), apiCapture(t), ReplayOptions{
		Target: srv.URL, IgnoreHeaders: []string{"Date"}, IgnoreJSONPaths: []string{"$.id", "ts"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"conn 1 #1 GET /user ok", "conn 1 #2 GET /text differed", "conn 2 #1 POST /echo ok"}
	if diff := cmp.Diff(want, outcomes(rep)); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
	if d := rep.Results[1].Diff; !strings.Contains(d, "old text") || !strings.Contains(d, "new text") {
		t.Errorf("the diff does not show both texts:\n%s", d)
	}
	if !rep.Differed() {
		t.Error("Differed is false")
	}

	// One connection per captured connection, requests in captured order.
	got := arrivals()
	if len(got) != 3 {
		t.Fatalf("the server saw %d requests: %+v", len(got), got)
	}
	byPath := map[string]arrival{}
	for _, a := range got {
		byPath[a.path] = a
	}
	if byPath["/user"].remote != byPath["/text"].remote || byPath["/user"].remote == byPath["/echo"].remote {
		t.Errorf("connections not kept: %+v", got)
	}
	var onFirst []string
	for _, a := range got {
		if a.remote == byPath["/user"].remote {
			onFirst = append(onFirst, a.path)
		}
	}
	if !cmp.Equal(onFirst, []string{"/user", "/text"}) {
		t.Errorf("order on the first connection: %v", onFirst)
	}
	if byPath["/echo"].method != "POST" || byPath["/echo"].body != "ping" {
		t.Errorf("the POST arrived as %+v", byPath["/echo"])
	}
}

func TestReplaySkipsWhatTheCaptureShowsIncomplete(t *testing.T) {
	srv, arrivals := apiServer(t)
	cut := newConv("10.0.0.1:40000", "10.0.0.2:80").handshake().
		send("GET /reset HTTP/1.1\r\nHost: api\r\n\r\n").
		reply("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial").resetS()
	lost := newConv("10.0.0.5:40005", "10.0.0.2:80").handshake().
		send("GET /user HTTP/1.1\r\nHost: api\r\n\r\n")
	upgrade := newConv("10.0.0.6:40006", "10.0.0.2:80").handshake().
		send("GET /chat HTTP/1.1\r\nHost: api\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n").
		reply("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n").close()
	// A hole in the first response's body: that exchange is skipped, the
	// next one on the connection still replays.
	gap := newConv("10.0.0.3:40001", "10.0.0.2:80").handshake().
		send("GET /gap HTTP/1.1\r\nHost: api\r\n\r\n").
		reply("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n").reply("0123456789").
		send("POST /echo HTTP/1.1\r\nHost: api\r\nContent-Length: 1\r\n\r\nx").
		reply("HTTP/1.1 201 Created\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nxpong").close()
	gap.pkts = without(gap.pkts, "0123456789")
	rep, err := Run(context.Background(), captureOf(t, cut, lost, upgrade, gap), ReplayOptions{Target: srv.URL, IgnoreHeaders: []string{"date"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"conn 1 #1 GET /reset skipped", "conn 2 #1 GET /user skipped", "conn 3 #1 GET /chat skipped",
		"conn 4 #1 GET /gap skipped", "conn 4 #2 POST /echo ok"}
	if diff := cmp.Diff(want, outcomes(rep)); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
	for i, why := range []string{"ECONNRESET", "no response was captured", "switched protocols", "ERR_TCP_GAP"} {
		if !strings.Contains(rep.Results[i].Reason, why) {
			t.Errorf("result %d: reason %q lacks %q", i, rep.Results[i].Reason, why)
		}
	}
	if rep.Differed() {
		t.Error("skipped exchanges count as differences")
	}
	if got := arrivals(); len(got) != 1 || got[0].path != "/echo" {
		t.Errorf("the server saw %+v", got)
	}
}

// Replaying a capture against its own mock, over real TCP, finds no
// difference at all: not even Date, which the mock replays.
func TestReplayAgainstItsOwnMockOverRealTCP(t *testing.T) {
	rep := replayAgainstOwnMock(t, shopCapture(t))
	var text strings.Builder
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if rep.Differed() || rep.count(OutcomeOK) != len(rep.Results) || len(rep.Results) != 8 {
		t.Errorf("replay against the mock:\n%s", text.String())
	}
}

// replayAgainstOwnMock serves c as a mock on a loopback port and replays c
// against it.
func replayAgainstOwnMock(t *testing.T, c *Capture) *ReplayReport {
	t.Helper()
	rt := realtcp.New()
	srv, err := ServeMock(rt, "127.0.0.1:0", c, MockOptions{})
	if err != nil {
		t.Fatal(err)
	}
	addr, _ := srv.Address()
	done := make(chan error, 1)
	go func() { done <- rt.Run() }()
	rep, err := Run(context.Background(), c, ReplayOptions{Target: "http://" + addr.String()})
	rt.Loop().Post(func() { srv.Close(nil) })
	if runErr := <-done; runErr != nil {
		t.Fatal(runErr)
	}
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// simReplay is a world with a mock of c on "server" and a client host to
// replay from; the handler also notes when each request arrived.
func simReplay(t *testing.T, c *Capture, handler func(*httpcore.IncomingMessage, *httpcore.ServerResponse)) (*simnet.World, *simnet.Host) {
	t.Helper()
	w, client, server := clientServerWorld(t, 7)
	if handler == nil {
		handler = NewMock(c, MockOptions{}).Handler()
	}
	srv, err := httpcore.CreateServer(server, httpcore.ServerOptions{}, handler)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Listen(80, "", nil); err != nil {
		t.Fatal(err)
	}
	srv.Unref()
	return w, client
}

// A client replays production traffic into the simulation against
// production's behaviour (the mock) with a fault injected: the server
// resets the second connection once its response head is out.
func TestReplayIntoTheSimulationWithAFault(t *testing.T) {
	c := shopCapture(t)
	w, client := simReplay(t, c, nil)
	if _, err := w.AddRule(simnet.Rule{What: simnet.FaultReset, Server: "server", Dir: simnet.ServerToClient, Pattern: []byte("\r\n\r\n"), Conn: 2}); err != nil {
		t.Fatal(err)
	}
	rep, err := Run(context.Background(), c, ReplayOptions{Target: "http://server:80", Runtime: client})
	if err != nil {
		t.Fatal(err)
	}
	var failed []string
	for _, x := range rep.Results {
		if x.Outcome == OutcomeFailed {
			failed = append(failed, fmt.Sprintf("conn %d #%d %s", x.Connection, x.Exchange, simnet.CodeOf(x.Err)))
		}
	}
	if !cmp.Equal(failed, []string{"conn 2 #1 ECONNRESET"}) || rep.count(OutcomeOK) != len(rep.Results)-1 {
		var b strings.Builder
		_ = rep.WriteText(&b)
		t.Fatalf("want only the second connection's first exchange reset, got %v:\n%s", failed, b.String())
	}

	// The same seed and rules give the same report.
	w2, client2 := simReplay(t, c, nil)
	if _, err := w2.AddRule(simnet.Rule{What: simnet.FaultReset, Server: "server", Dir: simnet.ServerToClient, Pattern: []byte("\r\n\r\n"), Conn: 2}); err != nil {
		t.Fatal(err)
	}
	again, err := Run(context.Background(), c, ReplayOptions{Target: "http://server:80", Runtime: client2})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(outcomes(rep), outcomes(again)); diff != "" {
		t.Errorf("a second run differs (-first +second):\n%s", diff)
	}
}

// At speed 2 on the virtual clock, requests leave at half their captured
// spacing, to the nanosecond.
func TestReplayKeepsTheCapturedPaceScaled(t *testing.T) {
	c1 := newConv("10.0.0.1:40000", "10.0.0.2:80").handshake()
	c2 := newConv("10.0.0.3:40001", "10.0.0.2:80").handshake()
	c1.at, c2.at = 0, 300*time.Millisecond
	for i, gap := range []time.Duration{0, time.Second, 3 * time.Second} {
		c1.at += gap
		c1.send(fmt.Sprintf("GET /a%d HTTP/1.1\r\nHost: x\r\n\r\n", i)).reply("HTTP/1.1 204 No Content\r\n\r\n")
	}
	c2.send("GET /b HTTP/1.1\r\nHost: x\r\n\r\n").reply("HTTP/1.1 204 No Content\r\n\r\n")
	c := captureOf(t, c1.close(), c2.close())

	var w *simnet.World
	arrived := map[string]time.Duration{}
	w, client := simReplay(t, c, func(req *httpcore.IncomingMessage, res *httpcore.ServerResponse) {
		arrived[req.URL] = w.Loop().Now()
		res.StatusCode = 204
		if err := res.End(nil, nil); err != nil {
			res.Destroy(err)
		}
	})
	rep, err := Run(context.Background(), c, ReplayOptions{Target: "http://server:80", Runtime: client, Speed: 2, IgnoreHeaders: []string{"date", "connection", "keep-alive"}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Differed() {
		var b strings.Builder
		_ = rep.WriteText(&b)
		t.Fatalf("replay:\n%s", b.String())
	}
	// Arrivals on a connection already open, and first arrivals on two
	// new connections, are spaced exactly as the sends were.
	start := func(conn, ex int) time.Duration { return c.Connections[conn].Exchanges[ex].Request.Start }
	for _, tc := range []struct {
		from, to     string
		fromC, fromE int
		toC, toE     int
	}{{"/a1", "/a2", 0, 1, 0, 2}, {"/a0", "/b", 0, 0, 1, 0}} {
		want := (start(tc.toC, tc.toE) - start(tc.fromC, tc.fromE)) / 2
		if got := arrived[tc.to] - arrived[tc.from]; got != want {
			t.Errorf("%s arrived %v after %s, want %v", tc.to, got, tc.from, want)
		}
	}
}

func TestASilentServerTimesOut(t *testing.T) {
	c := apiCapture(t)
	w, client := simReplay(t, c, func(*httpcore.IncomingMessage, *httpcore.ServerResponse) {})
	rep, err := Run(context.Background(), c, ReplayOptions{Target: "http://server:80", Runtime: client, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range rep.Results {
		if x.Outcome != OutcomeFailed || simnet.CodeOf(x.Err) != "ETIMEDOUT" {
			t.Errorf("conn %d #%d: %s %v", x.Connection, x.Exchange, x.Outcome, x.Err)
		}
	}
	if now := w.Loop().Now(); now < 10*time.Second || now > 11*time.Second {
		t.Errorf("the first connection's two timeouts ended at %v", now)
	}
}

func TestAnUnreachableTargetFailsEachExchange(t *testing.T) {
	c := apiCapture(t)
	_, client := simReplay(t, c, nil)
	rep, err := Run(context.Background(), c, ReplayOptions{Target: "http://server:81", Runtime: client})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range rep.Results {
		if x.Outcome != OutcomeFailed || simnet.CodeOf(x.Err) != "ECONNREFUSED" || !strings.HasPrefix(x.Reason, "ECONNREFUSED: ") {
			t.Errorf("conn %d #%d: %s %q", x.Connection, x.Exchange, x.Outcome, x.Reason)
		}
	}
}

// Cancelling the context stops a replay stuck on a server that holds its
// response: what was in flight fails, what was not sent is skipped.
func TestCancellingStopsTheReplay(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/user" {
			cancel()
			<-release
		}
	}))
	defer srv.Close()
	defer close(release)
	rep, err := Run(ctx, apiCapture(t), ReplayOptions{Target: srv.URL})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v", err)
	}
	got := map[string]Outcome{}
	for _, x := range rep.Results {
		got[x.URL] = x.Outcome
	}
	if got["/user"] != OutcomeFailed || got["/text"] != OutcomeSkipped {
		t.Errorf("outcomes %v", got)
	}
}
