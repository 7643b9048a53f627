package simnet

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// Fault is what a Rule does to the connections (or lookups) it matches.
type Fault uint8

// The fault kinds. Each example is a complete Rule.
const (
	// FaultRefuse answers matching SYNs with RST, as a port nobody listens
	// on does: the client gets "connect ECONNREFUSED addr:port".
	//
	//	Rule{What: FaultRefuse, Server: "api", Port: 443, Conn: 2}
	FaultRefuse Fault = iota + 1

	// FaultBlackHoleConnect drops matching SYNs: the connect is never
	// answered, so only a socket timeout fires, until the kernel gives up
	// with "connect ETIMEDOUT" after 127 s.
	//
	//	Rule{What: FaultBlackHoleConnect, Server: "db"}
	FaultBlackHoleConnect

	// FaultBlackHoleData drops every segment in Dir once triggered, ACKs
	// and retransmissions included: the data is never delivered. Like the
	// other faults on a direction's segments (stall, delay, slice), it
	// spares SYNs, so with no trigger it acts from the handshake's last ACK.
	//
	//	Rule{What: FaultBlackHoleData, Dir: ServerToClient, AfterBytes: 100}
	FaultBlackHoleData

	// FaultReset makes the sending side of Dir (the server when Dir is
	// AnyDir) abort the connection once triggered: its socket closes and
	// an RST reaches the peer, whose socket fails with "read ECONNRESET",
	// or, when it still had data to read from before the RST, reads it and
	// ends ('end'), as libuv does, and its next write fails instead.
	//
	//	Rule{What: FaultReset, Dir: ServerToClient, Pattern: []byte("\r\n\r\n")}
	FaultReset

	// FaultClose makes the sending side of Dir (the server when AnyDir)
	// close the connection once triggered: what it had not yet sent is
	// discarded, its socket closes and a FIN reaches the peer ('end').
	//
	//	Rule{What: FaultClose, Dir: ServerToClient, AfterBytes: 1024}
	FaultClose

	// FaultStall holds every segment in Dir once triggered, for Duration
	// (from At when At triggers it) or, when Duration is 0, until the rule
	// is removed; then they arrive.
	//
	//	Rule{What: FaultStall, Dir: ClientToServer, At: time.Second, Duration: 5 * time.Second}
	FaultStall

	// FaultDelay adds Delay to the one-way latency of every segment in Dir
	// once triggered.
	//
	//	Rule{What: FaultDelay, Dir: ServerToClient, Delay: 300 * time.Millisecond}
	FaultDelay

	// FaultSlice cuts every segment in Dir to at most Size bytes once
	// triggered, so the reader sees Size-byte 'data' chunks.
	//
	//	Rule{What: FaultSlice, Dir: ClientToServer, Size: 1}
	FaultSlice

	// FaultPartition cuts hosts Client and Server off from each other at
	// At, for Duration or, when 0, until the rule is removed, like
	// World.Partition and World.Heal.
	//
	//	Rule{What: FaultPartition, Client: "web", Server: "db", At: 2 * time.Second, Duration: time.Minute}
	FaultPartition

	// FaultCloseOnReuse is the keep-alive race: when client->server bytes
	// leave on a connection idle for at least Idle, the server has just
	// closed it, so its RST crosses the client's write and the client's
	// socket fails with "read ECONNRESET" right after writing.
	//
	//	Rule{What: FaultCloseOnReuse, Server: "api", Idle: 5 * time.Second}
	FaultCloseOnReuse

	// FaultDNSFail makes lookups of Name fail with "getaddrinfo ENOTFOUND".
	//
	//	Rule{What: FaultDNSFail, Name: "api", Probability: 0.1}
	FaultDNSFail

	// FaultDNSDelay makes lookups of Name take Delay longer.
	//
	//	Rule{What: FaultDNSDelay, Name: "api", Delay: 2 * time.Second}
	FaultDNSDelay
)

