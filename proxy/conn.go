package proxy

// One proxied connection: the client's leg, the upstream's leg, and a pump
// per direction that reads a chunk, lets the rules cut it where a trigger
// falls, forwards the pieces unchanged and acts.

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/simhttp/simhttp/httpcore"
	"github.com/simhttp/simhttp/simnet"
)

// readSize is the most a pump reads at once; a chunk is forwarded from the
// buffer it was read into, never copied.
const readSize = 32 << 10

var bufPool = sync.Pool{New: func() any { b := make([]byte, readSize); return &b }}

// end is how a fault ends a connection.
type end uint8

const (
	endNone  end = iota
	endReset     // RST on both legs
	endClose     // FIN on both legs
	endReuse     // RST to the client, FIN to the upstream: the server closed the idle connection
)

type conn struct {
	p  *Proxy
	id int
	cc *net.TCPConn // the client's leg
	uc *net.TCPConn // the upstream's leg; nil until dialled

	mu         sync.Mutex // guards what follows; taken before Proxy.mu, never after
	rules      []*ruleState
	f          simnet.HTTPFollower // nil once the HTTP could not be followed
	marks      []simnet.HTTPMark   // Feed's scratch
	pending    []posMark           // marks of bytes not yet forwarded
	sent       [2]int64            // bytes forwarded from each side
	exchange   []int               // the proxy-wide request numbers of exchanges forgot+1 on
	forgot     int                 // exchanges whose numbers no mark can name any more
	respDone   int                 // responses forwarded whole
	lastActive time.Time
	ended      bool

	done     chan struct{}
	doneOnce sync.Once
	legs     [2]*leg // recording: the client's leg and the upstream's
}

// posMark is an HTTP mark at an offset of one side's stream.
type posMark struct {
	side int
	at   int64
	simnet.HTTPMark
}

func newConn(p *Proxy, id int, cc *net.TCPConn) *conn {
	return &conn{p: p, id: id, cc: cc, f: httpcore.NewFollower(), lastActive: time.Now(), done: make(chan struct{})}
}

// run serves the connection until both directions end.
func (c *conn) run() {
	defer c.p.detach(c)
	c.mu.Lock()
	e, hole := c.atOpen()
	c.mu.Unlock()
	if c.p.cap != nil {
		c.legs[client] = c.p.cap.newLeg(c.id, c.cc.RemoteAddr(), c.cc.LocalAddr())
	}
	switch {
	case e != endNone:
		c.finish(e)
		return
	case hole:
		// Accepted, but the connection goes nowhere: nothing is dialled
		// and nothing the client sends is answered.
		_, _ = io.Copy(io.Discard, c.cc)
		c.finish(endReset)
		return
	}
	uc, err := c.dial()
	if err != nil {
		c.upstreamFailed(err)
		return
	}
	c.uc = uc
	if c.p.cap != nil {
		c.legs[server] = c.p.cap.newLeg(c.id, uc.LocalAddr(), uc.RemoteAddr())
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		c.pump(server, uc, c.cc)
	}()
	c.pump(client, c.cc, uc)
	wg.Wait()
	c.finish(endNone)
}

// atOpen fires the rules that act as the connection opens: refuse,
// black-hole-connect, and reset or close with no trigger but a past time.
func (c *conn) atOpen() (end, bool) {
	since := time.Since(c.p.start)
	hole := false
	for _, rs := range c.rules {
		r := rs.r
		if r.removed.Load() || !timed(&r.Rule) || since < r.At {
			continue
		}
		switch r.What {
		case simnet.FaultRefuse:
			c.p.fired(rs, c, 0)
			return endReset, false
		case simnet.FaultReset, simnet.FaultClose:
			c.p.fired(rs, c, 0)
			return endOf(r.What), false
		case simnet.FaultBlackHoleConnect:
			c.p.fired(rs, c, 0)
			hole = true
		}
	}
	return endNone, hole
}

func endOf(f simnet.Fault) end {
	switch f {
	case simnet.FaultReset:
		return endReset
	case simnet.FaultClose:
		return endClose
	case simnet.FaultCloseOnReuse:
		return endReuse
	}
	return endNone
}

func (c *conn) dial() (*net.TCPConn, error) {
	d := net.Dialer{Timeout: 10 * time.Second}
	nc, err := d.Dial("tcp", c.p.opts.Upstream)
	if err != nil {
		return nil, err
	}
	return nc.(*net.TCPConn), nil
}

// badGateway is the answer to a client whose upstream cannot be reached,
// with --on-upstream-error 502.
const badGateway = "HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s"

