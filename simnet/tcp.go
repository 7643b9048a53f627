package simnet

import (
	"net/netip"
	"time"
)

// TCP constants of the model World's documentation describes.
const (
	sendBuffer    = 64 * 1024 // the least a send buffer holds; see sendRoom
	receiveWindow = 65535
	readChunk     = 64 * 1024
	minRTO        = 200 * time.Millisecond
	maxRTO        = 120 * time.Second
	synRTO        = time.Second
	synRetries    = 6
	synAckRetries = 5
	dataRetries   = 15
)

// Sides of a connection.
const (
	client = 0
	server = 1
)

type tcpState uint8

const (
	stateNone    tcpState = iota // no SYN seen (server end) or nothing left
	stateSynSent                 // client: SYN sent
	stateSynRcvd                 // server: SYN-ACK sent
	stateOpen                    // established; half-closes are in the FIN flags
	stateDead                    // reset, timed out or finished
)

// segment is one TCP segment in flight.
type segment struct {
	seq, ack uint32
	flags    TCPFlags
	wnd      uint16
	data     []byte
}

// conn is one simulated TCP connection. Both ends live here; segments
// between them are loop I/O events scheduled at their arrival time.
//
// With thousands of connections exchanging in turn, every cache line an
// exchange touches is a miss, so an exchange touches its ends alone: each
// end keeps the world, the path and its own last activity, which it would
// otherwise fetch from the connection's first line in six of an
// exchange's eight phases, and the retransmission timers live in the ends,
// where the ACK that stops them already is. The connection's own fields
// are what only opening, closing, faults or tracing need.
type conn struct {
	w          *World
	rules      []*ruleState // nil unless a fault rule matched; see addRule
	http       *httpTrack   // nil unless a rule acts at HTTP points
	prev, next *conn        // the world's live list
	end        [2]end
	id         int
	ln         *tcpListener // the listener answering the SYN, while handshaking
}

// end is one side's TCP control block and the Transport its socket uses.
//
// Its fields are in four groups of whole cache lines, so a phase of an
// exchange touches only the lines of the groups it needs: every phase the
// first two (state, sequence numbers, the send buffer, and the world,
// path and last activity that are the conn's), a read the third (what
// waits for the socket, and the socket: a read that leaves nothing to
// send touches that line alone), a send or an ACK the fourth (the
// retransmission timer and its RTO); what only opening, closing or a
// fault needs comes last, or fills a group's line where it has room.
// The conn's own fields take the 56 bytes before its first end, which
// Go's 8-byte object header makes a whole line, and an end is a whole
// number of lines, so both ends' groups start on a line
// (TestHotFieldsKeepTheirLines, TestExchangeCountLayout).
type end struct {
	c           *conn
	w           *World
	path        *path  // the conn's; nil exactly when no host has the remote address
	snd         []byte // from sndUna on, sent or not
	arrivedAt   time.Duration
	iss, finSeq uint32

	lastActive time.Duration // this end's: the conn's is the later of its ends'
	rcvLen     int

	sndUna, sndNxt, sndMax uint32
	rcvNxt                 uint32
	ackSent                uint32
	peerWnd, wndSent       uint16

	// The narrow fields are kept together: spread among the wider ones,
	// their padding would take a cache line more.
	side    uint8
	ruled   bool // len(c.rules) > 0, here so a segment of a conn without rules never fetches the conn's line
	state   tcpState
	dir     uint8 // direction index of this end's sends on the path
	retries uint8
	closed  bool // the socket let go; data arriving now is answered with RST
	abort   bool // the next Close sends RST: a fault aborts this end
	// send side
	finQueued, finSent, finAcked bool
	oneSeg                       bool // after a timeout, one segment until the next ACK
	blocked                      bool // Send refused bytes: report Writable when room frees
	// receive side
	finRcvd, eofFed        bool
	reading                bool
	flushQueued, ackQueued bool
	ackForce               bool
	noDelay                bool
	keepAlive              bool
	peerReset              bool // the peer's RST closed the connection while it was open
	resetErr               bool // Linux's sk_err: the RST's ECONNRESET, until a read or a write takes it
	rtxIdle                bool // rtx is left pending with nothing to retransmit: firing, it does nothing

	// Data handed to the poll phase, not read by the socket yet: the
	// oldest in read0, inline, as there is rarely more than one; the
	// others in reads, with the rest of what bulk transfers need.
	read0      []byte
	feed       Feed   // zero until a socket is attached
	afterReads func() // the EOF or error a read finds after them
	afterReset func() // what the socket learns of the peer's RST once it reads all that is left
	keepIdle   time.Duration
	moreReads  bool // len(reads) > 0, in the read line so a read of one segment never fetches reads' line

	rtx Timer // the retransmission timer, unused until first armed
	rto time.Duration

	host     *Host
	reads    [][]byte
	rcvQ     [][]byte // bytes arrived but not yet read by the socket, while it does not read
	dialPoll uint64   // the loop's poll count when connect() was called
	addr     netip.AddrPort
	_        [32]byte // to a whole number of lines
}