var faultNames = [...]string{
	FaultRefuse: "refuse", FaultBlackHoleConnect: "black-hole-connect",
	FaultBlackHoleData: "black-hole-data", FaultReset: "reset", FaultClose: "close",
	FaultStall: "stall", FaultDelay: "delay", FaultSlice: "slice",
	FaultPartition: "partition", FaultCloseOnReuse: "close-on-reuse",
	FaultDNSFail: "dns-fail", FaultDNSDelay: "dns-delay",
}

// String is the fault's name in rules written as text ("close-on-reuse").
func (f Fault) String() string {
	if int(f) < len(faultNames) && faultNames[f] != "" {
		return faultNames[f]
	}
	return fmt.Sprintf("Fault(%d)", uint8(f))
}

// perConn reports whether the fault acts on connections.
func (f Fault) perConn() bool {
	return f >= FaultRefuse && f <= FaultSlice || f == FaultCloseOnReuse
}

func (f Fault) dns() bool { return f == FaultDNSFail || f == FaultDNSDelay }

// onData reports whether the fault acts on the segments of a direction.
func (f Fault) onData() bool {
	return f == FaultBlackHoleData || f == FaultStall || f == FaultDelay || f == FaultSlice
}

// Dir selects a direction of a connection's traffic.
type Dir uint8

// Directions.
const (
	AnyDir         Dir = iota // both directions
	ClientToServer            // bytes the connecting side sends
	ServerToClient            // bytes the accepting side sends
)

// String names the direction as rules written as text do ("client->server").
func (d Dir) String() string {
	switch d {
	case AnyDir:
		return "any"
	case ClientToServer:
		return "client->server"
	case ServerToClient:
		return "server->client"
	}
	return fmt.Sprintf("Dir(%d)", uint8(d))
}

// has reports whether segments sent by side travel in d.
func (d Dir) has(side int) bool {
	return d == AnyDir || (d == ClientToServer) == (side == client)
}

// actor is the side that acts for Reset and Close: the sender of d.
func (d Dir) actor() int {
	if d == ClientToServer {
		return client
	}
	return server
}

// Rule is one fault as data: what happens, where, and when. Zero fields
// mean "any" (where) or "from the start" (when). At most one of
// AfterBytes, Pattern, At and Idle may be set. Rules apply in the order
// they were added.
type Rule struct {
	What Fault

	// Client is the host that connects (or looks up Name); "" means any.
	// For FaultPartition, Client and Server are the two hosts to cut apart.
	Client string
	// Server is the host that accepts; "" means any.
	Server string
	// Port is the server port; 0 means any.
	Port int
	// Dir is whose bytes count for AfterBytes and Pattern and whose
	// segments the fault acts on; AnyDir counts and acts on both.
	Dir Dir
	// Conn picks only the Conn-th matching connection (or lookup) made after
	// the rule was added; 0 means every one, including those already open.
	Conn int
	// Request picks only the Request-th HTTP request (counted from 1 after
	// the rule was added, over every matching connection); 0 means any.
	// Without After the fault acts as that request begins, before its
	// first byte leaves. It needs the world to follow HTTP (FollowHTTP).
	Request int
	// Name is the host name a DNS fault matches.
	Name string

	// AfterBytes triggers the fault once this many bytes have left in Dir;
	// the segment that reaches the count is cut to end exactly there.
	AfterBytes int64
	// Pattern triggers the fault once these bytes have left in Dir (for
	// example "\r\n\r\n", the end of a header block); the segment carrying
	// the pattern's last byte is cut to end there.
	Pattern []byte
	// At triggers the fault at this virtual time (or at once when the
	// connection opens later).
	At time.Duration
	// Idle triggers the fault on the first segment in Dir that leaves after
	// no payload crossed the connection either way for at least Idle.
	Idle time.Duration
	// After triggers the fault at an HTTP point of an exchange (of the
	// Request-th request, or the connection's first): the segment reaching
	// it is cut to end exactly there. It needs the world to follow HTTP.
	After HTTPPoint

	// Probability is the chance, drawn from the world's seed, that the rule
	// applies to a matching connection (or lookup, or partition); 0 means 1.
	Probability float64

	// Delay is the extra latency of FaultDelay and FaultDNSDelay.
	Delay time.Duration
	// Size is FaultSlice's largest segment.
	Size int
	// Duration bounds FaultStall and FaultPartition; 0 means until removed.
	Duration time.Duration
}

