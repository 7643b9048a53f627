package simnet

// HTTP-aware fault points. simnet does not parse HTTP itself (the parser
// lives in httpcore, which depends on simnet): a world is handed a factory
// of HTTPFollowers with FollowHTTP, and rules with Request, After, or
// close-on-reuse without Idle read the marks a follower finds in each
// connection's streams.

import (
	"fmt"
	"strings"
)

// HTTPPoint is a moment of an HTTP exchange a rule can act at.
type HTTPPoint uint8

// The HTTP points, in the order an exchange reaches them.
const (
	AfterNone            HTTPPoint = iota // no HTTP point; as a mark, the first byte of a request
	AfterRequestHeaders                   // the request's header block has been sent
	AfterResponseHeaders                  // the final (non-1xx) response's header block has been sent
	AfterResponse                         // the whole response has been sent: the keep-alive idle moment
)

var httpPointNames = [...]string{
	AfterNone: "", AfterRequestHeaders: "request headers",
	AfterResponseHeaders: "response headers", AfterResponse: "response",
}

// String is the point's name in rules written as text ("response headers").
func (p HTTPPoint) String() string {
	if int(p) < len(httpPointNames) {
		return httpPointNames[p]
	}
	return fmt.Sprintf("HTTPPoint(%d)", uint8(p))
}

// ParseHTTPPoint reads a point's name as rules written as text give it.
func ParseHTTPPoint(s string) (HTTPPoint, error) {
	for p := AfterRequestHeaders; p <= AfterResponse; p++ {
		if p.String() == s {
			return p, nil
		}
	}
	var names []string
	for p := AfterRequestHeaders; p <= AfterResponse; p++ {
		names = append(names, fmt.Sprintf("%q", p.String()))
	}
	return 0, fmt.Errorf("unknown HTTP point %q (want %s)", s, strings.Join(names, ", "))
}

// HTTPMark is an HTTP point found in a connection's stream.
type HTTPMark struct {
	Point    HTTPPoint // AfterNone marks the first byte of a request
	Exchange int       // the exchange's 1-based number on its connection
	Off      int       // where in the fed bytes the point falls: before Off's byte for a request's start, after Off bytes otherwise
}

// HTTPFollower follows the HTTP/1.x messages of one connection without
// changing or keeping its bytes.
type HTTPFollower interface {
	// Feed reads the next bytes of one direction and appends the marks they
	// hold to marks. After an error (malformed HTTP) the connection is no
	// longer followed; after an upgrade or CONNECT tunnel, Feed finds no
	// more marks.
	Feed(toServer bool, data []byte, marks []HTTPMark) ([]HTTPMark, error)
}

// FollowHTTP lets the world's rules act at HTTP points: each new
// connection a rule with Request, After or close-on-reuse without Idle
// applies to is followed by a follower from newFollower
// (httpcore.NewFollower).
func (w *World) FollowHTTP(newFollower func() HTTPFollower) {
	w.newFollower = newFollower
}

// NeedsHTTP reports whether the rule acts at HTTP points, so its engine
// must follow the connection's messages.
func (r *Rule) NeedsHTTP() bool {
	return r.Request != 0 || r.After != AfterNone || r.What == FaultCloseOnReuse && r.Idle == 0
}

// ActsAt reports whether the rule acts at mark m of a connection, every
// engine alike: target is the exchange its Request-th request began on
// that connection (0 before), and respDone how many responses have been
// sent whole on it. Close-on-reuse acts as a request begins on a
// kept-alive connection after the previous response; After at that point
// of the chosen exchange (the first without Request); Request alone as the
// chosen request begins.
func (r *Rule) ActsAt(m HTTPMark, target, respDone int) bool {
	if r.Request == 0 && r.What != FaultCloseOnReuse {
		target = 1
	}
	if r.What == FaultCloseOnReuse {
		return m.Point == AfterNone && m.Exchange > 1 && respDone >= m.Exchange-1 &&
			(r.Request == 0 || target == m.Exchange)
	}
	return m.Point == r.After && m.Exchange == target
}

// httpTrack is one connection's follower and the marks it found that have
// not left yet.
type httpTrack struct {
	f        HTTPFollower
	fed      [2]int64 // bytes of each side's stream given to the follower
	sent     [2]int64 // bytes of each side's stream that have left
	pending  []posMark
	buf      []HTTPMark
	begun    int // requests begun on the connection (fed)
	respDone int // responses complete (left)
	broken   bool
}