// open starts a connection from h's local address to remote by sending SYN.
func (w *World) open(h *Host, local, remote netip.AddrPort, feed Feed) {
	w.conns++
	c := Alloc[conn](w.loop)
	*c = conn{w: w, id: w.conns}
	peer := w.hostOf(h, remote.Addr())
	now := w.loop.Now()
	c.end[client] = end{c: c, w: w, side: client, host: h, addr: local, feed: feed, reading: true, lastActive: now}
	c.end[server] = end{c: c, w: w, side: server, host: peer, addr: remote, reading: true, lastActive: now}
	if peer != nil {
		p, dir := w.pathBetween(h, peer)
		c.end[client].path, c.end[server].path = p, p
		c.end[client].dir, c.end[server].dir = uint8(dir), uint8(1-dir)
	}
	w.link(c)
	w.attachRules(c)
	e := &c.end[client]
	e.iss = w.rng.Uint32()
	e.sndUna, e.sndNxt, e.sndMax = e.iss, e.iss+1, e.iss+1
	e.state, e.rto = stateSynSent, synRTO
	e.dialPoll = w.loop.polls()
	e.sendSYN()
}

func (w *World) link(c *conn) {
	c.prev = w.tail
	if w.tail != nil {
		w.tail.next = c
	} else {
		w.head = c
	}
	w.tail = c
}

func (w *World) unlink(c *conn) {
	if c.prev != nil {
		c.prev.next = c.next
	} else {
		w.head = c.next
	}
	if c.next != nil {
		c.next.prev = c.prev
	} else {
		w.tail = c.prev
	}
	c.prev, c.next = nil, nil
}

func (c *conn) peer(e *end) *end { return &c.end[1-e.side] }

// lastActive is when the connection last sent or took in data.
func (c *conn) lastActive() time.Duration {
	return max(c.end[client].lastActive, c.end[server].lastActive)
}

// addRule gives the connection a fault rule's state.
func (c *conn) addRule(rs *ruleState) {
	if c.rules == nil {
		// From the world's spares, as the connection and its states
		// are: a sweep seed's connections drew a rule or two each.
		c.rules = AllocSlice[*ruleState](c.w.loop, 4)[:0]
	}
	c.rules = append(c.rules, rs)
	c.end[client].ruled, c.end[server].ruled = true, true
}

func (e *end) loop() *Loop { return e.w.loop }

// sendRoom is how many bytes the send buffer holds. Linux grows a
// connection's send buffer once it is established to twice ten segments
// (tcp_sndbuf_expand: the initial congestion window, two buffers' worth);
// with loopback's 65483-byte segments that is over a megabyte, so a
// program's write of 100 000 bytes completes at once, as Node's does.
func (e *end) sendRoom() int { return max(sendBuffer, 20*e.mss()) }

func (e *end) mss() int {
	if e.path == nil {
		return DefaultMSS
	}
	return e.path.link.mss()
}

// dataRTO is the data RTO: Linux's 200 ms floor plus the round trip.
func (e *end) dataRTO() time.Duration {
	if e.path == nil {
		return minRTO
	}
	return minRTO + 2*e.path.link.Latency
}

func (e *end) window() int { return max(0, receiveWindow-e.rcvLen) }

// socket returns the attached socket while it may still be fed.
//
// It reads closed, not the socket's destroyed: at 100,000 connections the
// socket's line is a miss in both phases that take in a segment. They
// agree: destroying a socket closes its end (its transport, or the
// connection the handshake completed before 'connect'), and a client
// socket destroyed before that is reset as the handshake completes, its
// end never open and never holding data.
func (e *end) socket() *Socket {
	if e.feed.s == nil || e.closed {
		return nil
	}
	return e.feed.s
}

