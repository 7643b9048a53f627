// Package sockettest is a suite of net.Socket cases that any runtime must
// pass: the simulated network runs it in simnet's tests, the real-TCP
// runtime on loopback. Cases check only what both must agree on (event
// order, errors, bytes), never timings or chunk sizes.
package sockettest

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/simhttp/simhttp/simnet"
)

// Env is a runtime under test.
type Env struct {
	// Open returns the runtimes one case runs on. Every case closes what it
	// opens, so runtimes may be fresh for each case or shared.
	Open func(t *testing.T) Peers
	// Within, when set, runs each case (Open included) inside run, for
	// runtimes that work only in a context of their own, such as the
	// testing/synctest bubble of simnet/gonet.
	Within func(t *testing.T, run func(t *testing.T))
}

// Peers is what one case runs on.
type Peers struct {
	Client, Server simnet.Runtime
	// Host is the address the server listens on and the client dials.
	Host string
	// Run runs the loops until done reports true, returning nil, or until
	// nothing is left to run, returning an error; an uncaught panic ends it
	// with that error.
	Run func(done func() bool) error
}

// ErrIdle is returned by StepUntil when the loop has nothing left to run
// before the case is done.
var ErrIdle = errors.New("sockettest: the loop went idle before the case was done")

// StepUntil is Peers.Run for runtimes that share one loop.
func StepUntil(loop *simnet.Loop, done func() bool) error {
	for !done() {
		ran, err := loop.Step()
		if err != nil {
			return err
		}
		if !ran {
			return ErrIdle
		}
	}
	return nil
}

// Run runs every case as a subtest.
func Run(t *testing.T, env Env) {
	cases := []struct {
		name string
		run  func(*testing.T, Peers)
	}{
		{"ConnectThenEndClosesBothSides", connectThenEnd},
		{"EchoReturnsEveryByte", echo},
		{"HalfOpenServerAnswersAfterClientEnd", halfOpenServer},
		{"HalfOpenClientWritesAfterServerEnd", halfOpenClient},
		{"ConnectToClosedPortIsRefused", refused},
		{"DestroyGivesPeerEnd", destroyGivesEnd},
		{"DestroyWithUnreadDataResetsPeer", destroyUnreadResets},
		{"ResetAndDestroyResetsPeer", resetAndDestroy},
		{"IdleSocketTimesOut", idleTimeout},
		{"BigWriteReturnsFalseThenDrains", writeThenDrain},
		{"PausedReaderBacksWriterUpUntilResumed", pausedReader},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			run := func(t *testing.T) { c.run(t, env.Open(t)) }
			if env.Within != nil {
				env.Within(t, run)
				return
			}
			run(t)
		})
	}
}

// eventLog is a socket's events by Node's names; consecutive 'data' events are
// one entry, since TCP may split a payload anywhere.
type eventLog []string

func (l *eventLog) add(name string) {
	if name == "data" && len(*l) > 0 && (*l)[len(*l)-1] == "data" {
		return
	}
	*l = append(*l, name)
}

func (l *eventLog) String() string { return strings.Join(*l, " ") }

// watch records s's events into l and its data into buf.
func watch(s *simnet.Socket, l *eventLog, buf *[]byte) {
	ev := &s.Events
	ev.Connect.On(func(struct{}) { l.add("connect") })
	ev.Ready.On(func(struct{}) { l.add("ready") })
	ev.Data.On(func(p []byte) {
		l.add("data")
		if buf != nil {
			*buf = append(*buf, p...)
		}
	})
	ev.End.On(func(struct{}) { l.add("end") })
	ev.Finish.On(func(struct{}) { l.add("finish") })
	ev.Drain.On(func(struct{}) { l.add("drain") })
	ev.Timeout.On(func(struct{}) { l.add("timeout") })
	ev.Error.On(func(err error) { l.add("error(" + simnet.CodeOf(err) + ")") })
	ev.Close.On(func(bool) { l.add("close") })
}

func expect(t *testing.T, who string, got eventLog, want string) {
	t.Helper()
	if got.String() != want {
		t.Errorf("%s events:\n got  %s\n want %s", who, got.String(), want)
	}
}

