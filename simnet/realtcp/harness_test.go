package realtcp

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/simhttp/simhttp/simnet"
)

// eventLog lists a socket's events by Node's names, a run of 'data' events
// as one entry, since TCP may split a payload anywhere.
type eventLog []string

func (l *eventLog) add(name string) {
	if name == "data" && len(*l) > 0 && (*l)[len(*l)-1] == "data" {
		return
	}
	*l = append(*l, name)
}

// record logs every event s emits into l.
func record(s *simnet.Socket, l *eventLog) {
	e := &s.Events
	e.Lookup.On(func(r simnet.LookupResult) {
		if r.Err != nil {
			l.add("lookup(" + simnet.CodeOf(r.Err) + ")")
			return
		}
		l.add("lookup")
	})
	e.Connect.On(func(struct{}) { l.add("connect") })
	e.Ready.On(func(struct{}) { l.add("ready") })
	e.Data.On(func([]byte) { l.add("data") })
	e.End.On(func(struct{}) { l.add("end") })
	e.Finish.On(func(struct{}) { l.add("finish") })
	e.Drain.On(func(struct{}) { l.add("drain") })
	e.Timeout.On(func(struct{}) { l.add("timeout") })
	e.Error.On(func(err error) { l.add("error(" + simnet.CodeOf(err) + ")") })
	e.Close.On(func(bool) { l.add("close") })
}

func checkLog(t *testing.T, who string, got eventLog, want string) {
	t.Helper()
	if diff := cmp.Diff(strings.Fields(want), []string(got)); diff != "" {
		t.Errorf("%s events (-want +got):\n%s", who, diff)
	}
}

// newRuntime returns a runtime and, when the test ends, checks that no
// goroutine is still running the runtime's code: closing everything must
// leave nothing behind.
func newRuntime(t *testing.T) *Runtime {
	t.Helper()
	t.Cleanup(func() { noLeak(t) })
	return New()
}

// run runs rt until nothing ref'd is left, failing on an uncaught error.
func run(t *testing.T, rt *Runtime) {
	t.Helper()
	if err := rt.Run(); err != nil {
		t.Fatalf("Run: %v", err)
	}
}

// noLeak gives goroutines that have done their last act (posting to the
// loop) a bounded number of scheduler turns to return, then reports any
// still inside simnet's code.
func noLeak(t *testing.T) {
	t.Helper()
	var left []string
	for range 100000 {
		if left = runningOurCode(); len(left) == 0 {
			return
		}
		runtime.Gosched()
	}
	t.Errorf("%d goroutines still running:\n%s", len(left), strings.Join(left, "\n\n"))
}

// runningOurCode is the stack of every goroutine the runtime started that is
// still inside simnet's code: test goroutines run under testing's tRunner,
// and one that has returned shows simnet only on its "created by" line.
func runningOurCode() []string {
	buf := make([]byte, 1<<20)
	var ours []string
	for _, g := range strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n") {
		if strings.Contains(g, "testing.tRunner") {
			continue
		}
		for _, line := range strings.Split(g, "\n") {
			if strings.Contains(line, "simhttp/simnet") && !strings.HasPrefix(line, "created by ") {
				ours = append(ours, g)
				break
			}
		}
	}
	return ours
}

// listen starts a server on 127.0.0.1 with an OS-picked port.
func listen(t *testing.T, rt *Runtime, opts simnet.ListenOptions, onConn func(*simnet.Socket)) simnet.Listener {
	t.Helper()
	opts.Host = "127.0.0.1"
	ln, err := rt.Listen(opts, onConn)
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	return ln
}

func connect(t *testing.T, rt *Runtime, to netip.AddrPort) *simnet.Socket {
	t.Helper()
	s, err := rt.Connect(simnet.ConnectOptions{Host: to.Addr().String(), Port: int(to.Port())})
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	return s
}

// nxdomainResolver is a resolver whose DNS server, on loopback, answers
// every question with NXDOMAIN, so lookups fail the way a real one does
// without leaving the machine. stop ends the server.
func nxdomainResolver(t *testing.T) (r *net.Resolver, stop func()) {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("dns stub: %v", err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 512)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if reply, ok := nxdomain(buf[:n]); ok {
				_, _ = pc.WriteTo(reply, from)
			}
		}
	}()
	server := pc.LocalAddr().String()
	r = &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "udp", server)
		},
	}
	return r, func() { _ = pc.Close(); <-done }
}

// nxdomain turns a DNS query into its NXDOMAIN answer: the header with QR,
// RA and RCODE 3 set, the question echoed, no other records.
func nxdomain(q []byte) ([]byte, bool) {
	const header = 12
	i := header
	for i < len(q) && q[i] != 0 {
		i += int(q[i]) + 1
	}
	end := i + 1 + 4 // the root label, QTYPE and QCLASS
	if len(q) < end {
		return nil, false
	}
	r := append([]byte(nil), q[:end]...)
	r[2] |= 0x80                                            // QR: a response
	r[3] = 0x80 | 3                                         // RA, RCODE NXDOMAIN
	r[4], r[5] = 0, 1                                       // one question
	r[6], r[7], r[8], r[9], r[10], r[11] = 0, 0, 0, 0, 0, 0 // no answers, authority or additional records
	return r, true
}

// asNodeError is the *simnet.Error inside err, failing the test if none.
func asNodeError(t *testing.T, err error) *simnet.Error {
	t.Helper()
	var ne *simnet.Error
	if !errors.As(err, &ne) {
		t.Fatalf("%v (%T) is not a *simnet.Error", err, err)
	}
	return ne
}