// emit hands seg to the network: faults decide whether it is dropped, held
// or late, the observer sees it, and its arrival is scheduled.
func (e *end) emit(name string, seg segment) {
	c := e.c
	if seg.flags&FlagACK != 0 {
		e.ackSent, e.wndSent = seg.ack, seg.wnd
	}
	to := c.peer(e)
	w := e.w
	if !e.ruled && e.path != nil && len(w.cuts) == 0 {
		// No rule, cut or missing host can touch the segment, as none
		// touches an exchange's: verdict would find nothing to say, and
		// with nobody observing there is nothing to tell either.
		if w.loop.events.Active() {
			w.observe(c, e, seg, name, "")
		}
		c.deliver(e, to, seg, 0)
		return
	}
	v := c.verdict(e, seg)
	w.observe(c, e, seg, name, v.drop)
	if v.drop != "" {
		return
	}
	if v.hold != nil {
		if v.hold.held == nil {
			// From the world's spares, as the rule's state is: a stall
			// of a sweep seed held a few segments, and grown from
			// nothing the array was garbage once the world passed.
			v.hold.held = AllocSlice[heldSegment](w.loop, 8)[:0]
		}
		v.hold.held = append(v.hold.held, heldSegment{from: int(e.side), seg: seg})
		return
	}
	c.deliver(e, to, seg, v.delay)
}

// deliver schedules seg's arrival at to, keeping the direction in order.
func (c *conn) deliver(from, to *end, seg segment, extra time.Duration) {
	w := from.w
	at := w.transit(from.path, int(from.dir), len(seg.data)) + extra
	at = max(at, from.arrivedAt)
	from.arrivedAt = at
	w.loop.arriveAt(at, to, seg)
}

// The per-segment work of an end is queued as a function of the end, not
// as a method value: a method value is a closure of its own, which an
// exchange would fetch from elsewhere in memory, one per end and kind.

// readOne is the read of one segment's data in the poll phase.
func readOne(e any) { e.(*end).readOne() }

// flushAck sends the ACK queueAck left to linger.
func flushAck(e any) { e.(*end).flushAck() }

// observe emits a net event for seg (or its drop) when anyone is listening.
func (w *World) observe(c *conn, from *end, seg segment, name, dropped string) {
	ev := w.loop.events
	if !ev.Active() {
		return
	}
	if dropped != "" {
		name = "drop"
	}
	if w.cfg.bareNet {
		ev.Emit(Event{Obj: "net", ID: c.id, Name: name})
		return
	}
	to := c.peer(from)
	detail := map[string]any{"from": from.host.name, "to": hostName(to), "seq": int64(seg.seq - from.iss), "len": len(seg.data)}
	if dropped != "" {
		detail["reason"] = dropped
	}
	ev.Emit(Event{Obj: "net", ID: c.id, Name: name, Detail: detail, Packet: &Packet{
		Conn: c.id, Src: from.addr, Dst: to.addr, Seq: seg.seq, Ack: seg.ack,
		Flags: seg.flags, Window: seg.wnd, Payload: seg.data, Dropped: dropped != "",
	}})
}

func (e *end) sendSYN() {
	e.emit("syn", segment{seq: e.iss, flags: FlagSYN, wnd: uint16(e.window())})
	e.startTimer()
}

func (e *end) sendSYNACK() {
	e.emit("synack", segment{seq: e.iss, ack: e.rcvNxt, flags: FlagSYN | FlagACK, wnd: uint16(e.window())})
	e.startTimer()
}

func (e *end) sendACK() {
	e.emit("ack", segment{seq: e.sndNxt, ack: e.rcvNxt, flags: FlagACK, wnd: uint16(e.window())})
}

