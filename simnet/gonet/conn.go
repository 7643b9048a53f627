package gonet

import (
	"bytes"
	"io"
	"net"
	"net/netip"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/simhttp/simhttp/simnet"
)

// rcvBuf is how many received bytes a connection holds for its reader
// before it stops reading, so the window closes and the peer's writes back
// up, as a kernel's receive buffer does.
const rcvBuf = 64 << 10

// sndBuf is how many written bytes a connection holds before Write blocks,
// as a kernel's send buffer does.
const sndBuf = 64 << 10

// TCPConn is a connection on the simulated network with the behaviour of a
// *net.TCPConn: blocking reads and writes, deadlines on the world's clock,
// half-close, and the errors the Linux stack returns.
type TCPConn struct {
	d             *driver
	id            int            // adapter connection number, ordering operations
	sock          *simnet.Socket // the driver goroutine's only
	local, remote *net.TCPAddr

	mu     sync.Mutex
	cond   sync.Cond // on mu: signalled whenever the state below changes
	rbuf   [][]byte  // received, not read yet
	rlen   int
	paused bool  // the socket stopped reading because rbuf is full
	eof    bool  // the peer's FIN was read
	soErr  error // the connection's pending error, which the next read or write takes, as SO_ERROR
	dead   bool  // the connection failed: reads then end, writes fail with EPIPE
	gone   bool  // the socket is closed
	closed bool  // Close was called
	shut   bool  // CloseWrite was called
	rshut  bool  // CloseRead was called
	linger int   // SetLinger's seconds; 0 makes Close send RST
	seq    uint64
	rdl    deadline
	wdl    deadline
	unsent int // bytes Write took that the socket has not handed to the kernel

	keepAlive bool          // the driver goroutine's only
	keepIdle  time.Duration // the driver goroutine's only

	rlock, wlock chan struct{} // one reader and one writer at a time, as the net package's fd locks
}

// deadline is a read or write deadline on the bubble's clock.
type deadline struct {
	timer  *time.Timer
	passed bool // the deadline has passed
	gen    int  // counts settings, so a timer of an earlier one cannot fire
}

var _ net.Conn = (*TCPConn)(nil)

