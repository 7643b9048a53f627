//go:build linux

// Command benchpoll is the latency floor of scripts/bench-proxy.sh: a
// proxy with no wake-up in its path, for a client that sends one request
// at a time. While a connection is open, one thread never sleeps: it
// polls its nonblocking sockets with epoll_wait and a zero timeout, and
// moves each chunk with one read(2) and one write(2), parsing nothing, so
// no wake-up ever stands between a byte's arrival and its forwarding. It
// burns a CPU to do so. A proxy that moves bytes with read(2) and
// write(2) adds at least this floor's two system calls per chunk to each
// round trip, so where this stays below some ratio to direct, such a
// proxy is not expected to reach it on the same machine.
//
//	benchpoll LISTEN UPSTREAM
//
// Both are IPv4 HOST:PORT. It exits when its stdin ends. Linux only.
package main

import (
	"fmt"
	"net/netip"
	"os"
	"runtime"
	"syscall"
)

// dir is one direction of a forwarded connection.
type dir struct {
	src, dst int
	other    *dir
	buf      []byte
	pending  []byte // read but not yet written: the source is not read until it is
	eof      bool   // the source ended and its FIN was passed on
	gone     bool   // the connection was torn down
}

type poller struct {
	ep       int
	byFD     map[int]*dir
	pendings []*dir
	upstream syscall.SockaddrInet4
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: benchpoll LISTEN UPSTREAM")
		os.Exit(2)
	}
	listen, err := sockaddr(os.Args[1])
	if err != nil {
		fail(err)
	}
	up, err := sockaddr(os.Args[2])
	if err != nil {
		fail(err)
	}
	runtime.GOMAXPROCS(1)
	runtime.LockOSThread()
	if err := run(listen, up); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "benchpoll:", err)
	os.Exit(1)
}

func sockaddr(s string) (syscall.SockaddrInet4, error) {
	ap, err := netip.ParseAddrPort(s)
	if err != nil || !ap.Addr().Is4() {
		return syscall.SockaddrInet4{}, fmt.Errorf("%q: want an IPv4 HOST:PORT", s)
	}
	return syscall.SockaddrInet4{Port: int(ap.Port()), Addr: ap.Addr().As4()}, nil
}

func run(listen, up syscall.SockaddrInet4) error {
	lfd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	if err := syscall.SetsockoptInt(lfd, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1); err != nil {
		return err
	}
	if err := syscall.Bind(lfd, &listen); err != nil {
		return fmt.Errorf("bind %v: %w", listen, err)
	}
	if err := syscall.Listen(lfd, 128); err != nil {
		return err
	}
	ep, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return err
	}
	p := &poller{ep: ep, byFD: map[int]*dir{}, upstream: up}
	for _, fd := range []int{lfd, 0} {
		if err := p.watch(fd); err != nil {
			return err
		}
	}
	events := make([]syscall.EpollEvent, 128)
	for {
		// Between benchmark runs no connection is open: then it sleeps, so
		// that it takes no CPU from the other targets' runs.
		timeout := 0
		if len(p.byFD) == 0 {
			timeout = -1
		}
		n, err := syscall.EpollWait(ep, events, timeout)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		for _, ev := range events[:n] {
			switch fd := int(ev.Fd); fd {
			case lfd:
				p.accept(lfd)
			case 0:
				var b [512]byte
				if n, _ := syscall.Read(0, b[:]); n <= 0 {
					return nil
				}
			default:
				if d := p.byFD[fd]; d != nil && len(d.pending) == 0 {
					p.pump(d)
				}
			}
		}
		p.flush()
	}
}

func (p *poller) watch(fd int) error {
	return syscall.EpollCtl(p.ep, syscall.EPOLL_CTL_ADD, fd, &syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(fd)})
}

// accept takes every pending connection and dials the upstream for each.
func (p *poller) accept(lfd int) {
	for {
		cfd, _, err := syscall.Accept4(lfd, syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC)
		if err != nil {
			return
		}
		ufd, err := p.dial()
		if err != nil {
			fmt.Fprintln(os.Stderr, "benchpoll: upstream:", err)
			_ = syscall.Close(cfd)
			continue
		}
		for _, fd := range []int{cfd, ufd} {
			_ = syscall.SetsockoptInt(fd, syscall.IPPROTO_TCP, syscall.TCP_NODELAY, 1)
		}
		in := &dir{src: cfd, dst: ufd, buf: make([]byte, 32<<10)}
		out := &dir{src: ufd, dst: cfd, buf: make([]byte, 32<<10), other: in}
		in.other = out
		p.byFD[cfd], p.byFD[ufd] = in, out
		if p.watch(cfd) != nil || p.watch(ufd) != nil {
			p.teardown(in)
		}
	}
}

// dial connects to the upstream, blocking (on loopback that is the
// handshake's round trip), then makes the socket nonblocking.
func (p *poller) dial() (int, error) {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	if err := syscall.Connect(fd, &p.upstream); err != nil {
		_ = syscall.Close(fd)
		return -1, err
	}
	if err := syscall.SetNonblock(fd, true); err != nil {
		_ = syscall.Close(fd)
		return -1, err
	}
	return fd, nil
}

// pump reads what d's source has and writes it on; a FIN is passed on, a
// reset or an error tears the connection down.
func (p *poller) pump(d *dir) {
	n, err := syscall.Read(d.src, d.buf)
	switch {
	case err == syscall.EAGAIN || err == syscall.EINTR:
	case err != nil:
		p.teardown(d)
	case n == 0:
		d.eof = true
		_ = syscall.EpollCtl(p.ep, syscall.EPOLL_CTL_DEL, d.src, nil)
		_ = syscall.Shutdown(d.dst, syscall.SHUT_WR)
		if d.other.eof {
			p.teardown(d)
		}
	default:
		d.pending = d.buf[:n]
		if !p.write(d) {
			p.pendings = append(p.pendings, d)
		}
	}
}

// write writes what d has pending; it reports whether d is done with it
// (written, or the connection torn down).
func (p *poller) write(d *dir) bool {
	for len(d.pending) > 0 {
		n, err := syscall.Write(d.dst, d.pending)
		switch {
		case err == syscall.EAGAIN || err == syscall.EINTR:
			return false
		case err != nil:
			p.teardown(d)
			return true
		}
		d.pending = d.pending[n:]
	}
	return true
}

// flush retries the writes the peer's window held back.
func (p *poller) flush() {
	keep := p.pendings[:0]
	for _, d := range p.pendings {
		if !d.gone && !p.write(d) {
			keep = append(keep, d)
		}
	}
	p.pendings = keep
}

func (p *poller) teardown(d *dir) {
	for _, x := range []*dir{d, d.other} {
		if x.gone {
			continue
		}
		x.gone, x.pending = true, nil
		delete(p.byFD, x.src)
		_ = syscall.EpollCtl(p.ep, syscall.EPOLL_CTL_DEL, x.src, nil)
		_ = syscall.Close(x.src)
	}
}