// arrive processes a segment reaching e.
func (c *conn) arrive(e *end, seg segment) {
	if seg.flags&FlagRST != 0 {
		e.onReset()
		return
	}
	switch e.state {
	case stateNone:
		if e.side == server && seg.flags&FlagSYN != 0 && seg.flags&FlagACK == 0 {
			c.onSYN(e, seg)
			return
		}
		e.replyReset(seg)
		return
	case stateDead:
		e.replyReset(seg)
		return
	case stateSynSent:
		if seg.flags&(FlagSYN|FlagACK) == FlagSYN|FlagACK && seg.ack == e.iss+1 {
			e.onSYNACK(seg)
		}
		return
	case stateSynRcvd:
		if seg.flags&FlagSYN != 0 {
			e.emit("synack", segment{seq: e.iss, ack: e.rcvNxt, flags: FlagSYN | FlagACK, wnd: uint16(e.window())})
			return
		}
		if seg.flags&FlagACK == 0 || seg.ack != e.iss+1 || !e.established() {
			return
		}
	}
	if seg.flags&FlagSYN != 0 {
		e.queueAck(true)
		return
	}
	if seg.flags&FlagACK != 0 {
		e.onAck(seg.ack, seg.wnd)
	}
	if e.state == stateOpen && (len(seg.data) > 0 || seg.flags&FlagFIN != 0) {
		e.onData(seg)
	}
	c.maybeDone(e)
}

// onSYN answers a SYN at the server host: SYN-ACK from a listener, RST
// when nobody listens (or a rule refuses), nothing when the backlog is full.
func (c *conn) onSYN(e *end, seg segment) {
	ln := e.host.listenerFor(e.addr)
	if ln == nil || c.refused() {
		e.emit("refuse", segment{ack: seg.seq + 1, flags: FlagRST | FlagACK})
		return
	}
	if ln.waiting > ln.backlog {
		c.w.observe(c, c.peer(e), seg, "syn", "backlog")
		return
	}
	ln.waiting++
	c.ln = ln
	e.iss = c.w.rng.Uint32()
	e.sndUna, e.sndNxt, e.sndMax = e.iss, e.iss+1, e.iss+1
	e.rcvNxt = seg.seq + 1
	e.peerWnd = seg.wnd
	e.state, e.rto = stateSynRcvd, synRTO
	e.sendSYNACK()
}

// onSYNACK completes the client's handshake and reports 'connect'.
func (e *end) onSYNACK(seg segment) {
	e.rcvNxt = seg.seq + 1
	e.sndUna = seg.ack
	e.peerWnd = seg.wnd
	e.state, e.retries, e.rto = stateOpen, 0, e.dataRTO()
	e.stopTimer()
	s := e.feed.s
	if s.destroyed {
		e.sendReset()
		return
	}
	e.sendACK()
	e.lastActive = e.loop().Now()
	e.feed.handshook(e)
	local, remote := e.addr, e.c.peer(e).addr
	connected := func() { e.feed.Connected(e, local, remote) }
	if e.loop().polls() == e.dialPoll {
		e.loop().readyNextPoll(connected)
	} else {
		e.loop().ready(connected)
	}
	e.c.onEstablished(e)
}

// established completes the server's handshake and accepts the connection;
// it reports false when the connection was reset instead.
func (e *end) established() bool {
	c := e.c
	ln := c.ln
	ln.waiting--
	c.ln = nil
	e.state, e.retries, e.rto = stateOpen, 0, e.dataRTO()
	e.sndUna = e.iss + 1
	e.stopTimer()
	if ln.closed {
		e.sendReset()
		return false
	}
	e.lastActive = e.loop().Now()
	ln.enqueue(e)
	c.onEstablished(e)
	return e.state == stateOpen
}

// onAck takes in the peer's acknowledgement and window.
func (e *end) onAck(ack uint32, wnd uint16) {
	d := int32(ack - e.sndUna)
	if d < 0 || int32(ack-e.sndMax) > 0 {
		return
	}
	e.peerWnd = wnd
	if d > 0 {
		n := int(d)
		data := min(n, len(e.snd))
		e.snd = e.snd[data:]
		if len(e.snd) == 0 {
			// Emptied, snd lets go of its space in the send arena, so an
			// idle connection holds none.
			e.snd = nil
		}
		if e.finSent || e.finQueued {
			e.finAcked = e.finAcked || (n > data)
		}
		e.sndUna = ack
		if int32(e.sndNxt-ack) < 0 {
			e.sndNxt = ack
			e.finSent = e.finSent || e.finAcked
		}
		e.retries, e.oneSeg, e.rto = 0, false, e.dataRTO()
		if e.sndNxt == e.sndUna {
			// Everything is acknowledged. As Linux does, the timer is
			// left pending rather than taken off the heap, only to go
			// back on with the next send: twice per keep-alive GET.
			e.rtxIdle = true
		} else {
			e.startTimer()
		}
		if e.blocked && len(e.snd) < e.sendRoom() {
			e.blocked = false
			if s := e.socket(); s != nil {
				e.loop().ready(e.feed.Writable)
			}
		}
	}
	if len(e.snd) > 0 || e.finQueued {
		// With nothing left to send and no FIN to come, transmit would
		// find nothing: the ACK of a keep-alive request or response.
		e.transmit()
	}
}

