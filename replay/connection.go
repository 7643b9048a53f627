package replay

// The connection table: which TCP connection a segment belongs to, which side
// is the client, and when a connection ends.

import (
	"net/netip"
	"time"
)

// Connection is one TCP connection of the capture and the HTTP exchanges on it.
type Connection struct {
	Client      netip.AddrPort // the side that opened the connection (see ReadCapture)
	Server      netip.AddrPort
	FirstPacket int           // 1-based number of its first packet
	Packets     int           // packets it carried, pure ACKs included
	Start, End  time.Duration // its first and last packet, since the first packet of the capture
	ClientBytes int64         // stream bytes the client sent, as far as captured
	ServerBytes int64         // stream bytes the server sent, as far as captured
	OpaqueBytes int64         // bytes after an upgrade or CONNECT, counted but not parsed
	TLS         string        // "TLS 1.3, TLS_AES_128_GCM_SHA256" when the connection carries TLS, else ""
	Closed      string        // "fin", "reset by client", "reset by server", "unknown" from a HAR, or "" if still open when the capture ended
	Exchanges   []*Exchange   // in order on the connection
	Problems    []*Error      // problems of the connection rather than of one exchange
}

// flowKey is a direction of a connection: who sends to whom.
type flowKey struct{ src, dst netip.AddrPort }

// flowRef points a direction at its connection and says which side sends.
type flowRef struct {
	c    *conn
	side int
}

// conn is a connection being read. Side 0 sent the first packet seen.
type conn struct {
	out     *Connection
	addr    [2]netip.AddrPort
	streams [2]stream
	sinks   [2]sideSink
	client  int    // side of the client, -1 until known
	isn     uint32 // the client's initial sequence number, when its SYN was seen
	sawSYN  bool
	done    bool    // closed in both directions, or settled at the capture's end
	wasRst  bool    // a RST was seen; bytes already in flight are still read
	late    int64   // new payload bytes seen after done
	lateN   int     // and the packets that carried them
	begun   [2]bool // the side has delivered something
	http    *pairer
	tls     *tlsConn // the TLS layer between the streams and http, nil for plain HTTP
	t       *tracker
}

// sideSink feeds one side's reassembled stream to its connection.
type sideSink struct {
	c    *conn
	side int
}

func (s *sideSink) data(b []byte, pkt pktInfo)    { s.c.data(s.side, b, pkt) }
func (s *sideSink) gap(off, n int64, pkt pktInfo) { s.c.gap(s.side, off, n, pkt) }
func (s *sideSink) fin(pkt pktInfo)               { s.c.fin(s.side, pkt) }

// tracker holds every connection of a capture in order of first packet.
type tracker struct {
	flows   map[flowKey]flowRef
	conns   []*conn
	last    flowKey // the most recent lookup, which usually repeats
	lastRef flowRef
	keep    bool      // keep message bodies, not only count them
	spare   []*pairer // pairers of finished connections, for reuse
	keys    *KeyLog   // TLS secrets, given and carried by the capture
}

func newTracker(keepBodies bool, keys *KeyLog) *tracker {
	return &tracker{flows: make(map[flowKey]flowRef), keep: keepBodies, keys: keys}
}

// segment takes one decoded TCP segment.
func (t *tracker) segment(seg *segment, pkt pktInfo) {
	key := flowKey{seg.src, seg.dst}
	ref := t.lastRef
	if ref.c == nil || key != t.last {
		ref = t.flows[key]
	}
	opening := seg.flags&(tcpSYN|tcpACK|tcpRST) == tcpSYN
	if ref.c == nil || opening && ref.c.reopened(ref.side, seg.seq) {
		ref = t.open(seg, pkt)
	}
	t.last, t.lastRef = key, ref
	c, side := ref.c, ref.side
	c.out.Packets++
	c.out.End = time.Duration(pkt.ts)
	if c.done {
		c.after(side, seg)
		return
	}
	if seg.flags&tcpRST != 0 {
		if !c.wasRst {
			c.reset(side, pkt)
		}
		return
	}
	seq := seg.seq
	if seg.flags&tcpSYN != 0 {
		c.streams[side].syn(seg.seq)
		seq++
		if seg.flags&tcpACK == 0 {
			c.isn, c.sawSYN = seg.seq, true
			c.setClient(side)
		} else {
			c.setClient(1 - side)
		}
	}
	if seg.flags&tcpACK != 0 {
		c.streams[1-side].acked(seg.ack, pkt, &c.sinks[1-side])
	}
	if len(seg.payload) > 0 || seg.missing > 0 || seg.flags&tcpFIN != 0 {
		c.streams[side].segment(seq, seg.payload, seg.missing, seg.flags&tcpFIN != 0, pkt, &c.sinks[side])
	} else {
		c.streams[side].at(seq)
	}
	c.closeIfFinned(pkt)
}

// after takes a segment that arrived once the connection was over: a
// repeat of delivered bytes is harmless, anything new is counted, since no
// stream will read it.
func (c *conn) after(side int, seg *segment) {
	st := &c.streams[side]
	if len(seg.payload) == 0 || st.known && st.offset(seg.seq)+int64(len(seg.payload)) <= st.next {
		return
	}
	c.late += int64(len(seg.payload))
	c.lateN++
}

// closeIfFinned ends the connection once both sides' FINs are delivered.
func (c *conn) closeIfFinned(pkt pktInfo) {
	if !c.done && c.streams[0].finned && c.streams[1].finned {
		c.out.Closed = "fin"
		c.finish(pkt)
	}
}