// pair is a listener and the first socket on each side of one connection.
type pair struct {
	p              Peers
	ln             simnet.Listener
	client, server *simnet.Socket
	clog, slog     eventLog
	cbuf, sbuf     []byte
	cclosed        bool
	sclosed        bool
}

// open listens with lopts, connects with copts, and calls onServer with the
// accepted socket. The listener closes after the first connection.
func open(t *testing.T, p Peers, lopts simnet.ListenOptions, copts simnet.ConnectOptions, onServer func(*pair)) *pair {
	t.Helper()
	x := &pair{p: p}
	lopts.Host = p.Host
	ln, err := p.Server.Listen(lopts, func(s *simnet.Socket) {
		x.server = s
		watch(s, &x.slog, &x.sbuf)
		s.Events.Close.On(func(bool) { x.sclosed = true })
		x.ln.Close()
		if onServer != nil {
			onServer(x)
		}
	})
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	x.ln = ln
	copts.Host, copts.Port = p.Host, int(ln.Addr().Port())
	c, err := p.Client.Connect(copts)
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	x.client = c
	watch(c, &x.clog, &x.cbuf)
	c.Events.Close.On(func(bool) { x.cclosed = true })
	return x
}

// runUntilClosed runs until both sockets closed.
func (x *pair) runUntilClosed(t *testing.T) {
	t.Helper()
	x.run(t, func() bool { return x.cclosed && x.sclosed })
}

func (x *pair) run(t *testing.T, done func() bool) {
	t.Helper()
	if err := x.p.Run(done); err != nil {
		t.Fatalf("Run: %v\nclient: %s\nserver: %s", err, x.clog.String(), x.slog.String())
	}
}

func connectThenEnd(t *testing.T, p Peers) {
	x := open(t, p, simnet.ListenOptions{}, simnet.ConnectOptions{}, nil)
	x.client.Events.Connect.On(func(struct{}) { x.client.End(nil, nil) })
	x.runUntilClosed(t)
	expect(t, "client", x.clog, "connect ready finish end close")
	expect(t, "server", x.slog, "end finish close")
	if got, want := x.client.RemoteAddr().Port(), x.ln.Addr().Port(); got != want {
		t.Errorf("client remote port = %d, want the listener's %d", got, want)
	}
	if got, want := x.server.RemoteAddr(), x.client.LocalAddr(); got != want {
		t.Errorf("server remote address = %v, want the client's local %v", got, want)
	}
	if got, want := x.server.LocalAddr(), x.client.RemoteAddr(); got != want {
		t.Errorf("server local address = %v, want the client's remote %v", got, want)
	}
}

func echo(t *testing.T, p Peers) {
	msg := []byte("hello, world")
	x := open(t, p, simnet.ListenOptions{}, simnet.ConnectOptions{}, func(x *pair) {
		x.server.Events.Data.On(func(b []byte) { x.server.Write(b, nil) })
	})
	x.client.Events.Connect.On(func(struct{}) { x.client.Write(msg, nil) })
	x.client.Events.Data.On(func([]byte) {
		if len(x.cbuf) == len(msg) {
			x.client.End(nil, nil)
		}
	})
	x.runUntilClosed(t)
	if string(x.cbuf) != string(msg) {
		t.Errorf("client read %q, want %q", x.cbuf, msg)
	}
	n := int64(len(msg))
	for _, c := range []struct {
		what      string
		got, want int64
	}{
		{"client bytesWritten", x.client.BytesWritten(), n}, {"client bytesRead", x.client.BytesRead(), n},
		{"server bytesWritten", x.server.BytesWritten(), n}, {"server bytesRead", x.server.BytesRead(), n},
	} {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d", c.what, c.got, c.want)
		}
	}
	expect(t, "client", x.clog, "connect ready data finish end close")
	expect(t, "server", x.slog, "data end finish close")
}

