package gonet

import (
	"context"
	"net"
	"net/netip"
	"strconv"
	"time"

	"github.com/simhttp/simhttp/simnet"
)

// Dialer opens connections from one simulated host. Its DialContext can be
// used as http.Transport's DialContext.
type Dialer struct {
	// Host is the host the connections leave from.
	Host *simnet.Host
	// Timeout bounds a dial, lookup included, in the world's time; 0 means
	// none beyond the context's and the kernel's (127 s of SYN retries).
	Timeout time.Duration
}

// Dial connects to address ("host:port", the host a simulated host's name
// or address) on network "tcp", "tcp4" or "tcp6".
func (d *Dialer) Dial(network, address string) (net.Conn, error) {
	return d.DialContext(context.Background(), network, address)
}

// DialContext connects as Dial does, giving up when ctx ends.
func (d *Dialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	fail := func(addr net.Addr, err error) (net.Conn, error) {
		return nil, &net.OpError{Op: "dial", Net: network, Addr: addr, Err: err}
	}
	family := 0
	switch network {
	case "tcp":
	case "tcp4":
		family = 4
	case "tcp6":
		family = 6
	default:
		return fail(nil, net.UnknownNetworkError(network))
	}
	host, portStr, err := net.SplitHostPort(address)
	if err != nil {
		return fail(nil, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		if port, err = net.LookupPort(network, portStr); err != nil {
			return fail(nil, err)
		}
	}
	if port < 0 || port > 65535 {
		return fail(nil, &net.AddrError{Err: "invalid port", Addr: address})
	}
	drv, err := driverOf("Dial", d.Host)
	if err != nil {
		return nil, err
	}
	if d.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d.Timeout)
		defer cancel()
	}
	if err := ctx.Err(); err != nil {
		return fail(nil, ctxErr(err))
	}
	a := &dialAttempt{d: drv, done: make(chan struct{})}
	if !drv.submit(opKey{class: opDial, name: d.Host.Name() + ">" + address}, func() {
		a.start(drv, d.Host, simnet.ConnectOptions{Host: host, Port: port, Family: family, AllowHalfOpen: true})
	}) {
		return nil, &UseError{Op: "Dial", Host: d.Host.Name(), Why: "gonet.Run's body has returned"}
	}
	select {
	case <-a.done:
	case <-ctx.Done():
		drv.call(opKey{class: opDial, name: d.Host.Name() + ">" + address}, a.cancel)
	}
	switch {
	case a.conn != nil:
		return a.conn, nil
	case a.err != nil:
		return nil, a.err
	}
	return fail(a.addr(port), ctxErr(ctx.Err()))
}

// dialAttempt is one connect in progress; its fields are settled by the
// driver goroutine before done closes.
type dialAttempt struct {
	d      *driver
	done   chan struct{}
	sock   *simnet.Socket
	ip     netip.Addr // the address dialled, once looked up
	conn   *TCPConn
	err    error
	closed bool
}

// start connects; it runs on the driver goroutine.
func (a *dialAttempt) start(d *driver, h *simnet.Host, opts simnet.ConnectOptions) {
	d.dials = append(d.dials, a)
	s, err := h.Connect(opts)
	if err != nil {
		a.settle(nil, &net.OpError{Op: "dial", Net: "tcp", Err: sysErr("connect", opts.Host, err)})
		return
	}
	a.sock = s
	if ip, err := netip.ParseAddr(opts.Host); err == nil {
		a.ip = ip
	}
	s.Events.Lookup.On(func(r simnet.LookupResult) { a.ip = r.Address })
	var offs [2]func()
	offs[0] = s.Events.Connect.Once(func(struct{}) {
		offs[1]()
		if d.over {
			return
		}
		a.settle(newConn(d, s), nil)
	})
	offs[1] = s.Events.Error.Once(func(err error) {
		offs[0]()
		if d.over {
			return
		}
		var to net.Addr
		if a.ip.IsValid() {
			to = a.addr(opts.Port)
		}
		call := "connect"
		if simnet.CodeOf(err) == "ENOTFOUND" || simnet.CodeOf(err) == "EAI_AGAIN" {
			call = "lookup"
		}
		a.settle(nil, &net.OpError{Op: "dial", Net: "tcp", Addr: to, Err: sysErr(call, opts.Host, err)})
	})
}

// abort ends an attempt still under way when Run's body returns, as a
// process exit does.
func (a *dialAttempt) abort() {
	if a.sock != nil {
		a.sock.Destroy(nil)
	}
	a.settle(nil, &net.OpError{Op: "dial", Net: "tcp", Err: net.ErrClosed})
}

func (a *dialAttempt) addr(port int) net.Addr {
	if !a.ip.IsValid() {
		return nil
	}
	return &net.TCPAddr{IP: a.ip.AsSlice(), Port: port}
}

func (a *dialAttempt) settle(c *TCPConn, err error) {
	if a.closed {
		return
	}
	a.closed = true
	a.d.forgetDial(a)
	a.conn, a.err = c, err
	a.d.closeLater(a.done)
}

// cancel abandons the attempt when the dialler's context ends; it runs on
// the driver goroutine. A connection that completed at the same instant
// is kept, as the net package keeps one that won the race.
func (a *dialAttempt) cancel() {
	if a.closed {
		return
	}
	a.closed = true
	a.d.forgetDial(a)
	if a.sock != nil {
		a.sock.Destroy(nil)
	}
	a.d.closeLater(a.done)
}
