package realtcp

import (
	"bytes"
	"errors"
	"io"
	"net"
	"sync"
	"time"

	"github.com/simhttp/simhttp/simnet"
)

const (
	// sendBudget is how many bytes a connection takes beyond what the kernel
	// has accepted, so Send never blocks the loop while a writer goroutine
	// waits for the kernel.
	sendBudget = 64 << 10
	// readSize is the most one read hands to the socket, as libuv's 64 KiB.
	readSize = 64 << 10
	// closeLinger bounds how long a graceful close waits for queued bytes to
	// reach the kernel when the peer has stopped reading, as SO_LINGER
	// bounds close(2), so a stalled peer cannot keep the loop alive forever.
	closeLinger = 10 * time.Second
)

// conn is the simnet.Transport of one OS connection. The loop goroutine
// calls its methods; a reader and a writer goroutine block on the socket and
// post what happened back to the loop.
type conn struct {
	loop *simnet.Loop
	feed simnet.Feed // used on the loop goroutine only
	tc   tcpConn

	mu       sync.Mutex
	wake     *sync.Cond // wakes the reader and the writer; uses mu
	queue    []byte     // taken by Send, not yet handed to the kernel
	spare    []byte     // the writer's previous buffer, reused for queue
	inflight int        // bytes the writer is handing to the kernel now
	owed     bool       // Send took less than offered, so Writable is due
	shutdown bool       // CloseWrite was called
	shutDone bool       // the FIN was sent
	reading  bool
	failed   bool // a write failed: the connection is lost
	closing  bool
	reset    bool
	release  *simnet.Handle // keeps the loop alive until a closing conn's goroutines end

	readerDone chan struct{}
}

// tcpConn is what a connection must offer beyond net.Conn: the
// *net.TCPConn methods Node's socket options and half-close need.
type tcpConn interface {
	net.Conn
	CloseWrite() error
	SetLinger(sec int) error
	SetNoDelay(noDelay bool) error
	SetKeepAlive(keepalive bool) error
	SetKeepAlivePeriod(d time.Duration) error
}

// newConn wraps an established connection. The connection starts with
// Nagle's algorithm on, Node's default where Go's is off; the dialer and
// listener already left keep-alive probes off, as Node does.
func newConn(loop *simnet.Loop, feed simnet.Feed, tc tcpConn) *conn {
	c := &conn{loop: loop, feed: feed, tc: tc, reading: true, readerDone: make(chan struct{})}
	c.wake = sync.NewCond(&c.mu)
	// Options on a live connection fail only once it is closed, when
	// they no longer matter; Node does not report them either.
	_ = tc.SetNoDelay(false)
	return c
}

// start runs the reader and the writer. The socket attaches the conn first,
// so a socket that must not read yet (pauseOnConnect) has said so before
// the first read, and the kernel keeps the data.
func (c *conn) start() {
	go c.readLoop()
	go c.writeLoop()
}

// Send copies as much of p as the budget allows into the write queue.
func (c *conn) Send(p []byte) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.failed || c.closing || c.shutdown {
		return 0
	}
	n := min(len(p), sendBudget-len(c.queue)-c.inflight)
	if n < len(p) {
		c.owed = true
	}
	if n > 0 {
		c.queue = append(c.queue, p[:n]...)
		c.wake.Broadcast()
	}
	return n
}

// CloseWrite sends FIN once the queue has reached the kernel.
func (c *conn) CloseWrite() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.shutdown = true
	c.wake.Broadcast()
}

// Close releases the connection. A reset drops the queue and makes the
// kernel send RST; otherwise the queue is written first, then FIN.
func (c *conn) Close(reset bool) {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return
	}
	c.closing, c.reset = true, reset
	c.release = c.loop.NewHandle()
	flushing := len(c.queue)+c.inflight > 0
	c.wake.Broadcast()
	c.mu.Unlock()
	switch {
	case reset:
		// With a zero linger time, close(2) discards unsent data and
		// sends RST, which is what resetAndDestroy promises the peer.
		_ = c.tc.SetLinger(0)
		_ = c.tc.Close()
	case flushing:
		_ = c.tc.SetWriteDeadline(time.Now().Add(closeLinger))
	}
}

