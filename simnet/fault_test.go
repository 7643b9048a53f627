package simnet_test

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/simhttp/simhttp/simnet"
)

func addRule(t *testing.T, w *simnet.World, r simnet.Rule) *simnet.RuleHandle {
	t.Helper()
	h, err := w.AddRule(r)
	if err != nil {
		t.Fatalf("AddRule: %v", err)
	}
	return h
}

// client records one client socket's events with their times.
type client struct {
	s    *simnet.Socket
	log  []string
	data []byte
	err  error
}

func dial(t *testing.T, w *simnet.World, from *simnet.Host, opts simnet.ConnectOptions) *client {
	t.Helper()
	if opts.Host == "" {
		opts.Host = "server"
	}
	if opts.Port == 0 {
		opts.Port = 80
	}
	s, err := from.Connect(opts)
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	c := &client{s: s}
	at := func(name string) { c.log = append(c.log, fmt.Sprintf("%s@%v", name, w.Loop().Now())) }
	s.Events.Connect.On(func(struct{}) { at("connect") })
	s.Events.Data.On(func(p []byte) { c.data = append(c.data, p...); at(fmt.Sprintf("data(%d)", len(p))) })
	s.Events.End.On(func(struct{}) { at("end") })
	s.Events.Timeout.On(func(struct{}) { at("timeout") })
	s.Events.Error.On(func(err error) { c.err = err; at("error(" + simnet.CodeOf(err) + ")") })
	s.Events.Close.On(func(bool) { at("close") })
	return c
}

func (c *client) events() string { return strings.Join(c.log, " ") }

// server answers every connection with answer (if any) and records its
// sockets' closes.
type server struct{ closes []string }

