package simnet

import (
	"net/netip"
	"time"
)

// Runtime is what the HTTP core needs from a world: a loop, name lookup,
// outgoing connections and listeners. A simulated Host and the real-TCP
// runtime both implement it, so the same code runs on either.
type Runtime interface {
	// Loop is the event loop every callback of this runtime runs on.
	Loop() *Loop
	// Connect is net.connect(options): the socket comes back at once and
	// connects in the background ('lookup', 'connect', 'ready' or 'error').
	Connect(opts ConnectOptions) (*Socket, error)
	// Listen is server.listen(options): onConnection runs for each accepted
	// socket, in the poll phase.
	Listen(opts ListenOptions, onConnection func(*Socket)) (Listener, error)
	// Lookup is dns.lookup: cb runs in the poll phase.
	Lookup(host string, family int, cb func(netip.Addr, error))
}

// ConnectOptions are net.connect's options.
type ConnectOptions struct {
	Host          string // name or address; "" means localhost
	Port          int
	LocalAddress  string
	LocalPort     int
	Family        int // 0, 4 or 6
	AllowHalfOpen bool
	Timeout       time.Duration // socket.setTimeout applied at creation, 0 for none
	// Lookup replaces the runtime's name lookup, like the lookup option of
	// net.connect; nil uses Runtime.Lookup.
	Lookup func(host string, family int, cb func(netip.Addr, error))
}

// ListenOptions are server.listen's options.
type ListenOptions struct {
	Host           string // bind address; "" means every address of the host
	Port           int    // 0 picks a deterministic ephemeral port
	Backlog        int    // pending connections beyond this are refused; 0 means 511, Node's default
	AllowHalfOpen  bool
	PauseOnConnect bool
}

// Listener is a listening socket.
type Listener interface {
	// Addr is server.address().
	Addr() netip.AddrPort
	// Close stops accepting; accepted sockets stay open.
	Close()
	// Ref and Unref decide whether the listener keeps the loop alive.
	Ref()
	Unref()
}