func newConn(d *driver, s *simnet.Socket) *TCPConn {
	d.nconns++
	c := &TCPConn{
		d: d, id: d.nconns, sock: s, linger: -1,
		local: tcpAddr(s.LocalAddr()), remote: tcpAddr(s.RemoteAddr()),
		rlock: make(chan struct{}, 1), wlock: make(chan struct{}, 1),
	}
	c.cond.L = &c.mu
	d.conns = append(d.conns, c)
	// The net package turns Nagle's algorithm off on every TCP connection.
	s.SetNoDelay(true)
	s.ReadResetAfterData()
	ev := &s.Events
	ev.Data.On(func(p []byte) {
		if d.over {
			return
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.rshut {
			return
		}
		c.rbuf = append(c.rbuf, p)
		c.rlen += len(p)
		if c.rlen >= rcvBuf && !c.paused {
			c.paused = true
			s.Pause()
		}
		c.broadcast()
	})
	ev.End.On(func(struct{}) {
		if d.over {
			return
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		c.eof = true
		c.broadcast()
	})
	ev.Error.On(func(err error) {
		if d.over {
			return
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		c.failLocked(err)
	})
	ev.Close.On(func(bool) {
		if d.over {
			return
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		c.gone = true
		c.unsent = 0
		c.broadcast()
		d.forget(c)
	})
	return c
}

func tcpAddr(a netip.AddrPort) *net.TCPAddr { return net.TCPAddrFromAddrPort(a) }

// broadcast wakes every goroutine waiting on the connection when the
// driver's step ends; it runs on the driver goroutine with c.mu held.
func (c *TCPConn) broadcast() { c.d.wakeLater(&c.cond) }

// wakeAll wakes every goroutine waiting on the connection; c.mu is held.
func (c *TCPConn) wakeAll() { c.cond.Broadcast() }

// failLocked records a connection error. As in the kernel, the first read
// or write after it returns it; later reads see the end of the stream and
// later writes EPIPE.
func (c *TCPConn) failLocked(err error) {
	if !c.dead {
		c.dead, c.soErr = true, err
	}
	c.broadcast()
}

// takeErr returns the pending connection error for op, once.
func (c *TCPConn) takeErr(op string) error {
	err := c.soErr
	c.soErr = nil
	return c.opErr(op, sysErr(op, "", err))
}

// fail is failLocked for errors from outside the socket.
func (c *TCPConn) fail(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.failLocked(err)
}

func (c *TCPConn) opErr(op string, err error) error { return opError(op, c.local, c.remote, err) }

// key is the ordering key of the connection's next operation; c.mu is held.
func (c *TCPConn) key() opKey {
	c.seq++
	return opKey{class: opConn, id: c.id, seq: c.seq}
}

// Read reads received bytes, blocking until some arrive, the peer ends its
// side (io.EOF), the connection fails, or the read deadline passes.
func (c *TCPConn) Read(p []byte) (int, error) {
	c.rlock <- struct{}{}
	defer func() { <-c.rlock }()
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		switch {
		case c.closed:
			return 0, c.opErr("read", net.ErrClosed)
		case len(p) == 0:
			return 0, nil
		case c.rshut:
			return 0, io.EOF
		case c.rlen > 0:
			return c.take(p), nil
		case c.soErr != nil:
			return 0, c.takeErr("read")
		case c.eof || c.dead:
			return 0, io.EOF
		case c.rdl.passed:
			return 0, c.opErr("read", os.ErrDeadlineExceeded)
		case c.gone:
			return 0, c.opErr("read", net.ErrClosed)
		}
		c.cond.Wait()
	}
}

// take copies buffered bytes into p, and lets the socket read again once
// the reader has made room.
func (c *TCPConn) take(p []byte) int {
	n := 0
	for n < len(p) && len(c.rbuf) > 0 {
		k := copy(p[n:], c.rbuf[0])
		n += k
		if k == len(c.rbuf[0]) {
			c.rbuf[0] = nil
			c.rbuf = c.rbuf[1:]
		} else {
			c.rbuf[0] = c.rbuf[0][k:]
		}
	}
	c.rlen -= n
	if c.paused && c.rlen < rcvBuf/2 {
		c.paused = false
		c.d.submit(c.key(), func() {
			if c.sock != nil {
				c.sock.Resume()
			}
		})
	}
	return n
}

// Write copies p into the connection's send buffer and returns, blocking
// only while the buffer is full, as a write to a kernel socket does. The
// bytes go out at the next quiescent point; an error the connection meets
// later is returned by the next Read or Write.
func (c *TCPConn) Write(p []byte) (int, error) {
	c.wlock <- struct{}{}
	defer func() { <-c.wlock }()
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for {
		switch {
		case c.closed:
			return n, c.opErr("write", net.ErrClosed)
		case c.soErr != nil:
			return n, c.takeErr("write")
		case c.wdl.passed:
			return n, c.opErr("write", os.ErrDeadlineExceeded)
		case c.gone || c.dead || c.shut:
			return n, c.opErr("write", os.NewSyscallError("write", syscall.EPIPE))
		case n == len(p):
			return n, nil
		}
		room := sndBuf - c.unsent
		if room <= 0 {
			c.cond.Wait()
			continue
		}
		chunk := bytes.Clone(p[n : n+min(room, len(p)-n)])
		c.unsent += len(chunk)
		n += len(chunk)
		if !c.d.submit(c.key(), func() { c.send(chunk) }) {
			return n - len(chunk), c.opErr("write", net.ErrClosed)
		}
	}
}

// send writes on the socket; it runs on the driver goroutine.
func (c *TCPConn) send(p []byte) {
	if c.sock == nil || c.sock.Destroyed() {
		return
	}
	c.sock.Write(p, func(err error) {
		if c.d.over {
			return
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		c.unsent -= len(p)
		if err != nil {
			c.failLocked(err)
			return
		}
		c.broadcast()
	})
}

// Close closes the connection: the peer gets FIN after every byte written,
// or RST when received bytes were left unread or SetLinger(0) was called,
// as close(2) does. Blocked reads and writes return net.ErrClosed.
func (c *TCPConn) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return c.opErr("close", net.ErrClosed)
	}
	c.closed = true
	c.rdl.stop()
	c.wdl.stop()
	c.wakeAll()
	k := c.key()
	c.mu.Unlock()
	// Close must not wait for the driver: callers hold their own mutexes
	// around it (http.Transport does), and a goroutine waiting on a mutex
	// is not durably blocked, so the driver would never get its turn.
	c.d.submit(k, c.closeNow)
	return nil
}

// closeNow destroys the socket; it runs on the driver goroutine.
func (c *TCPConn) closeNow() {
	c.mu.Lock()
	c.closed = true
	reset := c.rlen > 0 || c.paused || c.linger == 0
	c.broadcast()
	c.mu.Unlock()
	s := c.sock
	if s == nil || s.Destroyed() {
		return
	}
	switch {
	case reset:
		s.ResetAndDestroy()
	case s.WritableLength() > 0:
		// close(2) still sends what the program wrote before it.
		s.End(nil, func() { s.Destroy(nil) })
	default:
		s.Destroy(nil)
	}
}

// CloseWrite shuts down the writing side: the peer reads io.EOF after
// every byte written, and this side can still read.
func (c *TCPConn) CloseWrite() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return c.opErr("close", net.ErrClosed)
	}
	c.shut = true
	k := c.key()
	c.mu.Unlock()
	c.d.submit(k, func() {
		if c.sock != nil && !c.sock.Destroyed() {
			c.sock.End(nil, nil)
		}
	})
	return nil
}