// upstreamFailed resets the client, or answers its first bytes with 502.
func (c *conn) upstreamFailed(err error) {
	how := "resetting the client"
	if c.p.opts.OnUpstreamError == 502 {
		how = "answering 502"
	}
	c.p.log.Printf("connection %d: upstream %s unreachable (%v); %s", c.id, c.p.opts.Upstream, err, how)
	if c.p.opts.OnUpstreamError != 502 {
		c.finish(endReset)
		return
	}
	buf := make([]byte, 4096)
	n, _ := c.cc.Read(buf)
	c.record(client, client, buf[:n])
	body := "simhttp proxy: upstream " + c.p.opts.Upstream + " unreachable\n"
	msg := []byte(fmt.Sprintf(badGateway, len(body), body))
	seg := c.sending(client, server)
	n, _ = c.cc.Write(msg)
	c.left(seg, simnet.FlagPSH, msg[:n])
	c.finish(endClose)
}

// pump forwards what side sends from src to dst until either ends.
func (c *conn) pump(side int, src, dst *net.TCPConn) {
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	buf := *bp
	r, err := newLegReader(c.p, src, dst)
	if err != nil {
		c.readEnded(side, err, dst)
		return
	}
	for {
		n, err := r.read(buf)
		if n > 0 {
			c.record(side, side, buf[:n])
			if !c.forward(side, buf[:n], dst) {
				return
			}
		}
		if err != nil {
			c.readEnded(side, err, dst)
			return
		}
	}
}

// readEnded passes a FIN on, or tears the connection down after a reset
// or when the proxy closes.
func (c *conn) readEnded(side int, err error, dst *net.TCPConn) {
	if errors.Is(err, io.EOF) && !c.isEnded() {
		c.recordFlags(side, side, simnet.FlagFIN)
		seg := c.sending(1-side, side)
		c.left(seg, sentIf(simnet.FlagFIN, dst.CloseWrite()), nil)
		return
	}
	if !c.isEnded() {
		// The peer reset (or the proxy is closing): so does the other leg.
		c.recordFlags(side, side, simnet.FlagRST)
		c.finish(endReset)
	}
}

func (c *conn) isEnded() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ended
}

// piece is what the rules decide for the next bytes of a chunk.
type piece struct {
	n       int           // bytes to forward (or drop)
	drop    bool          // a black hole takes them
	delay   time.Duration // wait before forwarding
	stall   []*ruleState  // stalls to wait out first
	slice   int           // forward in writes of at most this many bytes; 0 for one write
	endNow  end           // a fault ends the connection before these bytes leave
	endThen end           // a fault ends it once they have left
}

// forward sends one chunk read from side on to dst, piece by piece; it
// reports whether the connection goes on.
func (c *conn) forward(side int, data []byte, dst *net.TCPConn) bool {
	c.mu.Lock()
	if c.ended {
		c.mu.Unlock()
		return false
	}
	c.feed(side, data)
	quiet := len(c.rules) == 0
	if quiet {
		// No rule: account for the bytes and forward them in one write.
		c.sent[side] += int64(len(data))
		c.pending = c.passMarks(side, c.pending, nil)
		c.lastActive = time.Now()
	}
	c.mu.Unlock()
	if quiet {
		return c.write(side, dst, data, 0)
	}
	for len(data) > 0 {
		c.mu.Lock()
		pc := c.plan(side, data)
		c.mu.Unlock()
		if pc.endNow != endNone {
			c.finish(pc.endNow)
			return false
		}
		if !c.wait(pc) {
			return false
		}
		if !pc.drop && !c.write(side, dst, data[:pc.n], pc.slice) {
			return false
		}
		if pc.endThen != endNone {
			c.finish(pc.endThen)
			return false
		}
		data = data[pc.n:]
	}
	return true
}

// write forwards bytes unchanged, in slices when a slice fault says so.
func (c *conn) write(side int, dst *net.TCPConn, data []byte, slice int) bool {
	for len(data) > 0 {
		n := len(data)
		if slice > 0 {
			n = min(n, slice)
		}
		// Its place in the capture is taken before it leaves, so that the
		// capture never shows an answer to it first.
		seg := c.sending(1-side, side)
		w, err := dst.Write(data[:n])
		c.left(seg, simnet.FlagPSH, data[:w])
		if err != nil {
			c.finish(endReset)
			return false
		}
		data = data[n:]
	}
	return true
}

// wait holds a piece for its stalls and its delay; false when the
// connection ended meanwhile.
func (c *conn) wait(pc piece) bool {
	for _, rs := range pc.stall {
		var timer <-chan time.Time
		if d := rs.r.Duration; d > 0 {
			t := time.NewTimer(time.Until(rs.firedAt.Add(d)))
			defer t.Stop()
			timer = t.C
		}
		select {
		case <-timer:
		case <-rs.r.gone:
		case <-c.done:
			return false
		}
	}
	if pc.delay > 0 {
		t := time.NewTimer(pc.delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-c.done:
			return false
		}
	}
	return true
}