// RuleHandle is an added rule; it can be removed again.
type RuleHandle struct{ r *rule }

// Remove ends the rule: it matches nothing more, segments it held are
// released, and a partition it made heals.
func (h *RuleHandle) Remove() { h.r.remove() }

// Fired reports how many connections (or lookups) the rule has acted on.
func (h *RuleHandle) Fired() int { return h.r.fired }

// rule is an added Rule and its bookkeeping.
type rule struct {
	Rule
	w        *World
	fail     []int // Pattern's KMP failure function
	matched  int   // matching connections or lookups since added, for Conn
	requests int   // requests begun on the connections it acts on, for Request
	fired    int
	removed  bool
	cutting  bool // a FaultPartition currently in force
}

// ruleState is a rule's progress on one connection.
type ruleState struct {
	r         *rule
	fired     bool
	target    int // the exchange a Request rule acts on, once its request has begun
	bytes     int64
	match     [2]int // Pattern progress per direction
	held      []heldSegment
	stallOver bool
}

type heldSegment struct {
	from int
	seg  segment
}

// verdict is what the faults decide for one segment.
type verdict struct {
	drop  string // the reason it is dropped, or ""
	hold  *ruleState
	delay time.Duration
}

// AddRule adds a fault rule. An impossible rule is refused with an *Error
// whose Field names the offending field and whose Code is
// ERR_INVALID_ARG_VALUE.
func (w *World) AddRule(r Rule) (*RuleHandle, error) {
	if w.released {
		return nil, released("AddRule")
	}
	if err := w.checkRule(&r); err != nil {
		return nil, fmt.Errorf("simnet: AddRule %v: %w", r.What, err)
	}
	x := Alloc[rule](w.loop)
	*x = rule{Rule: r, w: w}
	if r.Pattern != nil {
		x.Pattern = append([]byte(nil), r.Pattern...)
		x.fail = kmpTable(x.Pattern)
	}
	w.rules = append(w.rules, x)
	now := w.loop.Now()
	switch {
	case r.What == FaultPartition:
		w.loop.schedule(max(r.At, now), x.startCut)
	case r.What.perConn() && r.Conn == 0:
		for c := w.head; c != nil; c = c.next {
			if x.matchesConn(c) && x.draw() {
				c.addRule(&ruleState{r: x})
				c.followIfNeeded()
			}
		}
	}
	if r.What == FaultReset || r.What == FaultClose {
		if r.AfterBytes == 0 && r.Pattern == nil && r.Idle == 0 && !r.NeedsHTTP() {
			w.loop.schedule(max(r.At, now), x.fireOpen)
		}
	}
	return &RuleHandle{x}, nil
}

func (w *World) checkRule(r *Rule) error {
	for _, h := range []struct{ field, name string }{{"Client", r.Client}, {"Server", r.Server}} {
		if h.name != "" && w.Host(h.name) == nil {
			return invalidField(h.field, "no host %q", h.name)
		}
	}
	if (r.Request != 0 || r.After != AfterNone || r.What == FaultCloseOnReuse && r.Idle == 0) && w.newFollower == nil {
		return invalidField(httpField(r), "needs HTTP following: call World.FollowHTTP first")
	}
	return r.Check()
}

