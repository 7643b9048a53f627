package refusing

import (
	"errors"
	"net"
	"syscall"
	"testing"
)

// TestAddrRefusesAndCannotBeTaken: a dial to the address is refused, and
// a listener cannot take its port while the test runs.
func TestAddrRefusesAndCannotBeTaken(t *testing.T) {
	addr := Addr(t)
	for range 3 {
		if c, err := net.Dial("tcp", addr.String()); !errors.Is(err, syscall.ECONNREFUSED) {
			if c != nil {
				c.Close()
			}
			t.Fatalf("dial %s: %v, want ECONNREFUSED", addr, err)
		}
	}
	if ln, err := net.Listen("tcp", addr.String()); err == nil {
		ln.Close()
		t.Fatalf("a listener took %s", addr)
	}
}