// feed gives the follower a chunk and binds Request rules to the requests
// it begins; the caller holds c.mu.
func (c *conn) feed(side int, data []byte) {
	if c.f == nil {
		return
	}
	base := c.sent[side]
	marks, err := c.f.Feed(side == client, data, c.marks[:0])
	c.marks = marks[:0]
	if err != nil {
		c.p.log.Printf("connection %d: %s: not following HTTP any more: %v (bytes still forwarded unchanged)", c.id, sideName(side), err)
		c.f = nil
	}
	for _, m := range marks {
		if m.Point == simnet.AfterNone {
			c.forget()
			c.exchange = append(c.exchange, int(c.p.requests.Add(1)))
			if len(c.rules) > 0 {
				c.p.countRequest(c.rules, m.Exchange)
			}
		}
		c.pending = append(c.pending, posMark{side: side, at: base + int64(m.Off), HTTPMark: m})
	}
}

func sideName(side int) string {
	if side == client {
		return "client->server"
	}
	return "server->client"
}

// request is the proxy-wide number of exchange k of this connection, or
// of its latest request when k is 0.
func (c *conn) request(k int) int {
	if k == 0 {
		k = c.forgot + len(c.exchange)
	}
	if i := k - c.forgot - 1; i >= 0 && i < len(c.exchange) {
		return c.exchange[i]
	}
	return 0
}

// forget drops the request numbers of the exchanges before the oldest one
// a pending mark names, keeping the latest, so that a keep-alive
// connection's state stays as small as what is in flight on it however
// many requests it carries. The caller holds c.mu.
func (c *conn) forget() {
	oldest := c.forgot + len(c.exchange)
	for _, m := range c.pending {
		oldest = min(oldest, m.Exchange)
	}
	if n := oldest - 1 - c.forgot; n > 0 {
		c.exchange = append(c.exchange[:0], c.exchange[n:]...)
		c.forgot += n
	}
}

// plan decides the next piece of data from side; the caller holds c.mu.
func (c *conn) plan(side int, data []byte) piece {
	now := time.Now()
	since := now.Sub(c.p.start)
	pos := c.sent[side]
	pc := piece{n: len(data)}

	// Before any byte leaves: a request beginning here, an idle
	// connection, or a time reached.
	for i := range c.pending {
		m := &c.pending[i]
		if m.side != side || m.at != pos || m.Point != simnet.AfterNone {
			continue
		}
		for _, rs := range c.rules {
			if rs.wants(&m.HTTPMark, c.respDone) && now.Sub(c.lastActive) >= rs.r.Idle && c.fireBefore(rs, c.request(m.Exchange), &pc) {
				return pc
			}
		}
	}
	for _, rs := range c.rules {
		r := rs.r
		if r.removed.Load() || rs.fired || !dirHas(r.Dir, side) {
			continue
		}
		// Close-on-reuse, like simnet's, reacts to the client's bytes only.
		reuse := r.What != simnet.FaultCloseOnReuse || side == client
		idle := r.Idle > 0 && !r.NeedsHTTP() && reuse && now.Sub(c.lastActive) >= r.Idle
		due := timed(&r.Rule) && since >= r.At && onData(r.What)
		if (idle || due) && c.fireBefore(rs, c.request(0), &pc) {
			return pc
		}
	}

	// Cut where the next trigger falls.
	for _, rs := range c.rules {
		r := rs.r
		if r.removed.Load() || rs.fired || !dirHas(r.Dir, side) {
			continue
		}
		if r.AfterBytes > 0 {
			pc.n = min(pc.n, int(max(1, r.AfterBytes-rs.bytes)))
		}
		if r.Pattern != nil {
			if k := rs.patternCut(side, data[:pc.n]); k > 0 {
				pc.n = k
			}
		}
	}
	for i := range c.pending {
		m := &c.pending[i]
		if m.side != side || m.at <= pos || m.at-pos >= int64(pc.n) {
			continue
		}
		for _, rs := range c.rules {
			if rs.wants(&m.HTTPMark, c.respDone) {
				pc.n = int(m.at - pos)
				break
			}
		}
	}

	// What the faults in force do to these bytes.
	for _, rs := range c.rules {
		r := rs.r
		if r.removed.Load() || !rs.fired || !dirHas(r.Dir, side) {
			continue
		}
		switch r.What {
		case simnet.FaultBlackHoleData:
			pc.drop = true
		case simnet.FaultStall:
			pc.stall = append(pc.stall, rs)
		case simnet.FaultDelay:
			pc.delay += r.Delay
		case simnet.FaultSlice:
			if pc.slice == 0 || r.Size < pc.slice {
				pc.slice = r.Size
			}
		}
	}

	// The bytes leave: count them, and fire the triggers they complete.
	passed := data[:pc.n]
	c.sent[side] += int64(pc.n)
	c.lastActive = now
	for _, rs := range c.rules {
		r := rs.r
		if r.removed.Load() || !dirHas(r.Dir, side) {
			continue
		}
		rs.bytes += int64(pc.n)
		hit := false
		if !rs.fired && r.AfterBytes > 0 && rs.bytes >= r.AfterBytes {
			hit = true
		}
		if r.Pattern != nil {
			if !rs.fired && rs.patternCut(side, passed) == len(passed) {
				hit = true
			}
			rs.keepTail(side, passed)
		}
		if hit {
			c.fireAfter(rs, &pc, c.request(0))
		}
	}
	c.pending = c.passMarks(side, c.pending, &pc)
	return pc
}

