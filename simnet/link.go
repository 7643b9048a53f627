package simnet

import (
	"time"
)

// Link describes the path between two hosts, the same in both directions.
type Link struct {
	// Latency is the one-way propagation delay of every segment.
	Latency time.Duration
	// Jitter adds up to this much extra one-way delay to each segment, drawn
	// from the world's seed. Segments of one connection never overtake each
	// other: a segment that would arrive before its predecessor waits for it.
	Jitter time.Duration
	// Bandwidth is in payload bytes per second each way; 0 means unlimited.
	// Only payload takes transmission time: headers and control segments
	// are free, which keeps virtual times easy to predict.
	Bandwidth int64
	// MSS is the largest payload of one segment; 0 means DefaultMSS.
	MSS int
}

// DefaultMSS is the segment size of a 1500-byte Ethernet path (1500 less
// the IPv4 and TCP headers).
const DefaultMSS = 1460

// LoopbackMSS is the segment size of Linux's loopback device (MTU 65536).
const LoopbackMSS = 65483

// maxMSS keeps a segment and its headers inside one IP datagram.
const maxMSS = 65495

// defaultLink is the path between two distinct hosts unless configured: a
// LAN with a millisecond each way.
var defaultLink = Link{Latency: time.Millisecond, MSS: DefaultMSS}

// loopbackLink is a host's path to itself: instant, unlimited, large segments.
var loopbackLink = Link{MSS: LoopbackMSS}

func (l Link) validate(field string) error {
	switch {
	case l.Latency < 0:
		return invalidField(field+".Latency", "must not be negative, got %v", l.Latency)
	case l.Jitter < 0:
		return invalidField(field+".Jitter", "must not be negative, got %v", l.Jitter)
	case l.Bandwidth < 0:
		return invalidField(field+".Bandwidth", "must not be negative, got %d", l.Bandwidth)
	case l.MSS < 0 || l.MSS > maxMSS:
		return invalidField(field+".MSS", "must be between 1 and %d (0 for the default), got %d", maxMSS, l.MSS)
	}
	return nil
}

func (l Link) mss() int {
	if l.MSS == 0 {
		return DefaultMSS
	}
	return l.MSS
}

// path is one host pair's link and the state of its two directions: the
// instant each direction's wire is free again, so segments queue behind each
// other when bandwidth is limited.
type path struct {
	link Link
	busy [2]time.Duration // indexed by direction: 0 from the lower host index
}

// hostPair names an unordered pair of hosts by index, lower first.
type hostPair [2]int

func pairOf(a, b *Host) (hostPair, int) {
	if a.index <= b.index {
		return hostPair{a.index, b.index}, 0
	}
	return hostPair{b.index, a.index}, 1
}

// pathBetween returns the path from a to b and the direction index of a->b.
func (w *World) pathBetween(a, b *Host) (*path, int) {
	key, dir := pairOf(a, b)
	p := w.paths[key]
	if p == nil {
		link := w.cfg.link
		if a == b {
			link = loopbackLink
		}
		p = &path{link: link}
		w.paths[key] = p
	}
	return p, dir
}

// transit reports when a segment of n payload bytes handed to the path now in
// direction dir arrives, before the per-connection ordering is applied.
func (w *World) transit(p *path, dir, n int) time.Duration {
	now := w.loop.Now()
	start := max(now, p.busy[dir])
	if p.link.Bandwidth > 0 && n > 0 {
		tx := time.Duration((int64(n)*int64(time.Second) + p.link.Bandwidth - 1) / p.link.Bandwidth)
		start += tx
	}
	p.busy[dir] = start
	at := start + p.link.Latency
	if p.link.Jitter > 0 {
		at += time.Duration(w.rng.Int64N(int64(p.link.Jitter) + 1))
	}
	return at
}
