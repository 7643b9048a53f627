package simnet

import (
	"fmt"
	"net/netip"
)

// Host is one machine of a World and the Runtime for code running on it:
// its connections leave from its addresses and its listeners answer on them.
type Host struct {
	world     *World
	name      string
	index     int // position in World.hosts, ordering host pairs
	addrs     []netip.Addr
	listeners []*tcpListener
	bound     map[uint16]int // listeners per port
	nextPort  int            // next ephemeral port to try

	// The local ports of this host's outgoing connections, by route: a
	// connection is unique on its host by its route and local port.
	routes    map[route]routeUse
	ports     map[routePort]struct{}
	nextRoute uint32
}

// route is an outgoing connection's ends but for its local port. Routes
// are numbered, so each port in use costs a small key where the whole
// pair of addresses cost 64 bytes: 100,000 connections to one server
// share one route (BenchmarkIdleHTTPConns).
type route struct {
	src    netip.Addr
	remote netip.AddrPort
}

// routeUse is a route's number and how many connections use it; the
// route is forgotten with its last connection.
type routeUse struct {
	id    uint32
	conns int
}

type routePort struct {
	route uint32
	port  uint16
}

// Ephemeral ports are handed out upward from IANA's dynamic range, per host,
// wrapping around, as deterministic stand-ins for Linux's random choice.
const (
	firstEphemeralPort = 49152
	lastPort           = 65535
)

var _ Runtime = (*Host)(nil)

// Name is the host's DNS name.
func (h *Host) Name() string { return h.name }

// Addrs returns the host's addresses, loopback excluded.
func (h *Host) Addrs() []netip.Addr { return append([]netip.Addr(nil), h.addrs...) }

// Loop is the world's loop; every host shares it.
func (h *Host) Loop() *Loop { return h.world.loop }

// Connect is net.connect: the socket returns at once; a host name is looked
// up first ('lookup'), an IP address is dialled on the next tick, as Node does.
func (h *Host) Connect(opts ConnectOptions) (*Socket, error) {
	if err := checkPort("Port", opts.Port); err != nil {
		return nil, err
	}
	if err := checkPort("LocalPort", opts.LocalPort); err != nil {
		return nil, err
	}
	if opts.Family != 0 && opts.Family != 4 && opts.Family != 6 {
		return nil, invalidField("Family", "must be 0, 4 or 6, got %d", opts.Family)
	}
	loop := h.world.loop
	s, feed := NewSocket(loop, SocketOptions{Obj: "socket", AllowHalfOpen: opts.AllowHalfOpen})
	if opts.Timeout > 0 {
		s.SetTimeout(opts.Timeout)
	}
	name := opts.Host
	if name == "" {
		name = "localhost"
	}
	if ip, err := netip.ParseAddr(name); err == nil {
		d := Alloc[addrDial](loop)
		*d = addrDial{h: h, feed: feed, ip: ip.Unmap(), opts: opts}
		loop.NextTickWith(dialAddr, d)
		return s, nil
	}
	lookup := opts.Lookup
	if lookup == nil {
		lookup = h.Lookup
	}
	lookup(name, opts.Family, func(ip netip.Addr, err error) {
		feed.Looked(LookupResult{Err: err, Address: ip, Host: name})
		if !s.Connecting() {
			return
		}
		if err != nil {
			loop.NextTick(func() { feed.Fail(err) })
			return
		}
		h.dial(feed, ip.Unmap(), opts)
	})
	return s, nil
}

// addrDial is a Connect to an address, dialled on the next tick. From the
// world's spares: a closure holding the same was garbage once the world
// passed, about a hundred and fifty bytes per connection of a sweep seed.
type addrDial struct {
	h    *Host
	feed Feed
	ip   netip.Addr
	opts ConnectOptions
}

// dialAddr dials an addrDial unless its socket was destroyed meanwhile.
func dialAddr(arg any) {
	d := arg.(*addrDial)
	if d.feed.s.Connecting() {
		d.h.dial(d.feed, d.ip, d.opts)
	}
}

