package gonet_test

import (
	"context"
	"io"
	"net"
	"os"
	"sync"
	"time"
)

// memListener is a net.Listener whose connections are in-memory pairs made
// by its own DialContext: the fastest transport net/http can run over in
// one process, the ceiling BenchmarkHTTPKeepAlive holds the adapter to.
type memListener struct {
	buffered bool // memConn pairs, else net.Pipe
	conns    chan net.Conn
	done     chan struct{}
	once     sync.Once
}

func newMemListener(buffered bool) *memListener {
	return &memListener{buffered: buffered, conns: make(chan net.Conn), done: make(chan struct{})}
}

func (l *memListener) DialContext(ctx context.Context, _, _ string) (net.Conn, error) {
	var client, server net.Conn
	if l.buffered {
		client, server = memConnPair()
	} else {
		client, server = net.Pipe()
	}
	select {
	case l.conns <- server:
		return client, nil
	case <-l.done:
		return nil, net.ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (l *memListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *memListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *memListener) Addr() net.Addr { return memAddr{} }

type memAddr struct{}

func (memAddr) Network() string { return "memory" }
func (memAddr) String() string  { return "memory" }

// memConn is one end of an in-memory connection whose writes return at
// once, as a socket's do while its send buffer has room; unlike net.Pipe,
// a writer never waits for its reader.
type memConn struct{ in, out *memStream }

// memStream is one direction of a memConn pair.
type memStream struct {
	mu     sync.Mutex
	cond   sync.Cond // on mu: signalled when data, closed or the deadline change
	data   []byte
	closed bool
	// The read deadline: net/http's server cancels its background read by
	// setting one in the past, so it must work.
	passed bool
	timer  *time.Timer
	gen    int
}

func memConnPair() (a, b *memConn) {
	x, y := &memStream{}, &memStream{}
	x.cond.L, y.cond.L = &x.mu, &y.mu
	return &memConn{in: x, out: y}, &memConn{in: y, out: x}
}

func (c *memConn) Read(p []byte) (int, error) {
	in := c.in
	in.mu.Lock()
	defer in.mu.Unlock()
	for len(in.data) == 0 {
		switch {
		case in.closed:
			return 0, io.EOF
		case in.passed:
			return 0, os.ErrDeadlineExceeded
		}
		in.cond.Wait()
	}
	n := copy(p, in.data)
	in.data = in.data[n:]
	return n, nil
}

func (c *memConn) Write(p []byte) (int, error) {
	out := c.out
	out.mu.Lock()
	defer out.mu.Unlock()
	if out.closed {
		return 0, net.ErrClosed
	}
	out.data = append(out.data, p...)
	out.cond.Broadcast()
	return len(p), nil
}

func (c *memConn) Close() error {
	for _, s := range []*memStream{c.in, c.out} {
		s.mu.Lock()
		s.closed = true
		s.cond.Broadcast()
		s.mu.Unlock()
	}
	return nil
}

func (c *memConn) SetReadDeadline(t time.Time) error {
	in := c.in
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.timer != nil {
		in.timer.Stop()
	}
	in.gen++
	in.passed = false
	switch d := time.Until(t); {
	case t.IsZero():
	case d <= 0:
		in.passed = true
		in.cond.Broadcast()
	default:
		gen := in.gen
		in.timer = time.AfterFunc(d, func() {
			in.mu.Lock()
			defer in.mu.Unlock()
			if in.gen == gen {
				in.passed = true
				in.cond.Broadcast()
			}
		})
	}
	return nil
}

// SetDeadline sets the read deadline only: writes never block.
func (c *memConn) SetDeadline(t time.Time) error    { return c.SetReadDeadline(t) }
func (c *memConn) SetWriteDeadline(time.Time) error { return nil }
func (c *memConn) LocalAddr() net.Addr              { return memAddr{} }
func (c *memConn) RemoteAddr() net.Addr             { return memAddr{} }