// onData takes in the payload and FIN of an in-order segment.
func (e *end) onData(seg segment) {
	off := int(int32(e.rcvNxt - seg.seq))
	fin := seg.flags&FlagFIN != 0
	if off < 0 || off > len(seg.data) || (off == len(seg.data) && (!fin || e.finRcvd)) || e.finRcvd {
		e.queueAck(true) // a gap, or a duplicate: tell the sender where we are
		return
	}
	data := seg.data[off:]
	if room := e.window(); len(data) > room {
		data, fin = data[:room], false
		e.ackForce = true
	}
	if e.closed && len(data) > 0 {
		e.sendReset()
		return
	}
	e.rcvNxt += uint32(len(data))
	if fin {
		e.rcvNxt++
		e.finRcvd = true
	}
	if len(data) > 0 {
		e.lastActive = e.loop().Now()
		if s := e.socket(); s != nil && e.reading && e.rcvLen == 0 && !e.flushQueued {
			e.pushRead(data)
			e.loop().readyWith(readOne, e)
		} else {
			e.rcvQ = append(e.rcvQ, data)
			e.rcvLen += len(data)
		}
	}
	if e.state != stateOpen {
		return
	}
	if fin {
		e.feedEOF()
	}
	e.queueAck(false)
}

// feedEOF reports the peer's FIN, once everything before it was read, in
// the next poll.
func (e *end) feedEOF() {
	if e.eofDue() {
		e.eofFed = true
		e.tell(e.feed.EOF)
	}
}

// readOne is the read of one segment's data in the poll phase.
func (e *end) readOne() {
	data := e.popRead()
	e.feed.Data(data)
	if e.read0 != nil {
		return
	}
	if e.afterReads != nil {
		e.loop().ready(e.afterReads)
		e.afterReads = nil
	}
	if e.afterReset != nil && e.reading && e.rcvLen == 0 {
		e.loop().readyNext(e.takeReset())
	}
}

func (e *end) pushRead(data []byte) {
	if e.read0 == nil {
		e.read0 = data
		return
	}
	if e.reads == nil && e.loop().HasSpares() {
		e.reads = e.firstReads()
	}
	e.reads = append(e.reads, data)
	e.moreReads = true
}

// firstReads is the array reads waiting behind read0 queue in, made from
// the world's spares: a sweep seed's paused or slow readers queued a dozen
// or so, and grown from nothing their arrays were four or five
// allocations, garbage once the world passed. Without spares the array
// grows from nothing as before, as small as an idle connection's few
// reads need.
func (e *end) firstReads() [][]byte { return AllocSlice[[]byte](e.loop(), 16)[:0] }

func (e *end) popRead() []byte {
	data := e.read0
	e.read0 = nil
	if e.moreReads {
		// Shift rather than reslice, so the backing array is reused.
		e.read0 = e.reads[0]
		n := copy(e.reads, e.reads[1:])
		e.reads[n] = nil
		e.reads = e.reads[:n]
		e.moreReads = n > 0
	}
	return data
}

// tell reports the end of the stream or an error, which a read finds only
// once the data before it was read: libuv stops reading a socket at a short
// read, so the EOF or error behind data comes out in a later poll.
func (e *end) tell(fn func()) {
	if e.read0 == nil {
		e.loop().ready(fn)
		return
	}
	if prev := e.afterReads; prev != nil {
		next := fn
		fn = func() { prev(); next() }
	}
	e.afterReads = fn
}

// eofDue reports that the socket may learn of the peer's FIN now.
func (e *end) eofDue() bool {
	return e.finRcvd && !e.eofFed && e.rcvLen == 0 && e.reading && e.socket() != nil
}

// queueAck sends an ACK at the end of this instant unless a segment leaving
// before then carries it; force sends one even if nothing changed.
func (e *end) queueAck(force bool) {
	e.ackForce = e.ackForce || force
	if e.ackQueued {
		return
	}
	e.ackQueued = true
	e.loop().lingerWith(flushAck, e)
}