// SetReading pauses or resumes the reader goroutine; while it is paused
// the kernel's receive window fills and the peer's writes back up.
func (c *conn) SetReading(on bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reading = on
	c.wake.Broadcast()
}

// SetNoDelay turns Nagle's algorithm off (on=true) or back on.
func (c *conn) SetNoDelay(on bool) { _ = c.tc.SetNoDelay(on) }

// SetKeepAlive turns keep-alive probes on or off; a zero initialDelay keeps
// the system's idle time, as in Node.
func (c *conn) SetKeepAlive(on bool, initialDelay time.Duration) {
	_ = c.tc.SetKeepAlive(on)
	if on && initialDelay > 0 {
		_ = c.tc.SetKeepAlivePeriod(initialDelay)
	}
}

// readLoop reads while reading is on and posts each chunk, the peer's FIN,
// or the connection's failure to the loop.
func (c *conn) readLoop() {
	defer close(c.readerDone)
	buf := make([]byte, readSize)
	for {
		c.mu.Lock()
		for !c.reading && !c.closing {
			c.wake.Wait()
		}
		closing := c.closing
		c.mu.Unlock()
		if closing {
			return
		}
		n, err := c.tc.Read(buf)
		if n > 0 {
			p := bytes.Clone(buf[:n])
			c.loop.Post(func() { c.feed.Data(p) })
		}
		switch {
		case err == nil:
		case errors.Is(err, io.EOF):
			c.loop.Post(c.feed.EOF)
			return
		default:
			if !c.closedHere() {
				fail := opError("read", err, "")
				c.loop.Post(func() { c.feed.Fail(fail) })
			}
			return
		}
	}
}

// writeLoop hands the queue to the kernel, sends FIN when asked, and on
// close closes the socket and lets the loop go once the reader has ended.
func (c *conn) writeLoop() {
	for c.writeNext() {
	}
	_ = c.tc.Close()
	<-c.readerDone
	c.mu.Lock()
	release := c.release
	c.mu.Unlock()
	c.loop.Post(release.Close)
}

// writeNext does one piece of the writer's work and reports whether there
// is more to come.
func (c *conn) writeNext() bool {
	c.mu.Lock()
	for len(c.queue) == 0 && !c.closing && c.shutdown == c.shutDone {
		c.wake.Wait()
	}
	if c.failed || c.reset {
		c.queue = c.queue[:0]
	}
	switch {
	case len(c.queue) > 0:
		buf := c.queue
		c.queue, c.spare, c.inflight = c.spare[:0], nil, len(buf)
		c.mu.Unlock()
		_, err := c.tc.Write(buf)
		c.wrote(buf, err)
		return true
	case c.shutdown && !c.shutDone:
		c.shutDone = true
		failed := c.failed
		c.mu.Unlock()
		if !failed {
			_ = c.tc.CloseWrite()
		}
		return true
	default:
		c.mu.Unlock()
		return false
	}
}

// wrote settles one write: on success the room it freed is offered back
// to the socket; on failure the socket is destroyed with Node's write error.
func (c *conn) wrote(buf []byte, err error) {
	c.mu.Lock()
	c.inflight, c.spare = 0, buf
	if err != nil && !c.closing {
		c.failed = true
	}
	failed := err != nil && c.failed
	owed := c.owed && !c.failed
	if owed {
		c.owed = false
	}
	c.mu.Unlock()
	switch {
	case failed:
		fail := opError("write", err, "")
		c.loop.Post(func() { c.feed.Fail(fail) })
	case owed:
		c.loop.Post(c.feed.Writable)
	}
}

// closedHere reports whether the loop closed the connection, so the error
// the goroutines then see is not the peer's doing.
func (c *conn) closedHere() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closing
}