// checkPort rejects a port number the way Node's validatePort does.
func checkPort(field string, port int) error {
	if port < 0 || port > lastPort {
		return &Error{
			Code:    "ERR_SOCKET_BAD_PORT",
			Message: fmt.Sprintf("%s should be >= 0 and < 65536. Received type number (%d).", field, port),
			Field:   field,
		}
	}
	return nil
}

// dial picks the local address and port and sends the SYN.
func (h *Host) dial(feed Feed, ip netip.Addr, opts ConnectOptions) {
	remote := netip.AddrPortFrom(ip, uint16(opts.Port))
	src, err := h.sourceAddr(ip, opts.LocalAddress)
	if err != nil {
		feed.Fail(err)
		return
	}
	local, err := h.bindPort(src, opts.LocalPort, remote)
	if err != nil {
		feed.Fail(err)
		return
	}
	h.world.open(h, local, remote, feed)
}

// sourceAddr chooses the address a connection to dst leaves from: the
// loopback for loopback, else the requested or first address of dst's family.
func (h *Host) sourceAddr(dst netip.Addr, want string) (netip.Addr, error) {
	if want != "" {
		a, err := netip.ParseAddr(want)
		if err != nil || !h.owns(a.Unmap()) || a.Is4() != dst.Is4() {
			return netip.Addr{}, sysError("EADDRNOTAVAIL", "bind", want)
		}
		return a.Unmap(), nil
	}
	if dst.IsLoopback() {
		return dst, nil
	}
	for _, a := range h.addrs {
		if a.Is4() == dst.Is4() {
			return a, nil
		}
	}
	return netip.Addr{}, sysError("ENETUNREACH", "connect", dst.String())
}

// owns reports whether a is one of h's addresses or a loopback address.
func (h *Host) owns(a netip.Addr) bool {
	if a.IsLoopback() {
		return true
	}
	for _, b := range h.addrs {
		if a == b {
			return true
		}
	}
	return false
}

// bindPort reserves a local port for a connection to remote: the requested
// one, or the next free ephemeral port. Like Linux, one port serves many
// connections as long as their remote ends differ.
func (h *Host) bindPort(src netip.Addr, want int, remote netip.AddrPort) (netip.AddrPort, error) {
	r := route{src, remote}
	use, known := h.routes[r]
	if !known {
		// No port of an unused number is taken; the number is spent
		// only if a port is.
		use.id = h.nextRoute
	}
	free := func(port int) bool {
		_, used := h.ports[routePort{use.id, uint16(port)}]
		return !used && !h.listening(port)
	}
	port := want
	if want != 0 {
		if !free(want) {
			return netip.AddrPort{}, sysError("EADDRINUSE", "bind", netip.AddrPortFrom(src, uint16(want)).String())
		}
	} else {
		for range lastPort - firstEphemeralPort + 1 {
			if p := h.takeEphemeral(); free(p) {
				port = p
				break
			}
		}
		if port == 0 {
			return netip.AddrPort{}, sysError("EADDRNOTAVAIL", "connect", remote.String())
		}
	}
	if h.routes == nil {
		h.routes, h.ports = map[route]routeUse{}, map[routePort]struct{}{}
	}
	if !known {
		h.nextRoute++
	}
	use.conns++
	h.routes[r] = use
	h.ports[routePort{use.id, uint16(port)}] = struct{}{}
	return netip.AddrPortFrom(src, uint16(port)), nil
}

func (h *Host) takeEphemeral() int {
	p := h.nextPort
	h.nextPort++
	if h.nextPort > lastPort {
		h.nextPort = firstEphemeralPort
	}
	return p
}

func (h *Host) releasePort(local, remote netip.AddrPort) {
	r := route{local.Addr(), remote}
	use, known := h.routes[r]
	if !known {
		return
	}
	delete(h.ports, routePort{use.id, local.Port()})
	if use.conns--; use.conns == 0 {
		delete(h.routes, r)
	} else {
		h.routes[r] = use
	}
}

// listening reports whether an open listener of h uses port.
func (h *Host) listening(port int) bool { return h.bound[uint16(port)] > 0 }