func (e *end) flushAck() {
	e.ackQueued = false
	if e.state != stateOpen {
		return
	}
	if e.ackForce || e.ackSent != e.rcvNxt || int(e.wndSent) != e.window() {
		e.ackForce = false
		e.sendACK()
	}
}

// transmit sends what the window, Nagle and the faults allow, then the FIN.
func (e *end) transmit() {
	for e.state == stateOpen {
		off := int(e.sndNxt - e.sndUna)
		if e.finSent && !e.finAcked {
			off--
		}
		unsent := len(e.snd) - off
		if unsent <= 0 {
			if e.finQueued && !e.finSent {
				e.finSeq, e.finSent = e.sndNxt, true
				e.sndNxt++
				e.sndMax = seqMax(e.sndMax, e.sndNxt)
				e.emit("fin", segment{seq: e.finSeq, ack: e.rcvNxt, flags: FlagFIN | FlagACK, wnd: uint16(e.window())})
				e.armTimer()
			}
			return
		}
		inFlight := int(e.sndNxt - e.sndUna)
		wnd := int(e.peerWnd) - inFlight
		if wnd <= 0 {
			return // the peer's window update will call transmit again
		}
		n := min(unsent, wnd, e.mss())
		if e.sndNxt != e.sndMax {
			n = min(n, int(e.sndMax-e.sndNxt)) // resend old bytes as they were
		} else if e.ruled {
			n = e.c.limit(e, off, n)
		}
		if !e.noDelay && n == unsent && n < e.mss() && inFlight > 0 && !e.finQueued {
			return // Nagle: wait for the ACK before sending a short tail
		}
		if !e.sendData(off, n, n == unsent) || e.oneSeg {
			return
		}
	}
}

// sendData sends n bytes of snd from off; it reports false when a fault
// aborted the connection meanwhile.
func (e *end) sendData(off, n int, push bool) bool {
	c := e.c
	// Only fresh bytes meet the fault rules, and only a connection some
	// rule matched has any (its HTTP follower included): the others, a
	// keep-alive exchange's, skip the three calls that would find none.
	faults := e.sndNxt == e.sndMax && e.ruled
	if faults {
		if !c.beforePayload(e) {
			return false
		}
		if off+n > len(e.snd) {
			return true // a fault closed this end and discarded the rest
		}
	}
	// Bytes in snd are never overwritten: it grows by append and sheds
	// acknowledged bytes from the front (an abort drops unsent ones from
	// the back and caps it). So the segment shares them.
	data := e.snd[off : off+n : off+n]
	flags := FlagACK
	if push {
		flags |= FlagPSH
	}
	seg := segment{seq: e.sndNxt, ack: e.rcvNxt, flags: flags, wnd: uint16(e.window()), data: data}
	e.sndNxt += uint32(n)
	e.sndMax = seqMax(e.sndMax, e.sndNxt)
	e.lastActive = e.loop().Now()
	e.emit("seg", seg)
	e.armTimer()
	if faults {
		c.afterPayload(e, data)
	}
	return e.state == stateOpen
}

func seqMax(a, b uint32) uint32 {
	if int32(a-b) < 0 {
		return b
	}
	return a
}

// armTimer starts the retransmission timer unless it is running for bytes
// still unacknowledged.
func (e *end) armTimer() {
	if !e.rtx.Active() || e.rtxIdle {
		e.startTimer()
	}
}

// startTimer (re)starts the retransmission timer with the current RTO. It is
// unref'd: the socket's handle, not TCP, keeps the loop alive. It is the
// kernel's timer, not a program's Timeout, so stopping it never retires it.
func (e *end) startTimer() {
	// Restarted, a timer left pending goes where stopping and starting it
	// put it: the latest deadline and seq of its delay.
	e.rtxIdle = false
	if e.rtx.list != nil && e.rtx.delay() == e.rto {
		e.rtx.schedule()
		return
	}
	// A new delay is a new timer, as a program's setTimeout would make,
	// in the same place: the old one is off every list. It keeps the old
	// one's fn, the same method value: making e.onTimer again allocated
	// it again, twice per end of a short connection (SYN, then the RTO
	// its first round trip measured).
	e.stopTimer()
	fn := e.rtx.fn
	if fn == nil {
		fn = e.onTimer
	}
	l := e.loop()
	e.rtx = Timer{fn: fn, list: l.timers.listOf(l, e.rto, nil)}
	e.rtx.schedule()
}

