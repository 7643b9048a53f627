package simnet

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
	"time"
)

// World is a simulated network: one loop on a virtual clock, one seeded RNG,
// hosts joined by links, and fault rules. Everything in it runs on the
// loop's goroutine, so the same seed replays the same run.
//
// Its TCP follows Linux where a program can tell:
//
//   - The kernel and the program are apart. Segments are processed at their
//     virtual instant whatever the loop is doing (right after the callback
//     that sent them when the link has no latency, as loopback does inside
//     the syscall); the program hears of what they did ('connection',
//     'connect', 'data', 'end', errors, writes completing) in its next poll
//     phase, in the order it became ready, and what becomes ready while a
//     poll phase runs waits for the next turn. On a link without latency
//     the handshake is complete before connect() returns, and the client's
//     connect watcher reaches epoll only when the loop next polls, so the
//     server's 'connection' comes before the client's 'connect', as real
//     Node reports on loopback; with latency the client hears first, a
//     round trip before the server's ACK arrives. A listener accepts one
//     connection each time it is polled, as libuv does, and a connection
//     keeps what arrives in the kernel until it is accepted and read.
//   - Each delivered segment is one 'data' event, so chunk boundaries come
//     from the MSS, the writes and the link. Bytes that waited in the
//     kernel while the socket was not reading (paused, or not accepted
//     yet) come out together, up to 64 KiB per 'data', as one read(2)
//     returns them. An end or an error that came with data is read in the
//     next poll, as libuv stops reading at a short read.
//   - The kernel takes writes into a send buffer of twenty segments (at
//     least 64 KiB; over a megabyte at loopback's segment size, as Linux
//     grows it once a connection is established) and sends what the
//     peer's 65535-byte receive window admits. A socket that stops reading
//     (paused past its high-water mark, or pauseOnConnect) lets its window
//     close; the writer's buffer fills, its writes return false, and
//     'drain' follows once the reader resumes and a window update arrives.
//   - ACKs are coalesced: one per burst of segments arriving at the same
//     instant, none when a reply already carries it.
//   - Nagle's algorithm is on until SetNoDelay(true), as net.Socket's
//     noDelay defaults to false in Node v20 (the http module turns it off).
//   - Lost segments are retransmitted after an RTO of 200 ms plus the round
//     trip, doubling up to 120 s: SYNs 6 times from 1 s ("connect
//     ETIMEDOUT" after 127 s), SYN-ACKs 5 times, data 15 times ("read
//     ETIMEDOUT"). A closed window is not probed: the writer learns it
//     reopened from the window update the reader sends when it reads again,
//     so a world whose reader stays paused goes idle instead of probing
//     forever (and an update lost to a fault waits for the peer's next
//     segment).
//   - close() with unread data in the kernel sends RST instead of FIN;
//     data reaching a closed socket is answered with RST; an RST makes the
//     peer's socket fail with "read ECONNRESET" (or "connect ECONNREFUSED"
//     while connecting). Data that arrived before the RST is still read
//     first, and then, as libuv ends a stream after a short read when
//     epoll reports a hang-up, the socket gets 'end' instead; a write
//     fails with "write ECONNRESET" until a read has taken the error, then
//     with EPIPE. A connection reset before it is accepted waits in the
//     accept queue with all this for its first read.
//   - Ephemeral ports count up from 49152 per host; a port is free again as
//     soon as both ends are done (there is no TIME_WAIT).
//   - Every segment is an Event with Obj "net" and ID the connection
//     number, emitted when it leaves: "syn", "synack", "ack", "seg", "fin",
//     "rst", "refuse" (the RST answering a SYN nobody listens for), or
//     "drop" with a "reason" (partition, black-hole, backlog, unreachable).
//     Its Detail has the host names "from" and "to", "seq" relative to the
//     sender's initial sequence number, and "len"; its Packet has the real
//     numbers for capture files ([WithoutNetDetail] leaves out both).
type World struct {
	loop *Loop
	rng  *rand.Rand
	cfg  config

	hosts  []*Host
	byName map[string]*Host
	byAddr map[netip.Addr]*Host
	paths  map[hostPair]*path
	cuts   map[hostPair]*cut

	conns      int   // connections opened so far, numbering them
	head, tail *conn // live connections, oldest first
	sends      sendArena
	rules      []*rule

	newFollower func() HTTPFollower // set by FollowHTTP; nil: rules cannot act at HTTP points
	released    bool                // by Release: the world is zeroed and its objects are another's
}