func halfOpenServer(t *testing.T, p Peers) {
	x := open(t, p, simnet.ListenOptions{AllowHalfOpen: true}, simnet.ConnectOptions{}, func(x *pair) {
		x.server.Events.End.On(func(struct{}) { x.server.End([]byte("answer:"+string(x.sbuf)), nil) })
	})
	x.client.Events.Connect.On(func(struct{}) { x.client.End([]byte("question"), nil) })
	x.runUntilClosed(t)
	if got := string(x.cbuf); got != "answer:question" {
		t.Errorf("client read %q after its own end, want %q", got, "answer:question")
	}
	expect(t, "client", x.clog, "connect ready finish data end close")
	expect(t, "server", x.slog, "data end finish close")
}

func halfOpenClient(t *testing.T, p Peers) {
	x := open(t, p, simnet.ListenOptions{}, simnet.ConnectOptions{AllowHalfOpen: true}, func(x *pair) {
		x.server.End(nil, nil)
	})
	x.client.Events.End.On(func(struct{}) { x.client.End([]byte("late"), nil) })
	x.runUntilClosed(t)
	if got := string(x.sbuf); got != "late" {
		t.Errorf("server read %q after its own end, want %q", got, "late")
	}
	expect(t, "client", x.clog, "connect ready end finish close")
	expect(t, "server", x.slog, "finish data end close")
}

func refused(t *testing.T, p Peers) {
	ln, err := p.Server.Listen(simnet.ListenOptions{Host: p.Host}, func(*simnet.Socket) {})
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	port := int(ln.Addr().Port())
	ln.Close()
	c, err := p.Client.Connect(simnet.ConnectOptions{Host: p.Host, Port: port})
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	var l eventLog
	var got error
	closed := false
	watch(c, &l, nil)
	c.Events.Error.On(func(err error) { got = err })
	c.Events.Close.On(func(hadError bool) {
		closed = true
		if !hadError {
			t.Error("'close' reported hadError false after ECONNREFUSED")
		}
	})
	if err := p.Run(func() bool { return closed }); err != nil {
		t.Fatalf("Run: %v", err)
	}
	expect(t, "client", l, "error(ECONNREFUSED) close")
	if !errors.Is(got, simnet.ErrConnRefused) {
		t.Errorf("error %v is not ECONNREFUSED", got)
	}
	if got != nil && (!strings.HasPrefix(got.Error(), "connect ECONNREFUSED ") || !strings.HasSuffix(got.Error(), fmt.Sprintf(":%d", port))) {
		t.Errorf("message %q, want \"connect ECONNREFUSED <address>:%d\"", got.Error(), port)
	}
}

func destroyGivesEnd(t *testing.T, p Peers) {
	x := open(t, p, simnet.ListenOptions{}, simnet.ConnectOptions{}, func(x *pair) { x.server.Destroy(nil) })
	x.runUntilClosed(t)
	expect(t, "client", x.clog, "connect ready end finish close")
	expect(t, "server", x.slog, "close")
}

func destroyUnreadResets(t *testing.T, p Peers) {
	x := open(t, p, simnet.ListenOptions{PauseOnConnect: true}, simnet.ConnectOptions{}, func(x *pair) {
		x.server.Loop().SetTimeout(20e6, func() { x.server.Destroy(nil) })
	})
	x.client.Events.Connect.On(func(struct{}) { x.client.Write([]byte("never read"), nil) })
	x.runUntilClosed(t)
	expect(t, "client", x.clog, "connect ready error(ECONNRESET) close")
	expect(t, "server", x.slog, "close")
}

func resetAndDestroy(t *testing.T, p Peers) {
	x := open(t, p, simnet.ListenOptions{}, simnet.ConnectOptions{}, func(x *pair) { x.server.ResetAndDestroy() })
	x.runUntilClosed(t)
	// On a fast path the RST may beat the client's own view of the
	// handshake, and Node then reports the reset without 'connect'.
	if got := x.clog.String(); got != "connect ready error(ECONNRESET) close" && got != "error(ECONNRESET) close" {
		t.Errorf("client events %q, want [connect ready] error(ECONNRESET) close", got)
	}
	expect(t, "server", x.slog, "close")
}