// Check reports an impossible rule, as World.AddRule does short of the
// hosts it names: an *Error whose Field names the offending field.
func (r Rule) Check() error {
	if r.What < FaultRefuse || r.What > FaultDNSDelay {
		return invalidField("What", "unknown fault %d", uint8(r.What))
	}
	if err := checkPort("Port", r.Port); err != nil {
		return invalidField("Port", "must be between 0 and 65535, got %d", r.Port)
	}
	switch {
	case r.Dir > ServerToClient:
		return invalidField("Dir", "unknown direction %d", uint8(r.Dir))
	case r.Conn < 0:
		return invalidField("Conn", "must be 1 or more (0 for every connection), got %d", r.Conn)
	case r.Request < 0:
		return invalidField("Request", "must be 1 or more (0 for any request), got %d", r.Request)
	case r.After > AfterResponse:
		return invalidField("After", "unknown HTTP point %d", uint8(r.After))
	case r.AfterBytes < 0:
		return invalidField("AfterBytes", "must not be negative, got %d", r.AfterBytes)
	case r.Pattern != nil && len(r.Pattern) == 0:
		return invalidField("Pattern", "must not be empty")
	case r.At < 0:
		return invalidField("At", "must not be negative, got %v", r.At)
	case r.Idle < 0:
		return invalidField("Idle", "must not be negative, got %v", r.Idle)
	case math.IsNaN(r.Probability) || r.Probability < 0 || r.Probability > 1:
		return invalidField("Probability", "must be between 0 and 1, got %v", r.Probability)
	case r.Delay < 0:
		return invalidField("Delay", "must not be negative, got %v", r.Delay)
	case r.Size < 0:
		return invalidField("Size", "must not be negative, got %d", r.Size)
	case r.Duration < 0:
		return invalidField("Duration", "must not be negative, got %v", r.Duration)
	}
	var when []string
	for _, f := range []struct {
		name string
		set  bool
	}{{"AfterBytes", r.AfterBytes > 0}, {"Pattern", r.Pattern != nil}, {"At", r.At > 0}, {"Idle", r.Idle > 0 && r.What != FaultCloseOnReuse}, {"After", r.After != AfterNone}} {
		if f.set {
			when = append(when, f.name)
		}
	}
	if len(when) > 1 {
		return invalidField(when[1], "only one of AfterBytes, Pattern, At, Idle and After may be set, got %s", strings.Join(when, " and "))
	}
	if r.Request != 0 && (r.AfterBytes != 0 || r.Pattern != nil || r.At != 0) {
		return invalidField("Request", "counts requests, so it cannot go with AfterBytes, Pattern or At")
	}
	return checkKind(&r)
}

// httpField names the field that needs HTTP following.
func httpField(r *Rule) string {
	switch {
	case r.Request != 0:
		return "Request"
	case r.After != AfterNone:
		return "After"
	}
	return "Idle"
}

