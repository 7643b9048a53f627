package realtcp

import (
	"context"
	"net"
	"net/netip"

	"github.com/simhttp/simhttp/simnet"
)

// Runtime is a simnet.Runtime over the operating system's TCP stack: one
// wall-clock loop, like one Node process.
type Runtime struct {
	loop     *simnet.Loop
	resolver *net.Resolver
	dialer   func(local *net.TCPAddr) (DialFunc, error)
	listen   ListenFunc
}

// DialFunc opens a TCP connection, as net.Dialer.DialContext does.
type DialFunc func(ctx context.Context, network, address string) (net.Conn, error)

// ListenFunc opens a TCP listener, as net.ListenConfig.Listen does.
type ListenFunc func(ctx context.Context, network, address string) (net.Listener, error)

var _ simnet.Runtime = (*Runtime)(nil)

// New returns a runtime with a fresh wall-clock loop.
func New() *Runtime {
	lc := net.ListenConfig{KeepAlive: -1}
	return &Runtime{
		loop:     simnet.NewRealLoop(),
		resolver: net.DefaultResolver,
		dialer: func(local *net.TCPAddr) (DialFunc, error) {
			d := &net.Dialer{KeepAlive: -1}
			if local != nil {
				d.LocalAddr = local
			}
			return d.DialContext, nil
		},
		listen: lc.Listen,
	}
}

// Over returns a runtime like New's whose connections come from dial and
// listen instead of the operating system, such as simnet/gonet's Go
// interfaces over a simulated host: Node's socket semantics on any stack
// that gives Go's. Its connections must have *net.TCPConn's CloseWrite,
// SetLinger, SetNoDelay, SetKeepAlive and SetKeepAlivePeriod.
func Over(dial DialFunc, listen ListenFunc) *Runtime {
	return &Runtime{
		loop:     simnet.NewRealLoop(),
		resolver: net.DefaultResolver,
		dialer: func(local *net.TCPAddr) (DialFunc, error) {
			if local != nil {
				return nil, &simnet.Error{Code: "ERR_INVALID_ARG_VALUE", Message: "options.localAddress and options.localPort need the operating system's stack", Field: "options.localAddress"}
			}
			return dial, nil
		},
		listen: listen,
	}
}

// Loop is the loop every callback of this runtime runs on.
func (rt *Runtime) Loop() *simnet.Loop { return rt.loop }

// Run runs the loop on the calling goroutine until nothing ref'd is left.
func (rt *Runtime) Run() error { return rt.loop.Run() }

// Lookup is dns.lookup: it resolves host with the system's resolver and
// calls cb in the poll phase with the first address of the family asked for
// (0 for any, 4 or 6). Until then the lookup keeps the loop alive, as
// getaddrinfo does in Node.
func (rt *Runtime) Lookup(host string, family int, cb func(netip.Addr, error)) {
	h := rt.loop.NewHandle()
	done := func(addr netip.Addr, err error) {
		rt.loop.Post(func() {
			h.Close()
			cb(addr, err)
		})
	}
	if host == "" {
		host = "localhost"
	}
	network, err := lookupNetwork(family)
	if err != nil {
		done(netip.Addr{}, err)
		return
	}
	if addr, err := netip.ParseAddr(host); err == nil {
		done(addr.Unmap(), nil)
		return
	}
	go func() {
		addrs, err := rt.resolver.LookupNetIP(context.Background(), network, host)
		switch {
		case err != nil:
			done(netip.Addr{}, lookupError(err, host))
		case len(addrs) == 0:
			done(netip.Addr{}, notFound(host))
		default:
			done(addrs[0].Unmap(), nil)
		}
	}()
}

// Connect is net.connect(options): the socket comes back at once and
// connects in the background. A host name is looked up first ('lookup'
// event); an IP address is dialled directly, as Node does.
func (rt *Runtime) Connect(opts simnet.ConnectOptions) (*simnet.Socket, error) {
	if opts.Port < 0 || opts.Port > 65535 {
		return nil, badPort("Port", opts.Port)
	}
	if _, err := lookupNetwork(opts.Family); err != nil {
		return nil, err
	}
	var local netip.Addr
	if opts.LocalAddress != "" {
		a, err := netip.ParseAddr(opts.LocalAddress)
		if err != nil {
			return nil, badIP("options.localAddress", opts.LocalAddress)
		}
		local = a
	}
	if opts.LocalPort < 0 || opts.LocalPort > 65535 {
		return nil, badPort("options.localPort", opts.LocalPort)
	}
	var localAddr *net.TCPAddr
	if local.IsValid() || opts.LocalPort != 0 {
		localAddr = &net.TCPAddr{IP: local.AsSlice(), Port: opts.LocalPort}
	}
	d, err := rt.dialer(localAddr)
	if err != nil {
		return nil, err
	}
	s, feed := simnet.NewSocket(rt.loop, simnet.SocketOptions{Obj: "socket", AllowHalfOpen: opts.AllowHalfOpen})
	if opts.Timeout > 0 {
		s.SetTimeout(opts.Timeout)
	}
	host := opts.Host
	if host == "" {
		host = "localhost"
	}
	if addr, err := netip.ParseAddr(host); err == nil {
		rt.loop.NextTick(func() {
			if s.Connecting() {
				rt.dial(s, feed, d, netip.AddrPortFrom(addr.Unmap(), uint16(opts.Port)))
			}
		})
		return s, nil
	}
	lookup := opts.Lookup
	if lookup == nil {
		lookup = rt.Lookup
	}
	lookup(host, opts.Family, func(addr netip.Addr, err error) {
		feed.Looked(simnet.LookupResult{Err: err, Address: addr, Host: host})
		switch {
		case err != nil:
			feed.Fail(err)
		case s.Connecting():
			rt.dial(s, feed, d, netip.AddrPortFrom(addr.Unmap(), uint16(opts.Port)))
		}
	})
	return s, nil
}

// dial connects in a goroutine and posts the outcome. Like libuv's connect
// request, the attempt keeps the loop alive until its outcome is handled, so
// a connection that completes as its socket is destroyed still gets closed;
// destroying the socket cancels the attempt, so that wait is short.
func (rt *Runtime) dial(s *simnet.Socket, feed simnet.Feed, d DialFunc, to netip.AddrPort) {
	ctx, cancel := context.WithCancel(context.Background())
	s.Events.Close.Once(func(bool) { cancel() })
	req := rt.loop.NewHandle()
	go func() {
		defer cancel()
		c, err := d(ctx, "tcp", to.String())
		if err != nil {
			fail := opError("connect", err, hostPort(to.Addr(), int(to.Port())))
			rt.loop.Post(func() {
				req.Close()
				feed.Fail(fail)
			})
			return
		}
		tc := c.(tcpConn)
		rt.loop.Post(func() {
			req.Close()
			c := newConn(rt.loop, feed, tc)
			feed.Connected(c, addrOf(tc.LocalAddr()), addrOf(tc.RemoteAddr()))
			c.start()
		})
	}()
}

// addrOf is a TCP address as a netip.AddrPort, IPv4 unmapped.
func addrOf(a net.Addr) netip.AddrPort {
	ap := a.(*net.TCPAddr).AddrPort()
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

// lookupNetwork is the resolver's network for Node's address family.
func lookupNetwork(family int) (string, error) {
	switch family {
	case 0:
		return "ip", nil
	case 4:
		return "ip4", nil
	case 6:
		return "ip6", nil
	}
	return "", badFamily(family)
}