// open starts a connection at seg.
func (t *tracker) open(seg *segment, pkt pktInfo) flowRef {
	c := &conn{
		out:    &Connection{FirstPacket: pkt.num, Start: time.Duration(pkt.ts)},
		addr:   [2]netip.AddrPort{seg.src, seg.dst},
		client: -1,
		t:      t,
	}
	c.streams = [2]stream{newStream(), newStream()}
	c.sinks = [2]sideSink{{c, 0}, {c, 1}}
	t.conns = append(t.conns, c)
	t.flows[flowKey{seg.src, seg.dst}] = flowRef{c, 0}
	t.flows[flowKey{seg.dst, seg.src}] = flowRef{c, 1}
	return flowRef{c, 0}
}

// reopened reports whether a SYN from side starts a new connection on the
// same ports rather than repeating the one that opened this connection.
func (c *conn) reopened(side int, seq uint32) bool {
	return !c.sawSYN || side != c.client || seq != c.isn
}

// setClient fixes which side is the client, once.
func (c *conn) setClient(side int) {
	if c.client >= 0 {
		return
	}
	c.client = side
	c.out.Client, c.out.Server = c.addr[side], c.addr[1-side]
	var spare *pairer
	if n := len(c.t.spare); n > 0 {
		spare, c.t.spare = c.t.spare[n-1], c.t.spare[:n-1]
	}
	c.http = newPairer(c.out, c.t.keep, spare)
}

// side readies the HTTP reading of a side before its first delivery: a side
// whose SYN was not captured may start anywhere in a message.
func (c *conn) side(side int, first []byte) bool {
	if c.client < 0 {
		c.guessClient(side, first)
	}
	client := side == c.client
	if !c.begun[side] {
		c.begun[side] = true
		if !c.streams[side].fromSYN {
			c.http.midstream(client)
		}
	}
	return client
}

// guessClient decides the client from the first bytes seen when no SYN was
// captured: the side whose bytes open a request, or that answers with a
// response; failing both, the side on the higher port, as servers listen on
// low ones.
func (c *conn) guessClient(side int, first []byte) {
	other := 1 - side
	hello, helloOK := helloSide(first)
	switch {
	case helloOK && hello:
		c.setClient(side)
	case helloOK:
		c.setClient(other)
	case looksLikeRequest(first):
		c.setClient(side)
	case looksLikeResponse(first):
		c.setClient(other)
	case c.addr[side].Port() < c.addr[other].Port():
		c.setClient(other)
	case c.addr[side].Port() > c.addr[other].Port():
		c.setClient(side)
	default:
		c.setClient(0)
	}
}

func (c *conn) data(side int, b []byte, pkt pktInfo) {
	first := !c.begun[side]
	client := c.side(side, b)
	if client {
		c.out.ClientBytes += int64(len(b))
	} else {
		c.out.ServerBytes += int64(len(b))
	}
	if first && c.tls == nil && looksLikeTLS(b) {
		c.tls = newTLSConn(c)
	}
	if c.tls != nil {
		c.tls.data(client, b, pkt)
		return
	}
	c.http.data(client, b, pkt)
}

func (c *conn) gap(side int, off, n int64, pkt pktInfo) {
	client := c.side(side, nil)
	if c.tls != nil {
		c.tls.gap(client, off, n, pkt)
		return
	}
	c.http.gap(client, off, n, pkt)
}

func (c *conn) fin(side int, pkt pktInfo) {
	c.http.fin(c.side(side, nil), pkt)
}

// reset cuts the connection at a RST from side: whatever arrived before it
// is delivered, holes and all, and what was cut off is reported. The
// connection is not finished yet: a request the client wrote as the RST
// crossed it (a reused keep-alive socket) is in the capture after the RST,
// and it must be reported as sent and unanswered, as tshark shows it.
func (c *conn) reset(side int, pkt pktInfo) {
	c.wasRst = true
	c.streams[0].flush(&c.sinks[0])
	c.streams[1].flush(&c.sinks[1])
	if c.client < 0 {
		c.setClient(1 - side)
	}
	if side == c.client {
		c.out.Closed = "reset by client"
	} else {
		c.out.Closed = "reset by server"
	}
	c.http.reset(side == c.client, pkt)
}

// finish settles the exchanges once no more bytes can come.
func (c *conn) finish(pkt pktInfo) {
	c.done = true
	if c.client < 0 {
		c.setClient(0)
	}
	if c.tls != nil {
		c.tls.close()
	}
	c.http.close(pkt, c.out.Closed == "")
	// The exchanges now live in c.out; what remains is only asked whether
	// late bytes are new, so the pairer goes to the next connection and the
	// held data goes.
	c.t.spare = append(c.t.spare, c.http)
	c.http = nil
	c.streams[0].pending, c.streams[1].pending = nil, nil
}

// end closes every connection still open when the capture ends, in order.
func (t *tracker) end(pkt pktInfo) {
	for _, c := range t.conns {
		if c.done {
			if c.late > 0 {
				c.out.Problems = append(c.out.Problems, problemf(CodeSkipped, 0, "%d bytes in %s came after the connection was %s and were not read", c.late, plural(c.lateN, "packet"), c.out.Closed))
			}
			continue
		}
		c.streams[0].flush(&c.sinks[0])
		c.streams[1].flush(&c.sinks[1])
		c.closeIfFinned(pkt)
		if !c.done {
			c.finish(pkt)
		}
	}
}
