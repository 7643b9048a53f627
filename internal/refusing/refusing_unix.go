//go:build unix

package refusing

import (
	"net/netip"
	"syscall"
	"testing"
)

// Addr returns a loopback address whose port a socket holds bound but
// never listening until tb ends: a connection to it is refused
// (ECONNREFUSED), and, the socket not reusing addresses, no listener or
// outgoing connection can take the port meanwhile.
func Addr(tb testing.TB) netip.AddrPort {
	tb.Helper()
	// Held under ForkLock until marked close-on-exec, as the net package
	// does: a process a test starts meanwhile must not inherit the port.
	syscall.ForkLock.RLock()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err == nil {
		syscall.CloseOnExec(fd)
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		tb.Fatalf("refusing: socket: %v", err)
	}
	tb.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		tb.Fatalf("refusing: bind 127.0.0.1:0: %v", err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		tb.Fatalf("refusing: getsockname: %v", err)
	}
	in4, ok := sa.(*syscall.SockaddrInet4)
	if !ok {
		tb.Fatalf("refusing: the bound socket's address is %T, not IPv4", sa)
	}
	return netip.AddrPortFrom(netip.AddrFrom4(in4.Addr), uint16(in4.Port))
}
