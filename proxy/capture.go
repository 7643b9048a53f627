package proxy

// Recording both legs with the recorder `simhttp record` uses: the proxy
// sees bytes, not segments, so it writes each read or write as one segment
// with the sequence numbers a TCP stack would give it, and the handshake,
// FINs and RSTs (the faults it injects among them) as their own segments.

import (
	"io"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/simhttp/simhttp/record"
	"github.com/simhttp/simhttp/simnet"
)

type capture struct {
	mu    sync.Mutex
	rec   *record.Recorder
	start time.Time
	legs  int
	// Segments in the order they were seen or sent, held from the first
	// one still being sent: what the proxy sends is recorded only once it
	// has left, yet before any answer to it.
	held []*segment
}

// segment is one segment of a leg, to be written in its turn.
type segment struct {
	l       *leg
	side    int
	flags   simnet.TCPFlags // with no payload, PSH or none: nothing left, nothing is written
	payload []byte
	t       time.Duration
	known   bool // false while it is being sent
}

func newCapture(w io.Writer, format record.Format, start time.Time) (*capture, error) {
	opts := record.Options{Format: format, Epoch: start}
	if format == record.PCAPNG {
		opts.Comment = "simhttp proxy: the client's leg and the upstream's leg of every connection"
	}
	rec, err := record.NewRecorder(w, opts)
	if err != nil {
		return nil, err
	}
	return &capture{rec: rec, start: start}, nil
}

// leg is one TCP connection as the capture shows it: the connecting side
// (client) and the accepting side (server), with each one's next sequence
// number.
type leg struct {
	conn int
	addr [2]netip.AddrPort
	next [2]uint32
	done bool
}

func addrPort(a net.Addr) netip.AddrPort {
	if t, ok := a.(*net.TCPAddr); ok {
		return t.AddrPort()
	}
	return netip.AddrPort{}
}

// newLeg records a leg's handshake.
func (c *capture) newLeg(conn int, from, to net.Addr) *leg {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.legs++
	l := &leg{conn: c.legs, addr: [2]netip.AddrPort{addrPort(from), addrPort(to)}, next: [2]uint32{1000, 5000}}
	t := time.Since(c.start)
	for _, s := range []struct {
		side  int
		flags simnet.TCPFlags
	}{{client, simnet.FlagSYN}, {server, simnet.FlagSYN | simnet.FlagACK}, {client, simnet.FlagACK}} {
		c.add(&segment{l: l, side: s.side, flags: s.flags, t: t, known: true})
	}
	return l
}

// add writes a segment, or holds it behind one still being sent.
func (c *capture) add(s *segment) {
	if len(c.held) > 0 {
		if s.known {
			// The reader's buffer is read into again once this returns.
			s.payload = append([]byte(nil), s.payload...)
		}
		c.held = append(c.held, s)
		return
	}
	if !s.known {
		c.held = append(c.held, s)
		return
	}
	c.write(s)
}

// sent settles a segment being sent with what left, and writes the held
// segments up to the next one still being sent.
func (c *capture) sent(s *segment, flags simnet.TCPFlags, payload []byte) {
	if c.held[0] != s {
		// Held behind another: the writer's buffer is used again once
		// this returns.
		payload = append([]byte(nil), payload...)
	}
	s.flags, s.payload, s.known = flags, payload, true
	n := 0
	for n < len(c.held) && c.held[n].known {
		c.write(c.held[n])
		n++
	}
	c.held = append(c.held[:0], c.held[n:]...)
}

// write writes one segment and advances its side's sequence.
func (c *capture) write(s *segment) {
	l, side, flags, payload := s.l, s.side, s.flags, s.payload
	if l.done || flags&^simnet.FlagPSH == 0 && len(payload) == 0 {
		return // nothing left
	}
	p := &simnet.Packet{Conn: l.conn, Src: l.addr[side], Dst: l.addr[1-side], Seq: l.next[side],
		Flags: flags, Window: 65535, Payload: payload}
	if flags&simnet.FlagSYN == 0 || side == server {
		p.Ack = l.next[1-side]
		p.Flags |= simnet.FlagACK
	}
	if flags&simnet.FlagRST != 0 {
		l.done = true
	}
	l.next[side] += uint32(len(payload))
	if flags&(simnet.FlagSYN|simnet.FlagFIN) != 0 {
		l.next[side]++
	}
	c.rec.Observe(simnet.Event{T: s.t, Obj: "net", Packet: p})
}

func (c *capture) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rec.Close()
}

// record writes bytes side sent on leg l of the connection, as the proxy
// read them.
func (c *conn) record(l, side int, data []byte) {
	if len(data) > 0 {
		c.seen(l, side, simnet.FlagPSH, data)
	}
}

// recordFlags writes a FIN or RST side sent on leg l, as the proxy saw it.
func (c *conn) recordFlags(l, side int, flags simnet.TCPFlags) { c.seen(l, side, flags, nil) }

func (c *conn) seen(l, side int, flags simnet.TCPFlags, data []byte) {
	if c.p.cap == nil || c.legs[l] == nil {
		return
	}
	c.p.cap.mu.Lock()
	c.p.cap.add(&segment{l: c.legs[l], side: side, flags: flags, payload: data, t: time.Since(c.p.cap.start), known: true})
	c.p.cap.mu.Unlock()
}

// sending holds the place of a segment the proxy is about to send on leg
// l as side; nil when not recording.
func (c *conn) sending(l, side int) *segment {
	if c.p.cap == nil || c.legs[l] == nil {
		return nil
	}
	s := &segment{l: c.legs[l], side: side, t: time.Since(c.p.cap.start)}
	c.p.cap.mu.Lock()
	c.p.cap.add(s)
	c.p.cap.mu.Unlock()
	return s
}

// left records what of a segment being sent left: the bytes written, or
// the FIN or RST when it was sent (0 when not).
func (c *conn) left(s *segment, flags simnet.TCPFlags, data []byte) {
	if s == nil {
		return
	}
	c.p.cap.mu.Lock()
	c.p.cap.sent(s, flags, data)
	c.p.cap.mu.Unlock()
}

// sentIf is flags when the call that sends them succeeded, else none.
func sentIf(flags simnet.TCPFlags, err error) simnet.TCPFlags {
	if err != nil {
		return 0
	}
	return flags
}
