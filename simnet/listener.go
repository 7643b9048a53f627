package simnet

import (
	"net/netip"
	"strconv"
	"strings"
)

// defaultBacklog is Node's listen backlog when none is given.
const defaultBacklog = 511

// tcpListener is a listening socket of a Host.
//
// Backlog follows Linux with tcp_abort_on_overflow off: a SYN that arrives
// while more than Backlog connections are still completing their handshake
// is dropped (a "drop" event with reason "backlog"), not refused, and the
// client retransmits it 1 s, 3 s, 7 s ... later. Accepting is immediate once
// a handshake completes, so only handshakes in flight count.
type tcpListener struct {
	host     *Host
	addr     netip.AddrPort // bound address; unspecified for every address
	wildcard bool
	opts     ListenOptions
	backlog  int
	waiting  int // handshakes under way: SYN answered, final ACK not yet in
	onConn   func(*Socket)
	handle   *Handle
	closed   bool
	queue    []*Socket // the accept queue: handshakes complete, not accepted yet
}

// Listen is server.listen: it binds at once (errors are returned, not
// emitted), and onConnection runs in the poll phase for every connection
// whose handshake completes. Port 0 picks the host's next free ephemeral
// port. Binding a port another listener of the host holds on an
// overlapping address fails with EADDRINUSE.
func (h *Host) Listen(opts ListenOptions, onConnection func(*Socket)) (Listener, error) {
	if err := checkPort("Port", opts.Port); err != nil {
		return nil, err
	}
	if opts.Backlog < 0 {
		return nil, invalidField("Backlog", "must not be negative, got %d", opts.Backlog)
	}
	if onConnection == nil {
		return nil, invalidField("onConnection", "must not be nil")
	}
	addr, wildcard, err := h.bindAddr(opts.Host, opts.Port)
	if err != nil {
		return nil, err
	}
	port := opts.Port
	if port == 0 {
		if port = h.freeListenPort(); port == 0 {
			return nil, &Error{
				Code:    "EADDRINUSE",
				Message: "listen EADDRINUSE: address already in use " + netip.AddrPortFrom(addr, 0).String() + " (no free ephemeral port)",
				Syscall: "listen",
				Field:   "Port",
			}
		}
	}
	ap := netip.AddrPortFrom(addr, uint16(port))
	if h.listening(port) {
		for _, l := range h.listeners {
			if int(l.addr.Port()) == port && (l.wildcard || wildcard || l.addr.Addr() == addr) {
				return nil, &Error{
					Code:    "EADDRINUSE",
					Message: "listen EADDRINUSE: address already in use " + ap.String(),
					Syscall: "listen",
					Field:   "Port",
				}
			}
		}
	}
	backlog := opts.Backlog
	if backlog == 0 {
		backlog = defaultBacklog
	}
	// From the world's spares, as its sockets are.
	l := Alloc[tcpListener](h.world.loop)
	*l = tcpListener{
		host: h, addr: ap, wildcard: wildcard, opts: opts, backlog: backlog,
		onConn: onConnection, handle: h.world.loop.NewHandle(),
	}
	h.listeners = append(h.listeners, l)
	if h.bound == nil {
		h.bound = map[uint16]int{}
	}
	h.bound[ap.Port()]++
	return l, nil
}

// bindAddr resolves a listen host: "" or an unspecified address binds every
// address; localhost, a loopback or one of h's addresses binds that one.
func (h *Host) bindAddr(host string, port int) (netip.Addr, bool, error) {
	switch {
	case host == "":
		return netip.IPv4Unspecified(), true, nil
	case strings.EqualFold(host, "localhost"):
		return netip.AddrFrom4([4]byte{127, 0, 0, 1}), false, nil
	case strings.EqualFold(host, h.name):
		return h.addrs[0], false, nil
	}
	a, err := netip.ParseAddr(host)
	if err == nil && a.Unmap().IsUnspecified() {
		return a.Unmap(), true, nil
	}
	if err != nil || !h.owns(a.Unmap()) {
		return netip.Addr{}, false, &Error{
			Code:    "EADDRNOTAVAIL",
			Message: "listen EADDRNOTAVAIL: address not available " + host + ":" + strconv.Itoa(port),
			Syscall: "listen",
			Field:   "Host",
		}
	}
	return a.Unmap(), false, nil
}

// freeListenPort is the next ephemeral port no listener of h holds, or 0
// when they all are.
func (h *Host) freeListenPort() int {
	for range lastPort - firstEphemeralPort + 1 {
		if p := h.takeEphemeral(); !h.listening(p) {
			return p
		}
	}
	return 0
}

// listenerFor finds the open listener for a SYN to dst: one bound to dst
// itself first, else one bound to every address.
func (h *Host) listenerFor(dst netip.AddrPort) *tcpListener {
	var wild *tcpListener
	for _, l := range h.listeners {
		switch {
		case l.addr.Port() != dst.Port():
		case !l.wildcard && l.addr.Addr() == dst.Addr():
			return l
		case l.wildcard && wild == nil:
			wild = l
		}
	}
	return wild
}

// Addr is server.address(): the bound address and port.
func (l *tcpListener) Addr() netip.AddrPort { return l.addr }

// Close stops accepting: later SYNs are refused, and handshakes still under
// way are reset when they complete. Accepted sockets stay open.
func (l *tcpListener) Close() {
	if l.closed {
		return
	}
	l.closed = true
	l.handle.Close()
	// Closing a listening socket resets what waits in its accept queue.
	for _, s := range l.queue {
		s.discard()
	}
	l.queue = nil
	l.host.bound[l.addr.Port()]--
	ls := l.host.listeners
	for i, x := range ls {
		if x == l {
			l.host.listeners = append(ls[:i:i], ls[i+1:]...)
			break
		}
	}
}

// Ref makes the listener keep the loop alive (the default).
func (l *tcpListener) Ref() { l.handle.Ref() }

// Unref lets the loop finish while the listener is open.
func (l *tcpListener) Unref() { l.handle.Unref() }

// enqueue puts a connection whose handshake just completed in the accept
// queue: the kernel keeps what arrives for it until the program accepts it
// in a later poll and starts reading.
func (l *tcpListener) enqueue(e *end) {
	loop := l.host.world.loop
	e.reading = false
	s, feed := newSocket(loop, SocketOptions{
		Obj:            "ssocket",
		AllowHalfOpen:  l.opts.AllowHalfOpen,
		PauseOnConnect: l.opts.PauseOnConnect,
	})
	e.feed = feed
	feed.Accepted(e, e.addr, e.c.end[client].addr)
	l.queue = append(l.queue, s)
	if len(l.queue) == 1 {
		loop.ready(l.acceptNext)
	}
}

// acceptNext hands the oldest queued connection to the program. libuv
// accepts one connection each time epoll reports the listener (real Node
// v20 accepts three connects made together in three turns), and the
// listener stays ready while more wait.
func (l *tcpListener) acceptNext() {
	if len(l.queue) == 0 {
		return
	}
	s := l.queue[0]
	l.queue[0] = nil
	l.queue = l.queue[1:]
	if len(l.queue) > 0 {
		s.loop.readyAgain(l.acceptNext)
	}
	s.id = s.loop.events.NewID(s.obj)
	if !s.pauseOnConnect {
		s.t.SetReading(true)
	}
	l.onConn(s)
}
