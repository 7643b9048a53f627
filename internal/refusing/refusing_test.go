package refusing

import (
	"errors"
	"net"
	"net/netip"
	"os/exec"
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

// TestAddrIsNotInheritedByChildProcesses: a process started while the
// address is held does not inherit its socket, so the port is free again
// once the test that held it ends, whatever the child still runs.
func TestAddrIsNotInheritedByChildProcesses(t *testing.T) {
	cat, err := exec.LookPath("cat")
	if err != nil {
		t.Skipf("!!! SKIPPING: no cat on PATH to start a child process: %v", err)
	}
	var child *exec.Cmd
	var held netip.AddrPort
	t.Run("hold", func(t *testing.T) {
		held = Addr(t)
		child = exec.Command(cat)
		if _, err := child.StdinPipe(); err != nil {
			t.Fatal(err)
		}
		if err := child.Start(); err != nil {
			t.Fatal(err)
		}
	})
	defer func() {
		child.Process.Kill()
		child.Wait()
	}()
	ln, err := net.Listen("tcp", held.String())
	if err != nil {
		t.Fatalf("port %s still held after its test ended, by the child started meanwhile: %v", held, err)
	}
	ln.Close()
}
