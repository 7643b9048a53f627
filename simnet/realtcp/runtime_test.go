package realtcp

import (
	"errors"
	"net/netip"
	"syscall"
	"testing"

	"github.com/simhttp/simhttp/internal/refusing"
	"github.com/simhttp/simhttp/simnet"
)

func TestConnectToClosedPortIsRefused(t *testing.T) {
	rt := newRuntime(t)
	to := refusing.Addr(t)
	var client eventLog
	c := connect(t, rt, to)
	record(c, &client)
	var failure error
	c.Events.Error.On(func(err error) { failure = err })
	run(t, rt)

	checkLog(t, "client", client, "error(ECONNREFUSED) close")
	if want := "connect ECONNREFUSED " + to.String(); failure == nil || failure.Error() != want {
		t.Errorf("error = %v, want %s", failure, want)
	}
	if !errors.Is(failure, simnet.ErrConnRefused) || !errors.Is(failure, syscall.ECONNREFUSED) {
		t.Errorf("error %v is not both ErrConnRefused and syscall.ECONNREFUSED", failure)
	}
}

func TestConnectToUnknownNameIsENOTFOUND(t *testing.T) {
	rt := newRuntime(t)
	resolver, stop := nxdomainResolver(t)
	defer stop()
	rt.resolver = resolver
	var client eventLog
	c, err := rt.Connect(simnet.ConnectOptions{Host: "nosuch.invalid", Port: 80})
	if err != nil {
		t.Fatal(err)
	}
	record(c, &client)
	var failure error
	c.Events.Error.On(func(err error) { failure = err })
	run(t, rt)

	checkLog(t, "client", client, "lookup(ENOTFOUND) error(ENOTFOUND) close")
	if want := "getaddrinfo ENOTFOUND nosuch.invalid"; failure == nil || failure.Error() != want {
		t.Errorf("error = %v, want %s", failure, want)
	}
	if !errors.Is(failure, simnet.ErrNotFound) || asNodeError(t, failure).Syscall != "getaddrinfo" {
		t.Errorf("error %v is not ErrNotFound from getaddrinfo", failure)
	}
}

func TestConnectByNameLooksUpThenConnects(t *testing.T) {
	rt := newRuntime(t)
	var ln simnet.Listener
	ln = listen(t, rt, simnet.ListenOptions{}, func(s *simnet.Socket) {
		ln.Close()
		s.Destroy(nil)
	})
	var asked string
	lookup := func(host string, family int, cb func(netip.Addr, error)) {
		asked = host
		rt.Lookup(ln.Addr().Addr().String(), family, cb)
	}
	var client eventLog
	c, err := rt.Connect(simnet.ConnectOptions{Host: "server.test", Port: int(ln.Addr().Port()), Lookup: lookup})
	if err != nil {
		t.Fatal(err)
	}
	record(c, &client)
	var looked simnet.LookupResult
	c.Events.Lookup.On(func(r simnet.LookupResult) { looked = r })
	run(t, rt)

	checkLog(t, "client", client, "lookup connect ready end finish close")
	if asked != "server.test" || looked.Host != "server.test" || looked.Address != ln.Addr().Addr() {
		t.Errorf("looked up %q, 'lookup' gave %+v; want server.test -> %v", asked, looked, ln.Addr().Addr())
	}
	if c.RemoteAddr() != ln.Addr() {
		t.Errorf("remote address %v, want %v", c.RemoteAddr(), ln.Addr())
	}
}

func TestDestroyWhileConnectingOnlyCloses(t *testing.T) {
	rt := newRuntime(t)
	ln := listen(t, rt, simnet.ListenOptions{}, func(s *simnet.Socket) {
		t.Error("a destroyed socket went on connecting")
	})
	var client eventLog
	c := connect(t, rt, ln.Addr())
	record(c, &client)
	c.Destroy(nil)
	c.Events.Close.On(func(bool) { ln.Close() })
	run(t, rt)

	checkLog(t, "client", client, "close")
}

func TestLookup(t *testing.T) {
	rt := newRuntime(t)
	resolver, stop := nxdomainResolver(t)
	defer stop()
	rt.resolver = resolver
	type answer struct {
		addr netip.Addr
		code string
	}
	cases := []struct {
		host   string
		family int
		want   answer
	}{
		{"127.0.0.1", 0, answer{addr: netip.MustParseAddr("127.0.0.1")}},
		{"::ffff:10.0.0.1", 4, answer{addr: netip.MustParseAddr("10.0.0.1")}},
		{"::1", 6, answer{addr: netip.IPv6Loopback()}},
		{"nosuch.invalid", 4, answer{code: "ENOTFOUND"}},
		{"127.0.0.1", 5, answer{code: "ERR_INVALID_ARG_VALUE"}},
	}
	got := make([]answer, len(cases))
	sync := true
	for i, c := range cases {
		rt.Lookup(c.host, c.family, func(addr netip.Addr, err error) {
			if sync {
				t.Errorf("Lookup(%q) called back before returning", c.host)
			}
			got[i] = answer{addr, simnet.CodeOf(err)}
		})
	}
	sync = false
	run(t, rt)

	for i, c := range cases {
		if got[i] != c.want {
			t.Errorf("Lookup(%q, %d) = %v, want %v", c.host, c.family, got[i], c.want)
		}
	}
}

func TestBadOptionsAreRejectedAtOnce(t *testing.T) {
	rt := newRuntime(t)
	cases := []struct {
		name string
		call func() error
		code string
		msg  string
	}{
		{"connect port", func() error {
			_, err := rt.Connect(simnet.ConnectOptions{Port: 70000})
			return err
		}, "ERR_SOCKET_BAD_PORT", "Port should be >= 0 and < 65536. Received type number (70000)."},
		{"connect family", func() error {
			_, err := rt.Connect(simnet.ConnectOptions{Port: 80, Family: 5})
			return err
		}, "ERR_INVALID_ARG_VALUE", "The property 'options.family' must be one of: 0, 4, 6. Received 5"},
		{"connect localAddress", func() error {
			_, err := rt.Connect(simnet.ConnectOptions{Port: 80, LocalAddress: "x"})
			return err
		}, "ERR_INVALID_IP_ADDRESS", "Invalid IP address: x"},
		{"listen port", func() error {
			_, err := rt.Listen(simnet.ListenOptions{Port: -1}, nil)
			return err
		}, "ERR_SOCKET_BAD_PORT", "options.port should be >= 0 and < 65536. Received type number (-1)."},
	}
	for _, c := range cases {
		err := c.call()
		if simnet.CodeOf(err) != c.code || err.Error() != c.msg {
			t.Errorf("%s: error %v (%s), want %s (%s)", c.name, err, simnet.CodeOf(err), c.msg, c.code)
		}
	}
	run(t, rt)
}
