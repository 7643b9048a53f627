package simnet

import (
	"net/netip"
	"strings"
	"time"
)

// Lookup is dns.lookup: every host name of the world resolves to that
// host's addresses, and "localhost" to the asking host's own loopback. The
// answer comes in the poll phase after the world's DNS latency (plus any
// FaultDNSDelay); an unknown name fails with ENOTFOUND. An IP address
// answers itself on the next tick, as in Node.
func (h *Host) Lookup(name string, family int, cb func(netip.Addr, error)) {
	loop := h.world.loop
	if ip, err := netip.ParseAddr(name); err == nil {
		loop.NextTick(func() { cb(ip.Unmap(), nil) })
		return
	}
	addr, delay, err := h.world.resolve(h, name, family)
	// A pending getaddrinfo request keeps Node's loop alive.
	pending := loop.NewHandle()
	loop.schedule(loop.Now()+delay, func() {
		pending.Close()
		cb(addr, err)
	})
}

// resolve answers a lookup by h, applying DNS fault rules.
func (w *World) resolve(h *Host, name string, family int) (netip.Addr, time.Duration, error) {
	delay := w.cfg.dnsLatency
	notFound := sysError("ENOTFOUND", "getaddrinfo", name)
	failed := false
	for _, r := range w.rules {
		if !r.matchesLookup(h, name) {
			continue
		}
		r.fired++
		switch r.What {
		case FaultDNSFail:
			failed = true
		case FaultDNSDelay:
			delay += r.Delay
		}
	}
	if failed {
		return netip.Addr{}, delay, notFound
	}
	var addrs []netip.Addr
	if strings.EqualFold(name, "localhost") {
		addrs = []netip.Addr{netip.AddrFrom4([4]byte{127, 0, 0, 1}), netip.IPv6Loopback()}
	} else if t := w.byName[strings.ToLower(name)]; t != nil {
		addrs = t.addrs
	}
	for _, a := range addrs {
		if family == 0 || (family == 4) == a.Is4() {
			return a, delay, nil
		}
	}
	return netip.Addr{}, delay, notFound
}