// checkKind refuses fields the fault does not use and requires those it needs.
func checkKind(r *Rule) error {
	unused := func(field string, set bool) error {
		if set {
			return invalidField(field, "is not used by %v", r.What)
		}
		return nil
	}
	// Room for every check of the longest case, on the stack: grown from
	// nothing, the slice was two allocations per rule a sweep seed drew.
	var room [16]error
	errs := append(room[:0],
		unused("Delay", r.Delay != 0 && r.What != FaultDelay && r.What != FaultDNSDelay),
		unused("Size", r.Size != 0 && r.What != FaultSlice),
		unused("Duration", r.Duration != 0 && r.What != FaultStall && r.What != FaultPartition),
		unused("Name", r.Name != "" && !r.What.dns()))
	switch r.What {
	case FaultRefuse, FaultBlackHoleConnect:
		errs = append(errs, unused("Dir", r.Dir != AnyDir), unused("AfterBytes", r.AfterBytes != 0),
			unused("Pattern", r.Pattern != nil), unused("Idle", r.Idle != 0),
			unused("Request", r.Request != 0), unused("After", r.After != AfterNone))
	case FaultDelay:
		if r.Delay == 0 {
			errs = append(errs, invalidField("Delay", "must be positive for %v", r.What))
		}
	case FaultSlice:
		if r.Size < 1 {
			errs = append(errs, invalidField("Size", "must be 1 or more for %v, got %d", r.What, r.Size))
		}
	case FaultCloseOnReuse:
		errs = append(errs, unused("AfterBytes", r.AfterBytes != 0), unused("Pattern", r.Pattern != nil),
			unused("At", r.At != 0), unused("After", r.After != AfterNone))
		if r.Dir == ServerToClient {
			errs = append(errs, invalidField("Dir", "%v reacts to client->server bytes", r.What))
		}
	case FaultPartition:
		if r.Client == "" || r.Server == "" || strings.EqualFold(r.Client, r.Server) {
			errs = append(errs, invalidField("Server", "%v needs two different hosts in Client and Server", r.What))
		}
		errs = append(errs, unused("Port", r.Port != 0), unused("Dir", r.Dir != AnyDir), unused("Conn", r.Conn != 0),
			unused("AfterBytes", r.AfterBytes != 0), unused("Pattern", r.Pattern != nil), unused("Idle", r.Idle != 0),
			unused("Request", r.Request != 0), unused("After", r.After != AfterNone))
	case FaultDNSFail, FaultDNSDelay:
		if r.Name == "" {
			errs = append(errs, invalidField("Name", "must name the host name %v matches", r.What))
		}
		if r.What == FaultDNSDelay && r.Delay == 0 {
			errs = append(errs, invalidField("Delay", "must be positive for %v", r.What))
		}
		errs = append(errs, unused("Server", r.Server != ""), unused("Port", r.Port != 0), unused("Dir", r.Dir != AnyDir),
			unused("AfterBytes", r.AfterBytes != 0), unused("Pattern", r.Pattern != nil), unused("Idle", r.Idle != 0),
			unused("Request", r.Request != 0), unused("After", r.After != AfterNone))
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func kmpTable(p []byte) []int {
	fail := make([]int, len(p))
	k := 0
	for i := 1; i < len(p); i++ {
		for k > 0 && p[i] != p[k] {
			k = fail[k-1]
		}
		if p[i] == p[k] {
			k++
		}
		fail[i] = k
	}
	return fail
}

// scan feeds data to the pattern matcher from state; it returns the new
// state and the length of data up to the end of the first full match, or -1.
func (r *rule) scan(state int, data []byte) (int, int) {
	p := r.Pattern
	for i, b := range data {
		for state > 0 && p[state] != b {
			state = r.fail[state-1]
		}
		if p[state] == b {
			state++
		}
		if state == len(p) {
			return r.fail[state-1], i + 1
		}
	}
	return state, -1
}

// draw decides, from the world's seed, whether the rule applies this time.
func (r *rule) draw() bool {
	return r.Probability == 0 || r.w.rng.Float64() < r.Probability
}

func (r *rule) matchesConn(c *conn) bool {
	srv := c.end[server].host
	return !r.removed && r.What.perConn() &&
		(r.Client == "" || strings.EqualFold(r.Client, c.end[client].host.name)) &&
		(r.Server == "" || (srv != nil && strings.EqualFold(r.Server, srv.name))) &&
		(r.Port == 0 || int(c.end[server].addr.Port()) == r.Port)
}

func (r *rule) matchesLookup(h *Host, name string) bool {
	if r.removed || !r.What.dns() || !strings.EqualFold(r.Name, name) ||
		(r.Client != "" && !strings.EqualFold(r.Client, h.name)) || r.w.loop.Now() < r.At {
		return false
	}
	r.matched++
	return (r.Conn == 0 || r.matched == r.Conn) && r.draw()
}

// attachRules gives a new connection the state of every rule matching it.
func (w *World) attachRules(c *conn) {
	for _, r := range w.rules {
		if !r.matchesConn(c) {
			continue
		}
		r.matched++
		if (r.Conn == 0 || r.matched == r.Conn) && r.draw() {
			rs := Alloc[ruleState](w.loop)
			rs.r = r
			c.addRule(rs)
		}
	}
	c.followIfNeeded()
}

// due reports whether a rule with no byte, pattern or idle trigger holds now.
func (rs *ruleState) due(now time.Duration) bool {
	r := rs.r
	return r.AfterBytes == 0 && r.Pattern == nil && r.Idle == 0 && !r.NeedsHTTP() && now >= r.At
}

// fire acts on c as rs's rule says, once.
func (c *conn) fire(rs *ruleState) {
	if rs.fired {
		return
	}
	rs.fired = true
	r := rs.r
	r.fired++
	c.traceFault(r)
	switch r.What {
	case FaultReset, FaultClose:
		c.abortSide(r.Dir.actor(), r.What == FaultReset)
	case FaultCloseOnReuse:
		c.abortSide(server, true)
	case FaultStall:
		if r.Duration == 0 {
			return
		}
		// A stall set for a time lasts from that time, not from the first
		// segment it catches.
		now := c.w.loop.Now()
		from := now
		if rs.due(now) && r.At > 0 {
			from = r.At
		}
		if from+r.Duration <= now {
			rs.stallOver = true
			return
		}
		c.w.loop.schedule(from+r.Duration, func() { c.release(rs) })
	}
}

// abortSide makes one end give up the connection: with RST, or with FIN
// after discarding what it had not sent yet.
func (c *conn) abortSide(side int, reset bool) {
	e := &c.end[side]
	if e.state != stateOpen {
		return
	}
	if reset {
		e.abort = true
	} else {
		sent := int(e.sndNxt - e.sndUna)
		if e.finSent && !e.finAcked {
			sent--
		}
		// Capped, so nothing appended later overwrites bytes a segment shares.
		k := min(sent, len(e.snd))
		e.snd = e.snd[:k:k]
	}
	if s := e.socket(); s != nil {
		s.Destroy(nil)
		return
	}
	if reset {
		e.sendReset()
	}
}

// release lets segments held by a stall go on their way.
func (c *conn) release(rs *ruleState) {
	rs.stallOver = true
	for _, h := range rs.held {
		from := &c.end[h.from]
		c.deliver(from, c.peer(from), h.seg, 0)
	}
	rs.held = nil
}

// fireOpen fires a Reset or Close rule due now on every open connection.
func (r *rule) fireOpen() {
	if r.removed {
		return
	}
	for c := r.w.head; c != nil; c = c.next {
		for _, rs := range c.rules {
			if rs.r == r && c.end[r.Dir.actor()].state == stateOpen {
				c.fire(rs)
			}
		}
	}
}

// onEstablished fires Reset and Close rules due when e's handshake completes.
func (c *conn) onEstablished(e *end) {
	now := c.w.loop.Now()
	for _, rs := range c.rules {
		r := rs.r
		if (r.What == FaultReset || r.What == FaultClose) && !r.removed && r.Dir.actor() == int(e.side) && rs.due(now) {
			c.fire(rs)
		}
	}
}

// refused reports whether a rule refuses this connection's SYN.
func (c *conn) refused() bool {
	now := c.w.loop.Now()
	for _, rs := range c.rules {
		if rs.r.What == FaultRefuse && !rs.r.removed && rs.due(now) {
			c.fire(rs)
			return true
		}
	}
	return false
}

// traceFault puts a "fault" net event in the trace where r struck, before
// whatever it does, naming the side it acts on ("from") and its peer.
func (c *conn) traceFault(r *rule) {
	ev := c.w.loop.events
	if !ev.Active() {
		return
	}
	from := &c.end[r.Dir.actor()]
	if r.What == FaultCloseOnReuse {
		from = &c.end[server]
	}
	if c.w.cfg.bareNet {
		ev.Emit(Event{Obj: "net", ID: c.id, Name: "fault"})
		return
	}
	to := c.peer(from)
	ev.Emit(Event{Obj: "net", ID: c.id, Name: "fault", Detail: map[string]any{
		"fault": r.What.String(), "from": hostName(from), "to": hostName(to),
	}})
}

// hostName is how net events name an end's host: its name, or its address
// when no simulated host owns it.
func hostName(e *end) string {
	if e.host == nil {
		return e.addr.Addr().String()
	}
	return e.host.name
}

// verdict decides the fate of one segment from e.
//
// It asks the peer end only when some cut exists, and the conn's rules
// only when it has some: at 100,000 connections the peer's line and the
// conn's are misses. A connection has a path exactly when open found a
// host for its address.
func (c *conn) verdict(e *end, seg segment) verdict {
	if e.path == nil {
		return verdict{drop: "unreachable"}
	}
	w := e.w
	if len(w.cuts) > 0 && w.partitioned(e.host, c.peer(e).host) {
		return verdict{drop: "partition"}
	}
	var v verdict
	if !e.ruled {
		return v
	}
	now := w.loop.Now()
	syn := seg.flags&FlagSYN != 0
	for _, rs := range c.rules {
		r := rs.r
		if r.removed {
			continue
		}
		if r.What == FaultBlackHoleConnect {
			if syn && e.side == client && rs.due(now) {
				c.fire(rs)
				v.drop = "black-hole"
			}
			continue
		}
		if !r.What.onData() || syn || !r.Dir.has(int(e.side)) {
			continue
		}
		if rs.due(now) {
			c.fire(rs)
		}
		if !rs.fired {
			continue
		}
		switch r.What {
		case FaultBlackHoleData:
			v.drop = "black-hole"
		case FaultStall:
			if !rs.stallOver && v.hold == nil {
				v.hold = rs
			}
		case FaultDelay:
			v.delay += r.Delay
		}
	}
	return v
}

// limit shortens a new segment of n bytes from e to honour slices and to
// end exactly where a byte or pattern trigger falls.
func (c *conn) limit(e *end, off, n int) int {
	data := e.snd[off : off+n]
	now := c.w.loop.Now()
	for _, rs := range c.rules {
		r := rs.r
		if r.removed || !r.Dir.has(int(e.side)) {
			continue
		}
		if r.What == FaultSlice && (rs.fired || rs.due(now)) {
			n = min(n, r.Size)
		}
		if rs.fired {
			continue
		}
		if r.AfterBytes > 0 {
			n = min(n, int(r.AfterBytes-rs.bytes))
		}
		if r.Pattern != nil {
			if _, k := r.scan(rs.match[e.side], data[:n]); k > 0 {
				n = k
			}
		}
	}
	return max(c.httpLimit(e, off, n), 1)
}

// beforePayload fires idle triggers as new bytes are about to leave e; it
// reports whether e may still send.
func (c *conn) beforePayload(e *end) bool {
	c.httpBefore(e)
	now := c.w.loop.Now()
	for _, rs := range c.rules {
		r := rs.r
		if r.removed || rs.fired || r.Idle == 0 || r.NeedsHTTP() || !r.Dir.has(int(e.side)) {
			continue
		}
		if r.What == FaultCloseOnReuse && e.side != client {
			continue
		}
		if now-c.lastActive() >= r.Idle {
			c.fire(rs)
		}
	}
	return e.state == stateOpen
}

// afterPayload counts new bytes that left e and fires byte and pattern
// triggers they complete.
func (c *conn) afterPayload(e *end, data []byte) {
	c.httpAfter(e, len(data))
	for _, rs := range c.rules {
		r := rs.r
		if r.removed || !r.Dir.has(int(e.side)) {
			continue
		}
		rs.bytes += int64(len(data))
		if rs.fired {
			continue
		}
		hit := r.AfterBytes > 0 && rs.bytes >= r.AfterBytes
		if r.Pattern != nil {
			var k int
			rs.match[e.side], k = r.scan(rs.match[e.side], data)
			hit = k > 0
		}
		if hit {
			c.fire(rs)
		}
	}
}

// startCut begins a FaultPartition.
func (r *rule) startCut() {
	if r.removed || !r.draw() {
		return
	}
	r.fired++
	r.cutting = true
	r.w.cutOf(r.w.Host(r.Client), r.w.Host(r.Server)).rules++
	if r.Duration > 0 {
		r.w.loop.schedule(r.w.loop.Now()+r.Duration, r.endCut)
	}
}

func (r *rule) endCut() {
	if r.cutting {
		r.cutting = false
		r.w.cutOf(r.w.Host(r.Client), r.w.Host(r.Server)).rules--
	}
}

func (r *rule) remove() {
	if r.removed {
		return
	}
	r.removed = true
	r.endCut()
	for c := r.w.head; c != nil; c = c.next {
		for _, rs := range c.rules {
			if rs.r == r && len(rs.held) > 0 {
				c.release(rs)
			}
		}
	}
}
