package realtcp

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strconv"
	"time"

	"github.com/simhttp/simhttp/simnet"
)

// Accept errors such as EMFILE leave the connection waiting in the kernel;
// the accept loop backs off between these bounds instead of spinning.
const (
	minAcceptBackoff = 5 * time.Millisecond
	maxAcceptBackoff = time.Second
)

// listener is a listening OS socket whose accept goroutine posts each
// connection to the loop.
type listener struct {
	loop   *simnet.Loop
	ln     net.Listener
	addr   netip.AddrPort
	opts   simnet.ListenOptions
	onConn func(*simnet.Socket)
	handle *simnet.Handle
	closed bool          // owned by the loop
	stop   chan struct{} // closed by Close to end a backoff early
	done   chan struct{} // closed when the accept goroutine has returned
}

// Listen is server.listen(options) on the OS. A host name is resolved first,
// as Node does, so the address and any error name the IP; an empty host
// listens on every address, IPv6 and IPv4. The kernel's own backlog limit
// applies: Go offers no way to pass opts.Backlog to listen(2).
func (rt *Runtime) Listen(opts simnet.ListenOptions, onConnection func(*simnet.Socket)) (simnet.Listener, error) {
	if opts.Port < 0 || opts.Port > 65535 {
		return nil, badPort("options.port", opts.Port)
	}
	host, shown := opts.Host, "::"
	if host != "" {
		addr, err := netip.ParseAddr(host)
		if err != nil {
			addrs, lerr := rt.resolver.LookupNetIP(context.Background(), "ip", host)
			switch {
			case lerr != nil:
				return nil, lookupError(lerr, host)
			case len(addrs) == 0:
				return nil, notFound(host)
			}
			addr = addrs[0]
		}
		addr = addr.Unmap()
		host, shown = addr.String(), addr.String()
	}
	ln, err := rt.listen(context.Background(), "tcp", net.JoinHostPort(host, strconv.Itoa(opts.Port)))
	if err != nil {
		return nil, listenError(err, shown+":"+strconv.Itoa(opts.Port))
	}
	l := &listener{
		loop:   rt.loop,
		ln:     ln,
		addr:   addrOf(ln.Addr()),
		opts:   opts,
		onConn: onConnection,
		handle: rt.loop.NewHandle(),
		stop:   make(chan struct{}),
		done:   make(chan struct{}),
	}
	go l.acceptLoop()
	return l, nil
}

// Addr is server.address(): with port 0, the port the OS picked.
func (l *listener) Addr() netip.AddrPort { return l.addr }

// Close stops accepting and waits for the accept goroutine; accepted sockets
// stay open. The handle is let go after the connections already posted, so
// each of them still gets closed.
func (l *listener) Close() {
	if l.closed {
		return
	}
	l.closed = true
	close(l.stop)
	_ = l.ln.Close()
	<-l.done
	l.loop.Post(l.handle.Close)
}

// Ref makes the listener keep the loop alive (the default).
func (l *listener) Ref() { l.handle.Ref() }

// Unref lets the loop finish while the listener is open.
func (l *listener) Unref() { l.handle.Unref() }

func (l *listener) acceptLoop() {
	defer close(l.done)
	backoff := time.Duration(0)
	for {
		c, err := l.ln.Accept()
		if err == nil {
			backoff = 0
			tc := c.(tcpConn)
			l.loop.Post(func() { l.accepted(tc) })
			continue
		}
		if errors.Is(err, net.ErrClosed) {
			return
		}
		backoff = min(max(2*backoff, minAcceptBackoff), maxAcceptBackoff)
		t := time.NewTimer(backoff)
		select {
		case <-l.stop:
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// accepted turns a connection into a server-side socket, on the loop.
func (l *listener) accepted(tc tcpConn) {
	if l.closed {
		_ = tc.Close()
		return
	}
	s, feed := simnet.NewSocket(l.loop, simnet.SocketOptions{
		Obj:            "ssocket",
		AllowHalfOpen:  l.opts.AllowHalfOpen,
		PauseOnConnect: l.opts.PauseOnConnect,
	})
	c := newConn(l.loop, feed, tc)
	feed.Accepted(c, addrOf(tc.LocalAddr()), addrOf(tc.RemoteAddr()))
	c.start()
	if l.onConn != nil {
		l.onConn(s)
	}
}
