//go:build !unix

package refusing

import (
	"net/netip"
	"testing"
)

// Addr skips tb loudly: binding a socket without listening needs the
// Unix socket calls.
func Addr(tb testing.TB) netip.AddrPort {
	tb.Helper()
	tb.Skip("!!! refusing.Addr needs a Unix system: the test of a refused connection does NOT run here; it runs in CI (Linux)")
	return netip.AddrPort{}
}