// Option configures a World.
type Option func(*config)

type config struct {
	link       Link
	dnsLatency time.Duration
	bareNet    bool
	noTail     bool
	spares     *Spares
}

// WithLink sets the link between every two distinct hosts; see
// [World.SetLink] for one pair. The default is 1 ms each way, unlimited
// bandwidth, DefaultMSS.
func WithLink(l Link) Option { return func(c *config) { c.link = l } }

// WithDNSLatency sets how long every name lookup takes (default 0: the
// answer comes in the next poll phase).
func WithDNSLatency(d time.Duration) Option { return func(c *config) { c.dnsLatency = d } }

// WithoutNetDetail makes net events carry neither Detail nor Packet, only
// their time, connection and name, for observers that read no more: a
// sweep building both for every segment spent a sixth of its allocations
// on them.
func WithoutNetDetail() Option { return func(c *config) { c.bareNet = true } }

// WithoutUncaughtTrace leaves an uncaught error's Trace empty, so the loop
// does not copy every event into the ring of the latest ones it keeps for
// it (2.3 KB per world), for runs that read no more of the error than its
// message, as a sweep does.
func WithoutUncaughtTrace() Option { return func(c *config) { c.noTail = true } }

// NewWorld returns an empty world whose every random choice (initial
// sequence numbers, jitter, fault probabilities) comes from seed.
func NewWorld(seed uint64, opts ...Option) (*World, error) {
	cfg := config{link: defaultLink}
	for _, o := range opts {
		o(&cfg)
	}
	if err := cfg.link.validate("Link"); err != nil {
		return nil, fmt.Errorf("simnet: NewWorld: %w", err)
	}
	if cfg.dnsLatency < 0 {
		return nil, fmt.Errorf("simnet: NewWorld: %w", invalidField("DNSLatency", "must not be negative, got %v", cfg.dnsLatency))
	}
	sp := cfg.spares
	if sp != nil && sp.inUse {
		sp = nil // another world holds them
	}
	loop, w := sp.take()
	initLoop(loop, !cfg.noTail)
	loop.claim(sp)
	w.loop, w.rng, w.cfg = loop, rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), cfg
	return w, nil
}

// Loop is the world's event loop; run it to make time pass. A released
// world has none.
func (w *World) Loop() *Loop { return w.loop }

// Rand is the world's seeded random source. Drawing from it changes what
// the network draws later, deterministically. A released world has none.
func (w *World) Rand() *rand.Rand { return w.rng }

// AddHost adds a host reachable by name at the given addresses ("10.0.0.2",
// "fd00::2"); with none it gets the next free address 10.0.0.N. Every host
// also answers on its own loopback, 127.0.0.1 and ::1.
func (w *World) AddHost(name string, addrs ...string) (*Host, error) {
	if w.released {
		return nil, released("AddHost")
	}
	if err := w.checkHostName(name); err != nil {
		return nil, fmt.Errorf("simnet: AddHost: %w", err)
	}
	h := Alloc[Host](w.loop)
	*h = Host{world: w, name: name, index: len(w.hosts), nextPort: firstEphemeralPort}
	h.grow(w.loop.spares)
	for _, s := range addrs {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("simnet: AddHost %q: %w", name, &Error{Code: "ERR_INVALID_ARG_VALUE", Message: "addrs: " + err.Error(), Field: "addrs", Err: err})
		}
		a = a.Unmap()
		if err := w.checkHostAddr(a, h); err != nil {
			return nil, fmt.Errorf("simnet: AddHost %q: %w", name, err)
		}
		h.addrs = append(h.addrs, a)
	}
	if len(h.addrs) == 0 {
		h.addrs = append(h.addrs, w.freeAddr())
	}
	for _, a := range h.addrs {
		w.byAddr[a] = h
	}
	w.hosts = append(w.hosts, h)
	w.byName[strings.ToLower(name)] = h
	return h, nil
}