func serve(t *testing.T, w *simnet.World, h *simnet.Host, answer []byte) *server {
	t.Helper()
	sv := &server{}
	_, err := h.Listen(simnet.ListenOptions{Port: 80}, func(s *simnet.Socket) {
		if answer != nil {
			s.Write(answer, nil)
		}
		s.Events.Data.On(func(p []byte) { s.Write(p, nil) })
		s.Events.Error.On(func(error) {})
		s.Events.Close.On(func(hadError bool) {
			sv.closes = append(sv.closes, fmt.Sprintf("close(%v)@%v", hadError, w.Loop().Now()))
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return sv
}

func TestRefuseActsOnTheKthConnectionOnly(t *testing.T) {
	w, cli, srv := twoHosts(t)
	serve(t, w, srv, nil)
	h := addRule(t, w, simnet.Rule{What: simnet.FaultRefuse, Server: "server", Port: 80, Conn: 2})
	var cs []*client
	for range 3 {
		c := dial(t, w, cli, simnet.ConnectOptions{})
		c.s.Events.Connect.On(func(struct{}) { c.s.Destroy(nil) })
		cs = append(cs, c)
	}
	run(t, w)
	for i, want := range []string{"connect@2ms close@2ms", "error(ECONNREFUSED)@2ms close@2ms", "connect@2ms close@2ms"} {
		if got := cs[i].events(); got != want {
			t.Errorf("connection %d: %s, want %s", i+1, got, want)
		}
	}
	if h.Fired() != 1 {
		t.Errorf("Fired() = %d, want 1", h.Fired())
	}
}

func TestBlackHoleConnectLeavesOnlyTheTimeoutThenETIMEDOUT(t *testing.T) {
	w, cli, srv := twoHosts(t)
	serve(t, w, srv, nil)
	j := watchJournal(w)
	addRule(t, w, simnet.Rule{What: simnet.FaultBlackHoleConnect, Server: "server"})
	c := dial(t, w, cli, simnet.ConnectOptions{Timeout: 5 * time.Second})
	run(t, w)
	if want := "timeout@5s error(ETIMEDOUT)@2m7s close@2m7s"; c.events() != want {
		t.Errorf("events %s, want %s", c.events(), want)
	}
	if c.err == nil || c.err.Error() != "connect ETIMEDOUT 10.0.0.2:80" {
		t.Errorf("error %v, want connect ETIMEDOUT 10.0.0.2:80", c.err)
	}
	sameLines(t, "SYNs", j.only("drop"),
		"0s net#1 drop client>server seq=0 len=0 black-hole",
		"1s net#1 drop client>server seq=0 len=0 black-hole",
		"3s net#1 drop client>server seq=0 len=0 black-hole",
		"7s net#1 drop client>server seq=0 len=0 black-hole",
		"15s net#1 drop client>server seq=0 len=0 black-hole",
		"31s net#1 drop client>server seq=0 len=0 black-hole",
		"1m3s net#1 drop client>server seq=0 len=0 black-hole")
}

func TestBlackHoleDataDeliversExactlyTheBytesBeforeTheTrigger(t *testing.T) {
	w, cli, srv := twoHosts(t)
	serve(t, w, srv, []byte(strings.Repeat("x", 300)))
	h := addRule(t, w, simnet.Rule{What: simnet.FaultBlackHoleData, Dir: simnet.ServerToClient, AfterBytes: 100})
	c := dial(t, w, cli, simnet.ConnectOptions{Timeout: time.Second})
	c.s.Events.Timeout.On(func(struct{}) { c.s.Destroy(nil) })
	run(t, w)
	if want := "connect@2ms data(100)@4ms timeout@1.004s close@1.004s"; c.events() != want {
		t.Errorf("events %s, want %s", c.events(), want)
	}
	if h.Fired() != 1 {
		t.Errorf("Fired() = %d, want 1", h.Fired())
	}
}

// TestResetAfterTheHeaderBlockGivesTheHeadersThenEOF: the head and the RST
// behind it are read in one poll, and libuv ends the stream after a short
// read when epoll reports a hang-up, so the reader sees 'end', not
// ECONNRESET (Node v20: fixtures/node/sweep, reset-after-head).
func TestResetAfterTheHeaderBlockGivesTheHeadersThenEOF(t *testing.T) {
	w, cli, srv := twoHosts(t)
	head := "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"
	sv := serve(t, w, srv, []byte(head+"hello"))
	j := watchJournal(w)
	addRule(t, w, simnet.Rule{What: simnet.FaultReset, Dir: simnet.ServerToClient, Pattern: []byte("\r\n\r\n")})
	c := dial(t, w, cli, simnet.ConnectOptions{})
	run(t, w)
	if string(c.data) != head {
		t.Errorf("client read %q, want exactly the header block", c.data)
	}
	if want := fmt.Sprintf("connect@2ms data(%d)@4ms end@4ms close@4ms", len(head)); c.events() != want {
		t.Errorf("events %s, want %s", c.events(), want)
	}
	sameLines(t, "server's closes", sv.closes, "close(false)@3ms")
	sameLines(t, "server segments", j.only("server>client"),
		"1ms net#1 synack server>client seq=0 len=0 win=65535",
		fmt.Sprintf("3ms net#1 seg server>client seq=1 len=%d win=65535", len(head)),
		"3ms net#1 fault server>client reset",
		fmt.Sprintf("3ms net#1 rst server>client seq=%d len=0 win=0", len(head)+1))
}

func TestCloseAfterNBytesDiscardsTheRestAndSendsFIN(t *testing.T) {
	w, cli, srv := twoHosts(t)
	sv := serve(t, w, srv, []byte("0123456789abcdefghij"))
	addRule(t, w, simnet.Rule{What: simnet.FaultClose, AfterBytes: 10})
	c := dial(t, w, cli, simnet.ConnectOptions{})
	run(t, w)
	if string(c.data) != "0123456789" {
		t.Errorf("client read %q, want the first 10 bytes", c.data)
	}
	if want := "connect@2ms data(10)@4ms end@4ms close@4ms"; c.events() != want {
		t.Errorf("events %s, want %s", c.events(), want)
	}
	sameLines(t, "server's closes", sv.closes, "close(false)@3ms")
}

func TestResetAtAVirtualTimeHitsOpenConnections(t *testing.T) {
	w, cli, srv := twoHosts(t)
	serve(t, w, srv, nil)
	addRule(t, w, simnet.Rule{What: simnet.FaultReset, At: time.Second})
	c := dial(t, w, cli, simnet.ConnectOptions{})
	run(t, w)
	if want := "connect@2ms error(ECONNRESET)@1.001s close@1.001s"; c.events() != want {
		t.Errorf("events %s, want %s", c.events(), want)
	}
}

func TestStallHoldsADirectionForItsDuration(t *testing.T) {
	w, cli, srv := twoHosts(t)
	serve(t, w, srv, nil)
	addRule(t, w, simnet.Rule{What: simnet.FaultStall, Dir: simnet.ClientToServer, At: 10 * ms, Duration: 500 * ms})
	c := dial(t, w, cli, simnet.ConnectOptions{})
	c.s.Events.Connect.On(func(struct{}) {
		w.Loop().SetTimeout(18*ms, func() { c.s.Write([]byte("late"), nil) })
	})
	c.s.Events.Data.On(func([]byte) { c.s.Destroy(nil) })
	run(t, w)
	// Written at 20 ms, held until 510 ms, echoed: 511 ms there, 512 ms back.
	if want := "connect@2ms data(4)@512ms close@512ms"; c.events() != want {
		t.Errorf("events %s, want %s", c.events(), want)
	}
}

func TestStallWithoutDurationLastsUntilTheRuleIsRemoved(t *testing.T) {
	w, cli, srv := twoHosts(t)
	serve(t, w, srv, nil)
	h := addRule(t, w, simnet.Rule{What: simnet.FaultStall, Dir: simnet.ServerToClient})
	c := dial(t, w, cli, simnet.ConnectOptions{})
	c.s.Events.Connect.On(func(struct{}) { c.s.Write([]byte("ping"), nil) })
	c.s.Events.Data.On(func([]byte) { c.s.Destroy(nil) })
	w.Loop().SetTimeout(2*time.Second, h.Remove)
	run(t, w)
	if want := "connect@2ms data(4)@2.001s close@2.001s"; c.events() != want {
		t.Errorf("events %s, want %s", c.events(), want)
	}
}

func TestDelayAddsLatencyToOneDirection(t *testing.T) {
	w, cli, srv := twoHosts(t)
	serve(t, w, srv, nil)
	addRule(t, w, simnet.Rule{What: simnet.FaultDelay, Dir: simnet.ServerToClient, Delay: 300 * ms})
	c := dial(t, w, cli, simnet.ConnectOptions{})
	c.s.Events.Connect.On(func(struct{}) { c.s.Write([]byte("ping"), nil) })
	c.s.Events.Data.On(func([]byte) { c.s.Destroy(nil) })
	run(t, w)
	if want := "connect@2ms data(4)@304ms close@304ms"; c.events() != want {
		t.Errorf("events %s, want %s", c.events(), want)
	}
}

func TestSliceCutsWritesIntoKByteChunks(t *testing.T) {
	w, cli, srv := twoHosts(t)
	var sizes []int
	_, err := srv.Listen(simnet.ListenOptions{Port: 80}, func(s *simnet.Socket) {
		s.Events.Data.On(func(p []byte) { sizes = append(sizes, len(p)) })
	})
	if err != nil {
		t.Fatal(err)
	}
	addRule(t, w, simnet.Rule{What: simnet.FaultSlice, Dir: simnet.ClientToServer, Size: 3})
	c := dial(t, w, cli, simnet.ConnectOptions{})
	c.s.Events.Connect.On(func(struct{}) {
		c.s.SetNoDelay(true)
		// Once the server reads, so each slice is a read of its own.
		w.Loop().SetTimeout(10*ms, func() { c.s.End([]byte("GET / HTTP/1.1\r\n"), nil) })
	})
	run(t, w)
	if fmt.Sprint(sizes) != "[3 3 3 3 3 1]" {
		t.Errorf("server 'data' sizes %v, want [3 3 3 3 3 1]", sizes)
	}
}

func TestPartitionRuleCutsHostsForItsDuration(t *testing.T) {
	w, cli, srv := twoHosts(t)
	serve(t, w, srv, nil)
	h := addRule(t, w, simnet.Rule{What: simnet.FaultPartition, Client: "client", Server: "server", At: time.Second, Duration: 2 * time.Second})
	c := dial(t, w, cli, simnet.ConnectOptions{})
	c.s.Events.Connect.On(func(struct{}) {
		w.Loop().SetTimeout(1498*ms, func() { c.s.Write([]byte("ping"), nil) })
	})
	c.s.Events.Data.On(func([]byte) { c.s.Destroy(nil) })
	run(t, w)
	// Sent at 1.5 s into the cut, resent at 1.702, 2.106 and 2.914 s
	// (dropped), then at 4.53 s after the heal at 3 s.
	if want := "connect@2ms data(4)@4.532s close@4.532s"; c.events() != want {
		t.Errorf("events %s, want %s", c.events(), want)
	}
	if h.Fired() != 1 {
		t.Errorf("Fired() = %d, want 1", h.Fired())
	}
}

func TestCloseOnReuseResetsTheClientsWriteOnAnIdleConnection(t *testing.T) {
	w, cli, srv := twoHosts(t)
	sv := serve(t, w, srv, nil)
	j := watchJournal(w)
	addRule(t, w, simnet.Rule{What: simnet.FaultCloseOnReuse, Server: "server", Idle: 5 * time.Second})
	c := dial(t, w, cli, simnet.ConnectOptions{})
	wrote := ""
	c.s.Events.Connect.On(func(struct{}) {
		c.s.Write([]byte("first"), nil)
		w.Loop().SetTimeout(10*time.Second, func() {
			c.s.Write([]byte("second"), func(err error) { wrote = fmt.Sprintf("write cb(%v)@%v", err, w.Loop().Now()) })
		})
	})
	run(t, w)
	if want := "connect@2ms data(5)@4ms error(ECONNRESET)@10.003s close@10.003s"; c.events() != want {
		t.Errorf("events %s, want %s", c.events(), want)
	}
	if wrote != "write cb(<nil>)@10.002s" {
		t.Errorf("the reused write completed as %q, want it taken at 10.002s", wrote)
	}
	sameLines(t, "server's closes", sv.closes, "close(false)@10.002s")
	sameLines(t, "the race", j.only("rst", "len=6", "socket#1 error"),
		"10.002s net#1 rst server>client seq=6 len=0 win=0",
		"10.002s net#1 seg client>server seq=6 len=6 win=65535",
		"10.003s net#1 rst server>client seq=6 len=0",
		"10.003s socket#1 error(ECONNRESET)")
}

func TestCloseOnReuseSparesABusyConnection(t *testing.T) {
	w, cli, srv := twoHosts(t)
	serve(t, w, srv, nil)
	h := addRule(t, w, simnet.Rule{What: simnet.FaultCloseOnReuse, Idle: 5 * time.Second})
	c := dial(t, w, cli, simnet.ConnectOptions{})
	c.s.Events.Connect.On(func(struct{}) {
		c.s.Write([]byte("a"), nil)
		w.Loop().SetTimeout(4*time.Second, func() { c.s.End([]byte("b"), nil) })
	})
	run(t, w)
	if c.err != nil || string(c.data) != "ab" || h.Fired() != 0 {
		t.Errorf("read %q, error %v, fired %d; want ab, none, 0", c.data, c.err, h.Fired())
	}
}

func TestDNSRulesFailOrSlowLookups(t *testing.T) {
	w, cli, srv := twoHosts(t)
	serve(t, w, srv, nil)
	addRule(t, w, simnet.Rule{What: simnet.FaultDNSDelay, Name: "server", Delay: 250 * ms})
	fail := addRule(t, w, simnet.Rule{What: simnet.FaultDNSFail, Name: "server", Conn: 2})
	a := dial(t, w, cli, simnet.ConnectOptions{})
	a.s.Events.Connect.On(func(struct{}) { a.s.Destroy(nil) })
	b := dial(t, w, cli, simnet.ConnectOptions{})
	run(t, w)
	if want := "connect@252ms close@252ms"; a.events() != want {
		t.Errorf("first lookup: %s, want %s", a.events(), want)
	}
	if want := "error(ENOTFOUND)@250ms close@250ms"; b.events() != want {
		t.Errorf("second lookup: %s, want %s", b.events(), want)
	}
	if fail.Fired() != 1 {
		t.Errorf("DNS failure fired %d times, want 1", fail.Fired())
	}
}

func TestProbabilityIsDrawnFromTheSeed(t *testing.T) {
	pattern := func(seed uint64) string {
		w := newWorld(t, seed)
		cli, srv := addHost(t, w, "client"), addHost(t, w, "server")
		serve(t, w, srv, nil)
		addRule(t, w, simnet.Rule{What: simnet.FaultRefuse, Probability: 0.5})
		var b strings.Builder
		for range 32 {
			c := dial(t, w, cli, simnet.ConnectOptions{})
			c.s.Events.Connect.On(func(struct{}) { b.WriteByte('+'); c.s.Destroy(nil) })
			c.s.Events.Error.On(func(error) { b.WriteByte('-') })
		}
		run(t, w)
		return b.String()
	}
	a := pattern(11)
	if a != pattern(11) {
		t.Fatal("the same seed refused different connections")
	}
	if n := strings.Count(a, "-"); n < 4 || n > 28 {
		t.Errorf("probability 0.5 refused %d of 32 (%s)", n, a)
	}
	if a == pattern(12) {
		t.Errorf("seeds 11 and 12 refused the same connections: %s", a)
	}
}

func TestImpossibleRulesAreRefusedNamingTheField(t *testing.T) {
	w, _, _ := twoHosts(t)
	for _, tc := range []struct {
		rule  simnet.Rule
		field string
	}{
		{simnet.Rule{}, "What"},
		{simnet.Rule{What: 99}, "What"},
		{simnet.Rule{What: simnet.FaultReset, Client: "nobody"}, "Client"},
		{simnet.Rule{What: simnet.FaultReset, Server: "nobody"}, "Server"},
		{simnet.Rule{What: simnet.FaultReset, Port: 70000}, "Port"},
		{simnet.Rule{What: simnet.FaultReset, Dir: 7}, "Dir"},
		{simnet.Rule{What: simnet.FaultReset, Conn: -1}, "Conn"},
		{simnet.Rule{What: simnet.FaultReset, AfterBytes: -5}, "AfterBytes"},
		{simnet.Rule{What: simnet.FaultReset, Pattern: []byte{}}, "Pattern"},
		{simnet.Rule{What: simnet.FaultReset, At: -ms}, "At"},
		{simnet.Rule{What: simnet.FaultReset, Idle: -ms}, "Idle"},
		{simnet.Rule{What: simnet.FaultReset, Probability: 1.5}, "Probability"},
		{simnet.Rule{What: simnet.FaultReset, Probability: -0.1}, "Probability"},
		{simnet.Rule{What: simnet.FaultReset, Probability: math.NaN()}, "Probability"},
		{simnet.Rule{What: simnet.FaultReset, AfterBytes: 10, Pattern: []byte("x")}, "Pattern"},
		{simnet.Rule{What: simnet.FaultDelay, Dir: simnet.ServerToClient}, "Delay"},
		{simnet.Rule{What: simnet.FaultDelay, Delay: -ms}, "Delay"},
		{simnet.Rule{What: simnet.FaultSlice}, "Size"},
		{simnet.Rule{What: simnet.FaultSlice, Size: -1}, "Size"},
		{simnet.Rule{What: simnet.FaultReset, Size: 3}, "Size"},
		{simnet.Rule{What: simnet.FaultStall, Duration: -time.Second}, "Duration"},
		{simnet.Rule{What: simnet.FaultRefuse, AfterBytes: 3}, "AfterBytes"},
		{simnet.Rule{What: simnet.FaultCloseOnReuse}, "Idle"},
		{simnet.Rule{What: simnet.FaultCloseOnReuse, Idle: time.Second, Dir: simnet.ServerToClient}, "Dir"},
		{simnet.Rule{What: simnet.FaultPartition, Client: "client"}, "Server"},
		{simnet.Rule{What: simnet.FaultPartition, Client: "client", Server: "CLIENT"}, "Server"},
		{simnet.Rule{What: simnet.FaultDNSFail}, "Name"},
		{simnet.Rule{What: simnet.FaultDNSDelay, Name: "server"}, "Delay"},
		{simnet.Rule{What: simnet.FaultReset, Name: "server"}, "Name"},
	} {
		_, err := w.AddRule(tc.rule)
		var e *simnet.Error
		if !errors.As(err, &e) || e.Field != tc.field || e.Code != "ERR_INVALID_ARG_VALUE" || !errors.Is(err, simnet.ErrInvalidArg) {
			t.Errorf("%+v: got %v, want ERR_INVALID_ARG_VALUE for %s", tc.rule, err, tc.field)
		}
	}
}

func TestFaultNamesReadLikeTheirRules(t *testing.T) {
	var names []string
	for f := simnet.FaultRefuse; f <= simnet.FaultDNSDelay; f++ {
		names = append(names, f.String())
	}
	want := "refuse black-hole-connect black-hole-data reset close stall delay slice partition close-on-reuse dns-fail dns-delay"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("names %s\nwant  %s", got, want)
	}
	if got := simnet.Fault(0).String(); got != "Fault(0)" {
		t.Errorf("Fault(0) = %s", got)
	}
}

// TestASocketAbortedByItsOwnWriteNeverTimesOut: a reset on the client's
// direction destroys the client's socket inside the write that crosses the
// trigger; the write still counts as activity, yet a destroyed socket's idle
// timer is cleared for good, as Node's destroy clears it.
func TestASocketAbortedByItsOwnWriteNeverTimesOut(t *testing.T) {
	w, cli, srv := twoHosts(t)
	serve(t, w, srv, nil)
	addRule(t, w, simnet.Rule{What: simnet.FaultReset, Dir: simnet.ClientToServer, AfterBytes: 3})
	c := dial(t, w, cli, simnet.ConnectOptions{Timeout: time.Second})
	c.s.Events.Connect.On(func(struct{}) { c.s.Write([]byte("hello"), nil) })
	run(t, w)
	if want := "connect@2ms close@2ms"; c.events() != want {
		t.Errorf("events %s, want %s", c.events(), want)
	}
}