// fireBefore fires a rule before the piece's bytes leave; it reports
// whether the fault ends the connection. The caller holds c.mu.
func (c *conn) fireBefore(rs *ruleState, request int, pc *piece) bool {
	c.p.fired(rs, c, request)
	if e := endOf(rs.r.What); e != endNone {
		c.ended = true
		pc.endNow = e
		return true
	}
	return false
}

// passMarks fires the rules at marks the side's forwarded bytes passed,
// as part of piece pc, and drops those marks; the caller holds c.mu.
func (c *conn) passMarks(side int, pending []posMark, pc *piece) []posMark {
	to := c.sent[side]
	keep := pending[:0]
	for _, m := range pending {
		if m.side != side || m.at > to || m.Point == simnet.AfterNone && m.at == to {
			keep = append(keep, m)
			continue
		}
		if m.Point == simnet.AfterNone {
			continue
		}
		for _, rs := range c.rules {
			if rs.wants(&m.HTTPMark, c.respDone) {
				c.fireAfter(rs, pc, c.request(m.Exchange))
			}
		}
		if m.Point == simnet.AfterResponse {
			c.respDone = max(c.respDone, m.Exchange)
		}
	}
	return keep
}

// fireAfter fires a rule once the current piece has left; the caller
// holds c.mu. Without a piece (no rule was in force) nothing can end.
func (c *conn) fireAfter(rs *ruleState, pc *piece, request int) {
	c.p.fired(rs, c, request)
	if e := endOf(rs.r.What); e != endNone && pc != nil && !c.ended {
		c.ended = true
		pc.endThen = e
	}
}

// fireTimed fires a reset or close rule whose time has come.
func (c *conn) fireTimed(r *rule) {
	c.mu.Lock()
	var e end
	for _, rs := range c.rules {
		if rs.r == r && !rs.fired && !c.ended {
			c.p.fired(rs, c, c.request(0))
			c.ended = true
			e = endOf(r.What)
		}
	}
	c.mu.Unlock()
	if e != endNone {
		c.finish(e)
	}
}

// finish ends both legs as e says, once.
func (c *conn) finish(e end) {
	c.doneOnce.Do(func() {
		c.mu.Lock()
		c.ended = true
		c.mu.Unlock()
		close(c.done)
		switch e {
		case endReset:
			c.resetLeg(client)
			c.resetLeg(server)
		case endClose:
			c.closeLeg(client)
			c.closeLeg(server)
		case endReuse:
			c.resetLeg(client)
			c.closeLeg(server)
		default:
			_ = c.cc.Close()
			if c.uc != nil {
				_ = c.uc.Close()
			}
		}
	})
}

// abort ends the connection because the proxy closes.
func (c *conn) abort() { c.finish(endReset) }

func (c *conn) legConn(l int) *net.TCPConn {
	if l == client {
		return c.cc
	}
	return c.uc
}

// resetLeg closes a leg with RST.
func (c *conn) resetLeg(l int) {
	tc := c.legConn(l)
	if tc == nil {
		return
	}
	seg := c.sending(l, proxySide(l))
	_ = tc.SetLinger(0)
	c.left(seg, sentIf(simnet.FlagRST, tc.Close()), nil)
}

// closeLeg sends FIN on a leg, then closes it once the peer is done
// (closing with unread bytes would send RST instead).
func (c *conn) closeLeg(l int) {
	tc := c.legConn(l)
	if tc == nil {
		return
	}
	seg := c.sending(l, proxySide(l))
	c.left(seg, sentIf(simnet.FlagFIN, tc.CloseWrite()), nil)
	go func() {
		_ = tc.SetReadDeadline(time.Now().Add(lingerAfterClose))
		_, _ = io.Copy(io.Discard, tc)
		_ = tc.Close()
	}()
}

// lingerAfterClose bounds how long a leg closed with FIN waits for its
// peer to close too.
const lingerAfterClose = 5 * time.Second

// proxySide is the side the proxy plays on a leg: the server to the
// client, the client to the upstream.
func proxySide(l int) int { return 1 - l }
