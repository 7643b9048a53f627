package gonet

import (
	"net"
	"sync"

	"github.com/simhttp/simhttp/simnet"
)

// TCPListener is a listening socket on a simulated host with the behaviour
// of a *net.TCPListener.
type TCPListener struct {
	d    *driver
	id   int
	ln   simnet.Listener // the driver goroutine's only
	addr *net.TCPAddr

	mu     sync.Mutex
	cond   sync.Cond  // on mu: signalled when the queue or the state changes
	queue  []*TCPConn // accepted by the kernel, not by the program yet
	closed bool       // Close was called
	down   bool       // the listener is gone
	seq    uint64
	alock  chan struct{}
}

var _ net.Listener = (*TCPListener)(nil)

// Listen listens on port of every address of h (0 picks a free port). It
// must be called from the body of Run or a goroutine it started.
func Listen(h *simnet.Host, port int) (net.Listener, error) {
	d, err := driverOf("Listen", h)
	if err != nil {
		return nil, err
	}
	var l *TCPListener
	var lerr error
	if !d.call(opKey{class: opListen, name: h.Name(), id: port}, func() { l, lerr = d.listen(h, port) }) {
		return nil, &UseError{Op: "Listen", Host: h.Name(), Why: "gonet.Run's body has returned"}
	}
	if lerr != nil {
		return nil, lerr
	}
	return l, nil
}

// listen opens the simnet listener; it runs on the driver goroutine.
func (d *driver) listen(h *simnet.Host, port int) (*TCPListener, error) {
	d.nlisten++
	l := &TCPListener{d: d, id: d.nlisten, alock: make(chan struct{}, 1)}
	l.cond.L = &l.mu
	ln, err := h.Listen(simnet.ListenOptions{Port: port, AllowHalfOpen: true}, func(s *simnet.Socket) {
		if d.over {
			s.Destroy(nil)
			return
		}
		c := newConn(d, s)
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.down {
			c.closeNow()
			return
		}
		l.queue = append(l.queue, c)
		l.broadcast()
	})
	if err != nil {
		return nil, &net.OpError{Op: "listen", Net: "tcp", Addr: &net.TCPAddr{Port: port}, Err: sysErr("bind", "", err)}
	}
	l.ln = ln
	l.addr = tcpAddr(ln.Addr())
	d.listeners = append(d.listeners, l)
	return l, nil
}

// broadcast wakes every goroutine waiting on the listener when the
// driver's step ends; it runs on the driver goroutine with l.mu held.
func (l *TCPListener) broadcast() { l.d.wakeLater(&l.cond) }

// Accept waits for the next connection.
func (l *TCPListener) Accept() (net.Conn, error) {
	l.alock <- struct{}{}
	defer func() { <-l.alock }()
	l.mu.Lock()
	defer l.mu.Unlock()
	for {
		switch {
		case l.closed || l.down:
			return nil, &net.OpError{Op: "accept", Net: "tcp", Addr: l.addr, Err: net.ErrClosed}
		case len(l.queue) > 0:
			c := l.queue[0]
			l.queue[0] = nil
			l.queue = l.queue[1:]
			return c, nil
		}
		l.cond.Wait()
	}
}

// Close stops listening; connections not accepted yet are reset, as the
// kernel resets those left in its accept queue.
func (l *TCPListener) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return &net.OpError{Op: "close", Net: "tcp", Addr: l.addr, Err: net.ErrClosed}
	}
	l.closed = true
	l.cond.Broadcast()
	l.seq++
	k := opKey{class: opListener, id: l.id, seq: l.seq}
	l.mu.Unlock()
	l.d.submit(k, l.closeNow)
	return nil
}

// closeNow closes the simnet listener and resets the accept queue; it runs
// on the driver goroutine.
func (l *TCPListener) closeNow() {
	l.mu.Lock()
	queue := l.queue
	l.queue, l.down, l.closed = nil, true, true
	l.broadcast()
	l.mu.Unlock()
	if l.ln != nil {
		l.ln.Close()
	}
	for _, c := range queue {
		c.mu.Lock()
		c.linger = 0
		c.mu.Unlock()
		c.closeNow()
	}
}

// gone marks the listener unusable after the loop stopped.
func (l *TCPListener) gone() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.down = true
	l.broadcast()
}

// Addr is the listening address.
func (l *TCPListener) Addr() net.Addr { return l.addr }