func (e *end) stopTimer() { e.rtx.unschedule() }

func (e *end) backoff() {
	e.retries++
	e.rto = min(2*e.rto, maxRTO)
}

// onTimer retransmits what is unacknowledged.
func (e *end) onTimer() {
	if e.rtxIdle {
		e.rtxIdle = false
		return
	}
	switch e.state {
	case stateSynSent:
		switch {
		case e.feed.s.destroyed:
			e.kill()
		case e.retries >= synRetries:
			e.kill()
			e.fail(sysError("ETIMEDOUT", "connect", e.c.peer(e).addr.String()))
		default:
			e.backoff()
			e.sendSYN()
		}
	case stateSynRcvd:
		if e.retries >= synAckRetries {
			e.kill()
			return
		}
		e.backoff()
		e.sendSYNACK()
	case stateOpen:
		if e.sndNxt == e.sndUna {
			return
		}
		if e.retries >= dataRetries {
			e.kill()
			if e.socket() != nil {
				e.fail(sysError("ETIMEDOUT", "read", ""))
			}
			return
		}
		e.backoff()
		e.sndNxt, e.finSent, e.oneSeg = e.sndUna, false, true
		e.startTimer()
		e.transmit()
	}
}

// onReset handles the peer's RST.
func (e *end) onReset() {
	switch e.state {
	case stateSynSent:
		e.kill()
		e.fail(sysError("ECONNREFUSED", "connect", e.c.peer(e).addr.String()))
	case stateOpen:
		s := e.socket()
		q, n := e.rcvQ, e.rcvLen
		e.kill()
		e.peerReset, e.resetErr = true, true
		if s != nil {
			// Linux keeps what arrived before the RST for the reader.
			e.rcvQ, e.rcvLen = q, n
			e.reportReset()
		}
	case stateSynRcvd:
		e.kill()
	}
}

// reportReset tells the socket of the peer's RST as Linux and libuv do. A
// read finds the data that arrived first, then the reset: libuv reads that
// data with a short read and, as epoll also reports a hang-up, ends the
// stream (EOF) without reading again, once the read's callback is done; so
// ECONNRESET comes out only when nothing was left unread, or to a write
// made in that callback. A socket not reading (waiting to be accepted, or
// held back by backpressure) learns nothing until it reads.
func (e *end) reportReset() {
	feed := e.feed
	if (e.read0 != nil || e.rcvLen > 0) && !feed.s.resetAfterData {
		e.afterReset = feed.EOF
	} else {
		e.afterReset = func() {
			e.resetErr = false
			feed.Fail(sysError("ECONNRESET", "read", ""))
		}
	}
	if e.reading && e.read0 == nil && e.rcvLen == 0 {
		e.loop().ready(e.takeReset())
	}
}

// takeReset returns the pending report of an RST, once.
func (e *end) takeReset() func() {
	fn := e.afterReset
	e.afterReset = nil
	return fn
}

// fail reports a connection error to the socket in a later poll, as epoll
// reports a socket's error.
func (e *end) fail(err error) {
	feed := e.feed
	e.tell(func() { feed.Fail(err) })
}

// replyReset answers a segment that reached no live connection.
func (e *end) replyReset(seg segment) {
	if e.host == nil {
		return
	}
	e.emit("rst", segment{seq: seg.ack, flags: FlagRST})
}

// sendReset aborts the connection with RST.
func (e *end) sendReset() {
	if e.state == stateDead || e.state == stateNone {
		return
	}
	e.emit("rst", segment{seq: e.sndNxt, ack: e.rcvNxt, flags: FlagRST | FlagACK})
	e.kill()
}

// kill drops the control block: nothing more is sent or received.
func (e *end) kill() {
	if e.state == stateSynRcvd && e.c.ln != nil {
		e.c.ln.waiting--
		e.c.ln = nil
	}
	e.state = stateDead
	e.stopTimer()
	e.snd, e.rcvQ, e.rcvLen = nil, nil, 0
	e.c.maybeDone(e)
}

// done reports whether this end needs nothing more from the network.
func (e *end) done() bool {
	return e.state == stateDead || e.state == stateNone ||
		(e.closed && e.finAcked && e.finRcvd)
}