func idleTimeout(t *testing.T, p Peers) {
	const idle = 30e6 // 30 ms
	x := open(t, p, simnet.ListenOptions{}, simnet.ConnectOptions{}, nil)
	var connected, fired = int64(-1), int64(-1)
	loop := x.client.Loop()
	x.client.Events.Connect.On(func(struct{}) {
		connected = int64(loop.Now())
		x.client.SetTimeout(idle)
	})
	x.client.Events.Timeout.On(func(struct{}) {
		fired = int64(loop.Now())
		x.client.Destroy(nil)
	})
	x.runUntilClosed(t)
	expect(t, "client", x.clog, "connect ready timeout close")
	expect(t, "server", x.slog, "end finish close")
	if fired-connected < idle {
		t.Errorf("'timeout' came %v after 'connect', want at least %v", fired-connected, int64(idle))
	}
}

// writeThenDrain writes 64 KiB chunks until write returns false (Node v20
// returns true while the kernel takes each write whole), then ends on
// 'drain'; the reader gets every byte.
func writeThenDrain(t *testing.T, p Peers) {
	const chunk, limit = 64 << 10, 64 << 20
	data := make([]byte, chunk)
	for i := range data {
		data[i] = byte(i)
	}
	written := 0
	x := open(t, p, simnet.ListenOptions{}, simnet.ConnectOptions{}, func(x *pair) {
		x.server.Events.End.On(func(struct{}) { x.server.End(nil, nil) })
	})
	x.client.Events.Connect.On(func(struct{}) {
		for written < limit {
			written += chunk
			if !x.client.Write(data, nil) {
				return
			}
		}
		t.Errorf("write never returned false in %d bytes", written)
	})
	x.client.Events.Drain.On(func(struct{}) { x.client.End(nil, nil) })
	x.runUntilClosed(t)
	if len(x.sbuf) != written {
		t.Errorf("server read %d bytes, want all %d written", len(x.sbuf), written)
	}
	for i, b := range x.sbuf {
		if b != byte(i%chunk) {
			t.Errorf("server byte %d is %d, want %d", i, b, byte(i%chunk))
			break
		}
	}
	expect(t, "client", x.clog, "connect ready drain finish end close")
	expect(t, "server", x.slog, "data end finish close")
}

// pausedReader writes 1 KiB chunks to a paused reader until write returns
// false and no 'drain' comes for a while; then the reader resumes, 'drain'
// comes and every byte arrives.
func pausedReader(t *testing.T, p Peers) {
	const (
		chunk = 1024
		limit = 64 << 20 // the most any kernel should buffer
		quiet = 50e6     // 50 ms without 'drain' means the writer is stuck
	)
	x := open(t, p, simnet.ListenOptions{}, simnet.ConnectOptions{}, func(x *pair) { x.server.Pause() })
	loop := x.client.Loop()
	written, stalled := 0, false
	var stuck *simnet.Timer
	data := make([]byte, chunk)
	pump := func() {
		for written < limit {
			written += chunk
			if !x.client.Write(data, nil) {
				stuck = loop.SetTimeout(quiet, func() { stalled = true })
				return
			}
		}
		t.Errorf("wrote %d bytes to a paused reader without write returning false", written)
		x.client.Destroy(nil)
	}
	x.client.Events.Connect.On(func(struct{}) { pump() })
	x.client.Events.Drain.On(func(struct{}) {
		if !stalled {
			stuck.Clear()
			pump()
		}
	})
	x.run(t, func() bool { return stalled || x.cclosed })
	if x.cclosed {
		t.Fatalf("client closed before the writer stalled: %s", x.clog.String())
	}
	if len(x.sbuf) >= written {
		t.Fatalf("the paused reader took all %d bytes", written)
	}
	drained := 0
	x.client.Events.Drain.On(func(struct{}) {
		drained++
		x.client.End(nil, nil)
	})
	x.server.Events.Data.On(func([]byte) {
		if len(x.sbuf) == written {
			x.server.End(nil, nil)
		}
	})
	x.server.Resume()
	x.runUntilClosed(t)
	if drained != 1 {
		t.Errorf("'drain' came %d times after resume, want once", drained)
	}
	if len(x.sbuf) != written {
		t.Errorf("server read %d bytes, want all %d written", len(x.sbuf), written)
	}
}