// posMark is a mark at an offset of one side's stream.
type posMark struct {
	side int
	at   int64
	HTTPMark
}

// followIfNeeded starts following c when one of its rules needs it.
func (c *conn) followIfNeeded() {
	if c.w.newFollower == nil || c.http != nil {
		return
	}
	for _, rs := range c.rules {
		if rs.r.NeedsHTTP() {
			c.http = Alloc[httpTrack](c.w.loop)
			c.http.f = c.w.newFollower()
			return
		}
	}
}

// feedHTTP gives the follower e's bytes up to data's end, data starting at
// the first byte that has not left yet.
func (c *conn) feedHTTP(e *end, data []byte) {
	h := c.http
	if h == nil || h.broken {
		return
	}
	side := int(e.side)
	skip := h.fed[side] - h.sent[side]
	if skip >= int64(len(data)) {
		return
	}
	base := h.fed[side]
	marks, err := h.f.Feed(side == client, data[skip:], h.buf[:0])
	h.buf = marks[:0]
	h.fed[side] += int64(len(data)) - skip
	if err != nil {
		h.broken = true
	}
	for _, m := range marks {
		pm := posMark{side: side, at: base + int64(m.Off), HTTPMark: m}
		if m.Point == AfterNone {
			h.begun++
			c.requestBegins(m.Exchange)
		}
		h.pending = append(h.pending, pm)
	}
}

// requestBegins binds the rules counting requests to this exchange when it
// is their Request-th.
func (c *conn) requestBegins(exchange int) {
	for _, rs := range c.rules {
		r := rs.r
		if r.removed || r.Request == 0 || rs.target != 0 {
			continue
		}
		r.requests++
		if r.requests == r.Request {
			rs.target = exchange
		}
	}
}

// wants reports whether rs acts at mark m.
func (rs *ruleState) wants(m *posMark, respDone int) bool {
	r := rs.r
	return !r.removed && !rs.fired && r.NeedsHTTP() && r.ActsAt(m.HTTPMark, rs.target, respDone)
}

// httpLimit shortens n new bytes of e to end before the next mark a rule
// acts at.
func (c *conn) httpLimit(e *end, off, n int) int {
	h := c.http
	if h == nil {
		return n
	}
	c.feedHTTP(e, e.snd[off:off+n])
	from := h.sent[e.side]
	for i := range h.pending {
		m := &h.pending[i]
		if m.side != int(e.side) || m.at <= from || m.at-from >= int64(n) {
			continue
		}
		for _, rs := range c.rules {
			if rs.wants(m, h.respDone) {
				return int(m.at - from)
			}
		}
	}
	return n
}

// httpBefore fires the rules acting as a request begins at e's next byte.
func (c *conn) httpBefore(e *end) {
	h := c.http
	if h == nil {
		return
	}
	from := h.sent[e.side]
	idle := c.w.loop.Now() - c.lastActive()
	for i := range h.pending {
		m := &h.pending[i]
		if m.side != int(e.side) || m.at != from || m.Point != AfterNone {
			continue
		}
		for _, rs := range c.rules {
			// Idle, with close-on-reuse, also asks for a quiet connection.
			if rs.wants(m, h.respDone) && idle >= rs.r.Idle {
				c.fire(rs)
			}
		}
	}
}

// httpAfter counts e's bytes that left and fires the rules acting at the
// marks they passed.
func (c *conn) httpAfter(e *end, n int) {
	h := c.http
	if h == nil {
		return
	}
	h.sent[e.side] += int64(n)
	to := h.sent[e.side]
	keep := h.pending[:0]
	for i := range h.pending {
		m := h.pending[i]
		if m.side != int(e.side) || m.at > to || m.Point == AfterNone && m.at == to {
			keep = append(keep, m)
			continue
		}
		if m.Point == AfterNone {
			continue
		}
		for _, rs := range c.rules {
			if rs.wants(&m, h.respDone) {
				c.fire(rs)
			}
		}
		if m.Point == AfterResponse {
			h.respDone = max(h.respDone, m.Exchange)
		}
	}
	h.pending = keep
}