// maybeDone retires the connection once both ends are done. It asks e,
// the end that changed, first: while e is open, neither the other end's
// line nor the live list's is touched.
func (c *conn) maybeDone(e *end) {
	if !e.done() || !c.peer(e).done() {
		return
	}
	if c.prev == nil && c.next == nil && c.w.head != c {
		return // already retired
	}
	a, b := &c.end[client], &c.end[server]
	for i := range c.end {
		c.end[i].stopTimer()
	}
	c.w.unlink(c)
	a.host.releasePort(a.addr, b.addr)
}

// Send implements Transport: the kernel takes what fits in its send buffer.
// On a connection the peer reset, the write fails at once: with the
// pending ECONNRESET, which it takes from the reader, else with EPIPE.
func (e *end) Send(p []byte) int {
	if e.peerReset && !e.closed {
		err := sysError("EPIPE", "write", "")
		if e.resetErr {
			e.resetErr = false
			err = sysError("ECONNRESET", "write", "")
		}
		e.feed.writeFailed(err)
		return 0
	}
	if e.state != stateOpen || e.closed || e.finQueued {
		return len(p) // the connection is gone; the socket learns it elsewhere
	}
	n := min(len(p), e.sendRoom()-len(e.snd))
	if n < len(p) {
		e.blocked = true
	}
	if n > 0 {
		e.queue(p[:n])
		e.transmit()
	}
	return n
}

// queue appends p to snd, taking room from the world's send arena when
// snd has none left.
func (e *end) queue(p []byte) {
	if need := len(e.snd) + len(p); need > cap(e.snd) {
		e.snd = e.w.sends.grow(e.snd, need)
	}
	e.snd = append(e.snd, p...)
}

// CloseWrite implements Transport: FIN after everything taken.
func (e *end) CloseWrite() {
	if e.finQueued || e.state == stateDead {
		return
	}
	e.finQueued = true
	e.transmit()
}

// Close implements Transport. Like Linux, it sends RST instead of FIN when
// unread data is still in the kernel (or a fault aborts the end).
func (e *end) Close(reset bool) {
	if e.closed {
		return
	}
	e.closed = true
	if e.state != stateOpen {
		return
	}
	if reset || e.abort || e.rcvLen > 0 {
		e.sendReset()
		return
	}
	e.rcvQ = nil
	e.CloseWrite()
	e.c.maybeDone(e)
}

// SetReading implements Transport.
func (e *end) SetReading(on bool) {
	if e.reading == on {
		return
	}
	e.reading = on
	if on && !e.flushQueued && (e.rcvLen > 0 || (e.finRcvd && !e.eofFed) || e.afterReset != nil) {
		// uv_read_start reaches epoll at the next poll.
		e.flushQueued = true
		e.loop().readyNextPoll(e.flush)
	}
}

// flush hands the socket what waited in the kernel, 64 KiB per read, then
// the FIN (in the next poll when data came first), and reopens the window.
func (e *end) flush() {
	e.flushQueued = false
	read := false
	for e.reading && e.rcvLen > 0 && e.socket() != nil {
		n := min(e.rcvLen, readChunk)
		chunk := make([]byte, 0, n)
		for len(chunk) < n {
			p := e.rcvQ[0]
			k := min(len(p), n-len(chunk))
			chunk = append(chunk, p[:k]...)
			if k == len(p) {
				e.rcvQ[0] = nil
				e.rcvQ = e.rcvQ[1:]
			} else {
				e.rcvQ[0] = p[k:]
			}
		}
		e.rcvLen -= n
		if e.rcvLen == 0 {
			e.rcvQ = nil
		}
		e.feed.Data(chunk)
		read = true
	}
	if e.afterReset != nil && e.reading && e.rcvLen == 0 && e.read0 == nil {
		if read {
			e.loop().readyNext(e.takeReset())
		} else {
			e.takeReset()()
		}
		return
	}
	if e.state == stateOpen {
		if e.eofDue() {
			e.eofFed = true
			if read {
				e.loop().ready(e.feed.EOF)
			} else {
				e.feed.EOF()
			}
		}
		e.queueAck(false)
	}
}

// SetNoDelay implements Transport: true turns Nagle's algorithm off.
func (e *end) SetNoDelay(on bool) {
	e.noDelay = on
	if on {
		e.transmit()
	}
}

// SetKeepAlive implements Transport; the setting is kept, no probes are sent.
func (e *end) SetKeepAlive(on bool, initialDelay time.Duration) {
	e.keepAlive, e.keepIdle = on, initialDelay
}
