package httpcore

// outgoing_date.go: the Date header, from the runtime's clock, rendered
// once per second of that clock for each server, as Node renders it once
// per second for its process (utcDate, whose cache a timer clears).

import (
	"time"

	"github.com/simhttp/simhttp/simnet"
)

// httpDateLayout is the IMF-fixdate of the Date header.
const httpDateLayout = "Mon, 02 Jan 2006 15:04:05 GMT"

// dateCache is the Date value of one second of clock time: within that
// second every response shows the same text, so it is formatted once.
// Each server keeps its own, so worlds running side by side share nothing.
type dateCache struct {
	sec  int64
	text string
	// from and to bound the virtual time of a simulated host's loop
	// within which text holds (to is 0 until a simulated second is known),
	// so a response there reads the clock without building a time.Time.
	from, to time.Duration
}

// now is the Date header's value at rt's clock now.
func (c *dateCache) now(rt simnet.Runtime) string {
	h, sim := rt.(*simnet.Host)
	var d time.Duration
	if sim {
		if d = h.Loop().Now(); d >= c.from && d < c.to {
			return c.text
		}
	}
	text := c.value(clockOf(rt))
	if sim {
		// simEpoch is a whole second, so the virtual second is the
		// clock's.
		c.from = d.Truncate(time.Second)
		c.to = c.from + time.Second
	}
	return text
}

// value is the Date header's value at t.
func (c *dateCache) value(t time.Time) string {
	if sec := t.Unix(); sec != c.sec || c.text == "" {
		c.sec, c.text = sec, t.UTC().Format(httpDateLayout)
	}
	return c.text
}

// dateValue is the Date header's value now: a response takes its server's
// cached text; a request sending a Date, which takes setting SendDate by
// hand, formats its own.
func (m *OutgoingMessage) dateValue() string {
	if r, ok := m.kind.(*ServerResponse); ok {
		return r.conn.srv.date.now(r.conn.srv.rt)
	}
	return clockOf(m.kind.(*ClientRequest).rt).UTC().Format(httpDateLayout)
}

// simEpoch is the wall-clock time a simulated world starts at, so Date
// headers are the same on every run.
var simEpoch = time.Date(2000, time.January, 1, 0, 0, 0, 0, time.UTC)

// clockOf is the runtime's wall clock: its own when it offers one; for a
// simulated host the simulated epoch plus the loop's virtual time, so runs
// repeat byte for byte; for any other runtime (the real network) the
// machine's clock.
func clockOf(rt simnet.Runtime) time.Time {
	if wc, ok := rt.(interface{ WallClock() time.Time }); ok {
		return wc.WallClock()
	}
	if _, ok := rt.(*simnet.Host); ok {
		return simEpoch.Add(rt.Loop().Now())
	}
	return time.Now()
}
