//go:build linux

package realtcp

import (
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/simhttp/simhttp/simnet"
)

func TestSocketOptionsReachTheKernel(t *testing.T) {
	rt := newRuntime(t)
	plain, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	d := net.Dialer{KeepAlive: -1}
	nc, err := d.Dial("tcp", plain.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	peer, err := plain.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	tc := nc.(*net.TCPConn)
	s, feed := simnet.NewSocket(rt.Loop(), simnet.SocketOptions{})
	c := newConn(rt.Loop(), feed, tc)
	feed.Accepted(c, addrOf(tc.LocalAddr()), addrOf(tc.RemoteAddr()))
	c.start()

	opt := func(level, name int) int {
		t.Helper()
		raw, err := tc.SyscallConn()
		if err != nil {
			t.Fatal(err)
		}
		var v int
		var oerr error
		if err := raw.Control(func(fd uintptr) { v, oerr = syscall.GetsockoptInt(int(fd), level, name) }); err != nil || oerr != nil {
			t.Fatalf("getsockopt: %v %v", err, oerr)
		}
		return v
	}
	if opt(syscall.IPPROTO_TCP, syscall.TCP_NODELAY) != 0 || opt(syscall.SOL_SOCKET, syscall.SO_KEEPALIVE) != 0 {
		t.Error("a new connection should start as Node's: Nagle on, no keep-alive")
	}
	s.SetNoDelay(true)
	s.SetKeepAlive(true, 42*time.Second)
	if opt(syscall.IPPROTO_TCP, syscall.TCP_NODELAY) == 0 {
		t.Error("setNoDelay(true) left Nagle on")
	}
	if opt(syscall.SOL_SOCKET, syscall.SO_KEEPALIVE) == 0 || opt(syscall.IPPROTO_TCP, syscall.TCP_KEEPIDLE) != 42 {
		t.Error("setKeepAlive(true, 42s) did not turn on probes after 42s idle")
	}
	s.Destroy(nil)
	run(t, rt)
}
