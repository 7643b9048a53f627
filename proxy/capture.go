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
	c.segment(l, client, simnet.FlagSYN, nil)
	c.segment(l, server, simnet.FlagSYN|simnet.FlagACK, nil)
	c.segment(l, client, simnet.FlagACK, nil)
	return l
}

// segment writes one segment sent by side and advances its sequence.
func (c *capture) segment(l *leg, side int, flags simnet.TCPFlags, payload []byte) {
	if l.done {
		return
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
	c.rec.Observe(simnet.Event{T: time.Since(c.start), Obj: "net", Packet: p})
}

func (c *capture) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rec.Close()
}

// record writes bytes sent by side on leg l of the connection.
func (c *conn) record(l, side int, data []byte) {
	if c.p.cap == nil || c.legs[l] == nil || len(data) == 0 {
		return
	}
	c.p.cap.mu.Lock()
	c.p.cap.segment(c.legs[l], side, simnet.FlagPSH, data)
	c.p.cap.mu.Unlock()
}

// recordFlags writes a FIN or RST sent by side on leg l.
func (c *conn) recordFlags(l, side int, flags simnet.TCPFlags) {
	if c.p.cap == nil || c.legs[l] == nil {
		return
	}
	c.p.cap.mu.Lock()
	c.p.cap.segment(c.legs[l], side, flags, nil)
	c.p.cap.mu.Unlock()
}