// CloseRead shuts down the reading side: reads return io.EOF from now on,
// and bytes received but not read are dropped.
func (c *TCPConn) CloseRead() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return c.opErr("close", net.ErrClosed)
	}
	c.rshut = true
	c.rbuf, c.rlen = nil, 0
	c.wakeAll()
	return nil
}

// SetLinger sets what Close does with unsent data; as on Linux, 0 makes
// Close discard it and send RST, and any other value closes gracefully.
func (c *TCPConn) SetLinger(sec int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return c.opErr("set", net.ErrClosed)
	}
	c.linger = sec
	return nil
}

// SetNoDelay turns Nagle's algorithm off (true, Go's default) or on.
func (c *TCPConn) SetNoDelay(noDelay bool) error {
	return c.setOpt(func(s *simnet.Socket) { s.SetNoDelay(noDelay) })
}

// SetKeepAlive turns keep-alive probes on or off.
func (c *TCPConn) SetKeepAlive(on bool) error {
	return c.setOpt(func(s *simnet.Socket) {
		c.keepAlive = on
		s.SetKeepAlive(on, c.keepIdle)
	})
}

// SetKeepAlivePeriod sets how long the connection idles before the first
// keep-alive probe.
func (c *TCPConn) SetKeepAlivePeriod(d time.Duration) error {
	return c.setOpt(func(s *simnet.Socket) {
		c.keepIdle = d
		s.SetKeepAlive(c.keepAlive, d)
	})
}

func (c *TCPConn) setOpt(fn func(*simnet.Socket)) error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return c.opErr("set", net.ErrClosed)
	}
	k := c.key()
	c.mu.Unlock()
	c.d.submit(k, func() {
		if c.sock != nil && !c.sock.Destroyed() {
			fn(c.sock)
		}
	})
	return nil
}

// LocalAddr is this end's address.
func (c *TCPConn) LocalAddr() net.Addr { return c.local }

// RemoteAddr is the peer's address.
func (c *TCPConn) RemoteAddr() net.Addr { return c.remote }

// SetDeadline sets the read and write deadlines.
func (c *TCPConn) SetDeadline(t time.Time) error {
	if err := c.SetReadDeadline(t); err != nil {
		return err
	}
	return c.SetWriteDeadline(t)
}

// SetReadDeadline makes reads fail with os.ErrDeadlineExceeded from t on,
// in the world's time; the zero time removes the deadline.
func (c *TCPConn) SetReadDeadline(t time.Time) error { return c.setDeadline(&c.rdl, t) }

// SetWriteDeadline makes writes fail with os.ErrDeadlineExceeded from t on,
// in the world's time; the zero time removes the deadline.
func (c *TCPConn) SetWriteDeadline(t time.Time) error { return c.setDeadline(&c.wdl, t) }

func (c *TCPConn) setDeadline(dl *deadline, t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return c.opErr("set", net.ErrClosed)
	}
	dl.stop()
	dl.gen++
	dl.passed = false
	// A waiter re-reads the deadline it waits for.
	defer c.wakeAll()
	if t.IsZero() {
		return nil
	}
	d := time.Until(t)
	if d <= 0 {
		dl.passed = true
		return nil
	}
	gen := dl.gen
	dl.timer = time.AfterFunc(d, func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if dl.gen == gen {
			dl.passed = true
			c.wakeAll()
		}
	})
	return nil
}

func (dl *deadline) stop() {
	if dl.timer != nil {
		dl.timer.Stop()
		dl.timer = nil
	}
}