func (w *World) checkHostName(name string) error {
	switch {
	case name == "":
		return invalidField("name", "must not be empty")
	case name == "localhost":
		return invalidField("name", "localhost is every host's own loopback name")
	case w.byName[strings.ToLower(name)] != nil:
		return invalidField("name", "host %q already exists (names are case-insensitive)", name)
	}
	// Every address has a dot or a colon: a plain name skips the parse,
	// whose error for it was an allocation per host of every world.
	if strings.ContainsAny(name, ".:") {
		if _, err := netip.ParseAddr(name); err == nil {
			return invalidField("name", "%q is an address, not a name", name)
		}
	}
	for _, r := range name {
		if r <= ' ' || r == 0x7f {
			return invalidField("name", "%q contains a space or control character", name)
		}
	}
	return nil
}

func (w *World) checkHostAddr(a netip.Addr, h *Host) error {
	switch {
	case a.IsLoopback() || a.IsUnspecified() || a.IsMulticast():
		return invalidField("addrs", "%v cannot be a host address: loopback, unspecified and multicast addresses are not routable", a)
	case w.byAddr[a] != nil:
		return invalidField("addrs", "%v already belongs to host %q", a, w.byAddr[a].name)
	}
	for _, b := range h.addrs {
		if a == b {
			return invalidField("addrs", "%v is listed twice", a)
		}
	}
	return nil
}

// freeAddr is the lowest 10.0.0.N no host has.
func (w *World) freeAddr() netip.Addr {
	a := netip.AddrFrom4([4]byte{10, 0, 0, 1})
	for w.byAddr[a] != nil {
		a = a.Next()
	}
	return a
}

// Host returns the host with the given name, or nil.
func (w *World) Host(name string) *Host { return w.byName[strings.ToLower(name)] }

// SetLink sets the link between hosts a and b, both ways; with a == b it
// sets that host's loopback (by default instant, unlimited, 65483-byte
// segments). Segments already in flight keep their arrival times.
func (w *World) SetLink(a, b string, l Link) error {
	ha, hb, err := w.hostPair("SetLink", a, b)
	if err != nil {
		return err
	}
	if err := l.validate("Link"); err != nil {
		return fmt.Errorf("simnet: SetLink: %w", err)
	}
	p, _ := w.pathBetween(ha, hb)
	p.link = l
	return nil
}

// Partition cuts hosts a and b off from each other: every segment between
// them is dropped until Heal. TCP retransmits what was lost once healed, and
// gives up with ETIMEDOUT if the cut lasts too long.
func (w *World) Partition(a, b string) error {
	ha, hb, err := w.hostPair("Partition", a, b)
	if err != nil {
		return err
	}
	w.cutOf(ha, hb).manual = true
	return nil
}

// Heal undoes Partition(a, b); partitions made by rules stay until they end.
func (w *World) Heal(a, b string) error {
	ha, hb, err := w.hostPair("Heal", a, b)
	if err != nil {
		return err
	}
	w.cutOf(ha, hb).manual = false
	return nil
}

func (w *World) hostPair(op, a, b string) (*Host, *Host, error) {
	if w.released {
		return nil, nil, released(op)
	}
	ha, hb := w.Host(a), w.Host(b)
	if ha == nil {
		return nil, nil, fmt.Errorf("simnet: %s: %w", op, invalidField("a", "no host %q", a))
	}
	if hb == nil {
		return nil, nil, fmt.Errorf("simnet: %s: %w", op, invalidField("b", "no host %q", b))
	}
	return ha, hb, nil
}

// cut is the partition state of one host pair: cut by Partition, by rules,
// or both.
type cut struct {
	manual bool
	rules  int
}

func (w *World) cutOf(a, b *Host) *cut {
	key, _ := pairOf(a, b)
	c := w.cuts[key]
	if c == nil {
		if w.cuts == nil {
			// Made on the first cut: most worlds (a sweep seed's)
			// never partition anything.
			w.cuts = map[hostPair]*cut{}
		}
		c = &cut{}
		w.cuts[key] = c
	}
	return c
}

// partitioned reports whether segments between a and b are being dropped.
func (w *World) partitioned(a, b *Host) bool {
	if a == b || len(w.cuts) == 0 {
		return false
	}
	key, _ := pairOf(a, b)
	c := w.cuts[key]
	return c != nil && (c.manual || c.rules > 0)
}

// hostOf returns the host that owns addr as seen from h: loopback addresses
// are h itself.
func (w *World) hostOf(h *Host, addr netip.Addr) *Host {
	if addr.IsLoopback() {
		return h
	}
	return w.byAddr[addr]
}
