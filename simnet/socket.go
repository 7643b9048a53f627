package simnet

import (
	"net/netip"
	"time"
)

// DefaultHighWaterMark is a socket's writable and readable high-water mark in
// Node v20 (16 KiB).
const DefaultHighWaterMark = 16 * 1024

// Transport is a runtime's side of one connection: it moves bytes and
// reports what the peer did through the socket's Feed. It decides nothing
// about Node semantics, which live in Socket so both runtimes share them.
type Transport interface {
	// Send offers p to the kernel and returns how many bytes it took now,
	// copying them; the socket keeps the rest and offers it again on
	// Feed.Writable.
	Send(p []byte) int
	// CloseWrite sends FIN after every byte taken so far.
	CloseWrite()
	// Close releases the connection; with reset it sends RST instead of FIN.
	Close(reset bool)
	// SetReading starts or stops reading, so the receive window fills and
	// the peer's writes back up while the socket is paused.
	SetReading(on bool)
	SetNoDelay(on bool)
	SetKeepAlive(on bool, initialDelay time.Duration)
}

// SocketOptions configures a new socket.
type SocketOptions struct {
	Obj           string // trace kind: "socket" (client side) or "ssocket" (server side)
	AllowHalfOpen bool   // keep the writable side open after the peer's FIN
	HighWaterMark int    // 0 means DefaultHighWaterMark
	// PauseOnConnect starts an accepted socket paused and not reading, as
	// the listen option does, so data waits in the kernel until Resume.
	PauseOnConnect bool
}

// LookupResult is the payload of a socket's 'lookup' event.
type LookupResult struct {
	Err     error
	Address netip.Addr
	Host    string
}

// Socket is a TCP socket with Node's net.Socket semantics: the events,
// their order and phases, buffering, half-close and backpressure.
type Socket struct {
	// With 100,000 connections exchanging in turn, every cache line an
	// exchange touches is a miss, so the fields of its two paths come
	// first: a write touches the socket's first two lines, a read its
	// second and third ('data' is the first event). Go puts an 8-byte
	// header before an object this size that holds pointers, so the first
	// line holds the 56 bytes up to the flags, and a read's test of
	// readBuf's length falls in the second. The allocator puts that
	// header before every object over 512 bytes with pointers, so 888
	// bytes is the most that fits the 896-byte class: 100,000 idle
	// connections have 200,000 sockets.
	t           Transport  // nil until connected
	pending     []writeReq // accepted by Write, not yet taken by the kernel
	writableLen int
	hwm         int // the high-water mark, readable and writable

	// The flags are kept together: spread among the wider fields, their
	// padding took a cache line more.
	connecting     bool
	destroyed      bool
	needDrain      bool
	ending         bool // end() called
	finSent        bool
	finished       bool // 'finish' emitted
	writeAfterFIN  bool
	paused         bool
	reading        bool
	eof            bool // the peer's FIN arrived
	ended          bool // 'end' emitted
	endQueued      bool
	resetAfterData bool // a peer's RST behind unread data fails reads once the data is read
	sendFailed     bool // writeErr is set: tested after each Send, which rarely sets it
	allowHalfOpen  bool
	pauseOnConnect bool
	corked         int32

	timeoutTimer            *Timer
	bytesWritten, bytesRead int64
	readBuf                 [][]byte // data held while paused

	Events SocketEvents

	writeErr error // set by the transport while Send refuses a write
	loop     *Loop
	obj      string // the trace kind, SocketOptions.Obj

	// held holds the bytes of pending writes; the kernel copies what it
	// takes, so once nothing is pending the space is reused.
	held    []byte
	readLen int

	id     int
	handle *Handle
	shaken Transport // the connection the kernel completed before 'connect' is reported

	local, remote netip.AddrPort

	timeout time.Duration
}

// SocketEvents are the events a net.Socket emits.
type SocketEvents struct {
	// Data comes first: it is the one emitted on every read, and sits
	// next to the socket's other fields a read touches.
	Data    Emitter[[]byte]
	Lookup  Emitter[LookupResult]
	Connect Emitter[struct{}]
	Ready   Emitter[struct{}]
	End     Emitter[struct{}]
	Finish  Emitter[struct{}]
	Drain   Emitter[struct{}]
	Timeout Emitter[struct{}]
	Error   Emitter[error]
	Close   Emitter[bool] // hadError
}

type writeReq struct {
	data   []byte
	cb     Handler[error]
	cbOnly bool // a callback riding behind the write coalesce joined it into
}

// Feed is the transport's way back into its socket; runtimes call it on the
// loop's goroutine.
type Feed struct{ s *Socket }

// NewSocket creates an unconnected socket on loop; the runtime keeps the Feed.
func NewSocket(loop *Loop, opts SocketOptions) (*Socket, Feed) {
	s, f := newSocket(loop, opts)
	s.id = loop.events.NewID(s.obj)
	return s, f
}

// newSocket creates a socket without a trace number yet: an accepted
// socket is numbered when the program accepts it.
func newSocket(loop *Loop, opts SocketOptions) (*Socket, Feed) {
	if opts.HighWaterMark <= 0 {
		opts.HighWaterMark = DefaultHighWaterMark
	}
	if opts.Obj == "" {
		opts.Obj = "socket"
	}
	s := Alloc[Socket](loop)
	*s = Socket{loop: loop, obj: opts.Obj, hwm: opts.HighWaterMark, allowHalfOpen: opts.AllowHalfOpen,
		pauseOnConnect: opts.PauseOnConnect, handle: loop.NewHandle(), connecting: true, reading: true}
	return s, Feed{s}
}

// discard drops a socket the program never saw, resetting its connection.
func (s *Socket) discard() {
	s.destroyed = true
	s.handle.Close()
	if s.t != nil {
		s.t.Close(true)
	}
}

// Socket returns the socket this feed drives.
func (f Feed) Socket() *Socket { return f.s }

// Looked reports the end of the host name lookup ('lookup' event).
func (f Feed) Looked(r LookupResult) {
	if !f.s.destroyed {
		f.s.Events.Lookup.Emit(r)
	}
}

// Connected attaches the transport once the handshake completed and emits
// 'connect' then 'ready', flushing writes made while connecting.
func (f Feed) Connected(t Transport, local, remote netip.AddrPort) {
	s := f.s
	if s.destroyed {
		t.Close(false)
		return
	}
	s.t, s.local, s.remote, s.connecting = t, local, remote, false
	if !s.reading || s.paused {
		// Resume turns reading back on only when it knows it is off.
		s.reading = false
		t.SetReading(false)
	}
	s.touch()
	s.trace("connect", nil)
	s.Events.Connect.Emit(struct{}{})
	s.Events.Ready.Emit(struct{}{})
	s.flush()
}

// handshook tells a connecting socket the kernel completed its handshake:
// destroying it from now on closes the connection, though 'connect' is
// still to be reported.
func (f Feed) handshook(t Transport) { f.s.shaken = t }

// Accepted attaches the transport of a connection a listener accepted.
func (f Feed) Accepted(t Transport, local, remote netip.AddrPort) {
	s := f.s
	s.t, s.local, s.remote, s.connecting = t, local, remote, false
	if s.pauseOnConnect {
		s.paused, s.reading = true, false
		t.SetReading(false)
	}
}

// Data delivers bytes read from the connection.
func (f Feed) Data(p []byte) {
	s := f.s
	if s.destroyed || s.eof {
		return
	}
	s.bytesRead += int64(len(p))
	s.touch()
	if s.paused || len(s.readBuf) > 0 {
		s.readBuf = append(s.readBuf, p)
		s.readLen += len(p)
		if s.readLen >= s.hwm && s.reading {
			s.reading = false
			s.t.SetReading(false)
		}
		return
	}
	s.Events.Data.Emit(p)
}

// EOF reports the peer's FIN.
func (f Feed) EOF() {
	s := f.s
	if s.destroyed || s.eof {
		return
	}
	s.eof = true
	if !s.allowHalfOpen {
		s.writeAfterFIN = true
	}
	s.maybeEnd()
}

// Writable reports that the kernel can take more of the pending writes.
func (f Feed) Writable() {
	if !f.s.destroyed {
		f.s.flush()
	}
}

// writeFailed reports, during Send, that the kernel refused the write.
func (f Feed) writeFailed(err error) { f.s.writeErr, f.s.sendFailed = err, true }

// Fail destroys the socket with a connection error (ECONNRESET,
// ECONNREFUSED, ETIMEDOUT, ENOTFOUND...).
func (f Feed) Fail(err error) { f.s.Destroy(err) }

// Write is socket.write(data[, cb]): it returns false once the length still
// buffered after offering the data to the kernel reaches the high-water
// mark, and 'drain' follows when it empties. p is free again when Write
// returns: what the kernel does not take at once is copied.
func (s *Socket) Write(p []byte, cb func(error)) bool {
	var h Handler[error]
	if cb != nil {
		h = HandlerFunc[error](cb)
	}
	return s.WriteHandler(p, h)
}

// WriteHandler is Write with its callback, if not nil, as a Handler, which
// a caller can make without a closure per write.
func (s *Socket) WriteHandler(p []byte, cb Handler[error]) bool {
	if s.ending || s.writeAfterFIN || s.destroyed {
		var err *Error
		switch {
		case s.destroyed:
			err = &Error{Code: "ERR_STREAM_DESTROYED", Message: "Cannot call write after a stream was destroyed"}
		case s.ending:
			err = &Error{Code: "ERR_STREAM_WRITE_AFTER_END", Message: "write after end"}
		default:
			err = &Error{Code: "EPIPE", Message: "This socket has been ended by the other party"}
		}
		s.loop.NextTick(func() {
			if cb != nil {
				cb.Handle(err)
			}
			if !s.destroyed {
				s.Destroy(err)
			}
		})
		return false
	}
	s.bytesWritten += int64(len(p))
	if s.t != nil && s.corked == 0 && len(s.pending) == 0 {
		// The common case: nothing queued ahead, so offer the bytes to the
		// kernel directly and copy only what it does not take now.
		n := s.t.Send(p)
		if s.sendFailed {
			s.failWrite(cb, true)
			return false
		}
		s.touch()
		if n < len(p) {
			s.writableLen += len(p) - n
			s.queue(writeReq{data: s.hold(p[n:]), cb: cb})
		} else if cb != nil {
			b := s.loop.newWriteBatch(s)
			b.cb = cb
			s.loop.NextTickWith(runWriteBatch, b)
		}
	} else {
		s.writableLen += len(p)
		if s.corked > 0 && s.t != nil && len(s.pending) == 1 {
			s.join(p, cb)
		} else {
			s.queue(writeReq{data: s.hold(p), cb: cb})
		}
		if s.corked == 0 {
			s.sendPending(true)
		}
	}
	// Node v20 judges after the synchronous write attempt: what the kernel
	// took at once no longer counts against the high-water mark.
	ok := s.writableLen < s.hwm || s.writableLen == 0
	if !ok {
		s.needDrain = true
	}
	return ok
}

// End is socket.end([data][, cb]): half-close after everything written.
func (s *Socket) End(p []byte, cb func()) {
	if len(p) > 0 {
		s.Write(p, nil)
	}
	if cb != nil {
		s.Events.Finish.Once(func(struct{}) { cb() })
	}
	if s.ending || s.destroyed {
		return
	}
	s.ending = true
	s.corked = 0
	s.sendPending(true)
}

// Cork holds writes until Uncork, so they leave together.
func (s *Socket) Cork() { s.corked++ }

// Uncork releases writes held by Cork once every Cork is matched.
func (s *Socket) Uncork() {
	if s.corked > 0 {
		s.corked--
		if s.corked == 0 {
			s.sendPending(true)
		}
	}
}

func (s *Socket) flush() { s.sendPending(false) }

// sendPending offers pending writes to the kernel in order. Writes taken
// during the Write call itself complete on nextTick, later ones directly
// in the I/O callback, as libuv's sync and async completions do.
func (s *Socket) sendPending(sync bool) {
	if s.t == nil || s.destroyed || s.corked > 0 {
		return
	}
	if sync && len(s.pending) > 1 && !s.coalesced() {
		s.coalesce()
	}
	var done *writeBatch
	taken := 0 // the pending writes the kernel took whole, shifted out once at the end
	for taken < len(s.pending) {
		w := &s.pending[taken]
		if !w.cbOnly {
			n := s.t.Send(w.data)
			if s.sendFailed {
				s.shiftPending(taken)
				cb := s.joinedCallbacks()
				s.pending = nil
				s.failWrite(cb, sync)
				return
			}
			s.writableLen -= n
			if n < len(w.data) {
				w.data = w.data[n:]
				break
			}
			// Taken whole: the entry is cleared as it is shifted out, so
			// its data need not be emptied first.
		}
		if done == nil {
			done = s.loop.newWriteBatch(s)
			done.drain = true
		}
		done.add(w.cb)
		taken++
	}
	s.shiftPending(taken)
	if len(s.pending) == 0 {
		// Before the callbacks: a write made from one of them (a 'drain'
		// listener refilling the socket) must find held empty, or held
		// would keep every byte ever written behind it. The emptied
		// arrays go back to the loop, so an idle socket keeps none.
		s.loop.spareWrites.Put(s.pending)
		s.loop.spareHeld.Put(s.held)
		s.pending, s.held = nil, nil
	}
	if done != nil {
		s.touch()
		if sync {
			s.loop.NextTickWith(runWriteBatch, done)
		} else {
			done.run()
		}
	}
	if len(s.pending) == 0 && s.ending && !s.finSent {
		s.finSent = true
		s.loop.pending(s.shutdown)
	}
}

// shiftPending drops the first n pending writes, shifting the rest down
// and clearing the slots they vacate: a slot left behind a resliced start
// would keep its callback, and whatever that holds (a finished request,
// its response), alive for as long as the socket lives. The slots are
// cleared one by one, not by clear(), which calls into the runtime even
// for the one slot a keep-alive exchange's write leaves.
func (s *Socket) shiftPending(n int) {
	if n == 0 {
		return
	}
	k := 0
	if n < len(s.pending) {
		k = copy(s.pending, s.pending[n:])
	}
	for i := k; i < len(s.pending); i++ {
		s.pending[i] = writeReq{}
	}
	s.pending = s.pending[:k]
}

// coalesce joins writes queued while corked or connecting into one, as
// Node's writev does, so they leave in the same segments. The callbacks
// after the first ride behind it as entries with no data of their own,
// completed with it in order.
func (s *Socket) coalesce() {
	total := 0
	for _, w := range s.pending {
		total += len(w.data)
	}
	// Every pending write was copied into held in order, and only the
	// first may have been taken in part, so together they are held's
	// last total bytes: joining them needs no copy.
	data := s.held[len(s.held)-total:]
	kept := s.pending[:0]
	for _, w := range s.pending {
		if w.cb == nil {
			continue
		}
		if len(kept) == 0 {
			kept = append(kept, writeReq{data: data, cb: w.cb})
		} else {
			kept = append(kept, writeReq{cb: w.cb, cbOnly: true})
		}
	}
	if len(kept) == 0 {
		kept = append(kept, writeReq{data: data})
	}
	for i := len(kept); i < len(s.pending); i++ {
		s.pending[i] = writeReq{}
	}
	s.pending = kept
}

// join adds a write made while corked to the one write pending, as
// coalesce would join them when the socket is uncorked: a corked socket
// of a connection sends nothing until then, and the uncork coalesces, so
// joining now leaves the same writes, with nothing left for the uncork to
// coalesce (a response's head and body, each with a callback). The
// pending write's bytes are held's last, so the joined ones follow them.
func (s *Socket) join(p []byte, cb Handler[error]) {
	w := &s.pending[0]
	n := len(w.data) + len(p)
	s.hold(p)
	w.data = s.held[len(s.held)-n : len(s.held) : len(s.held)]
	switch {
	case cb == nil:
	case w.cb == nil:
		w.cb = cb
	default:
		s.queue(writeReq{cb: cb, cbOnly: true})
	}
}

// coalesced reports that the pending writes are already as coalesce
// leaves them, as join leaves them: one write with its callback, then
// the callbacks that ride behind it.
func (s *Socket) coalesced() bool {
	if s.pending[0].cbOnly || s.pending[0].cb == nil {
		return false
	}
	for i := 1; i < len(s.pending); i++ {
		if !s.pending[i].cbOnly {
			return false
		}
	}
	return true
}

// joinedCallbacks is the callback of the first pending write and of the
// entries that ride behind it, as one: a write the kernel refuses fails
// them all.
func (s *Socket) joinedCallbacks() Handler[error] {
	cbs := []Handler[error]{s.pending[0].cb}
	for _, w := range s.pending[1:] {
		if !w.cbOnly {
			break
		}
		cbs = append(cbs, w.cb)
	}
	if len(cbs) == 1 {
		return cbs[0]
	}
	return HandlerFunc[error](func(err error) {
		for _, cb := range cbs {
			if cb != nil {
				cb.Handle(err)
			}
		}
	})
}

// queue adds w to the pending writes.
func (s *Socket) queue(w writeReq) {
	if s.pending == nil {
		s.pending = s.loop.spareWrites.Take()
	}
	s.pending = append(s.pending, w)
}

// hold copies p into held for a pending write.
func (s *Socket) hold(p []byte) []byte {
	if s.held == nil {
		s.held = s.loop.spareHeld.Take()
	}
	start := len(s.held)
	s.held = append(s.held, p...)
	return s.held[start:len(s.held):len(s.held)]
}

// writeBatch is the callbacks of the writes one kernel hand-over
// completed, which run together (on nextTick when taken during the Write
// call). Batches are reused through the loop, so a write costs no
// allocation. It keeps the callbacks alone, the first inline: a
// keep-alive exchange's hand-overs complete one callback each, which a
// copy of its whole write into a slice cost more than twice over.
type writeBatch struct {
	s     *Socket
	cb    Handler[error]   // the first callback; nil when there is none
	more  []Handler[error] // those after it, in order
	drain bool             // 'drain' is due once the callbacks ran, if needed
	next  *writeBatch
}

// add queues cb behind the batch's callbacks; a write without one just
// completes.
func (b *writeBatch) add(cb Handler[error]) {
	switch {
	case cb == nil:
	case b.cb == nil:
		b.cb = cb
	default:
		b.more = append(b.more, cb)
	}
}

func (l *Loop) newWriteBatch(s *Socket) *writeBatch {
	b := l.freeWriteBatches
	if b == nil {
		return &writeBatch{s: s}
	}
	l.freeWriteBatches, b.next, b.s = b.next, nil, s
	return b
}

func runWriteBatch(b any) { b.(*writeBatch).run() }

func (b *writeBatch) run() {
	s := b.s
	cb, more := b.cb, b.more
	b.cb = nil
	if cb != nil {
		cb.Handle(nil)
	}
	// Each slot is cleared as it is taken, so a reused batch keeps no
	// callback (and what it holds) alive, at the cost of a store rather
	// than clear()'s call into the runtime.
	for i := range more {
		cb := more[i]
		more[i] = nil
		cb.Handle(nil)
	}
	if b.drain && s.needDrain && s.writableLen == 0 && !s.destroyed {
		s.needDrain = false
		s.Events.Drain.Emit(struct{}{})
	}
	l := s.loop
	*b = writeBatch{more: more[:0], next: l.freeWriteBatches}
	l.freeWriteBatches = b
}

// failWrite is Node's onwriteError for a write the kernel refused: the
// write's callback gets the error, then the socket is destroyed with it;
// both wait for nextTick when the write was made in this call.
func (s *Socket) failWrite(cb Handler[error], sync bool) {
	err := s.writeErr
	s.writeErr, s.sendFailed = nil, false
	fail := func() {
		if cb != nil {
			cb.Handle(err)
		}
		s.Destroy(err)
	}
	if sync {
		s.loop.NextTick(fail)
		return
	}
	fail()
}

// shutdown is uv_shutdown with nothing left to write: libuv does it from
// its pending queue, right after the poll phase (or before the next one),
// so the peer sees the FIN then. 'finish' follows, then destroy once the
// readable side has ended too (autoDestroy).
func (s *Socket) shutdown() {
	if s.destroyed || s.finished {
		return
	}
	s.t.CloseWrite()
	s.finished = true
	s.Events.Finish.Emit(struct{}{})
	if s.ended {
		s.Destroy(nil)
	}
}

// maybeEnd emits 'end' once the peer's FIN arrived and buffered data is
// consumed: on nextTick, as endReadableNT does.
func (s *Socket) maybeEnd() {
	if !s.eof || s.ended || s.endQueued || s.paused || len(s.readBuf) > 0 {
		return
	}
	s.endQueued = true
	s.loop.NextTick(func() {
		if s.destroyed {
			return
		}
		s.ended = true
		s.trace("end", nil)
		s.Events.End.Emit(struct{}{})
		switch {
		case !s.allowHalfOpen && !s.ending:
			s.loop.NextTick(func() { s.End(nil, nil) })
		case s.finished:
			s.Destroy(nil)
		}
	})
}

// Pause stops 'data' events; the runtime stops reading once the buffer
// passes the high-water mark, so the peer sees backpressure.
func (s *Socket) Pause() { s.paused = true }

// Resume restarts the flow of buffered and new data on the next tick.
func (s *Socket) Resume() {
	if !s.paused {
		return
	}
	s.paused = false
	s.loop.NextTick(func() {
		for !s.paused && !s.destroyed && len(s.readBuf) > 0 {
			p := s.readBuf[0]
			s.readBuf = s.readBuf[1:]
			s.readLen -= len(p)
			s.Events.Data.Emit(p)
		}
		if !s.paused && !s.reading && s.t != nil && !s.destroyed {
			s.reading = true
			s.t.SetReading(true)
		}
		s.maybeEnd()
	})
}

// IsPaused is readable.isPaused().
func (s *Socket) IsPaused() bool { return s.paused }

// Destroy is socket.destroy([err]): 'error' (if err) on nextTick, then
// 'close' in the close-callbacks phase.
func (s *Socket) Destroy(err error) { s.destroy(err, false) }

// ResetAndDestroy is socket.resetAndDestroy(): the peer sees RST.
func (s *Socket) ResetAndDestroy() { s.destroy(nil, true) }

func (s *Socket) destroy(err error, reset bool) {
	if s.destroyed {
		return
	}
	s.destroyed = true
	s.connecting = false
	if s.timeoutTimer != nil {
		s.timeoutTimer.Clear()
	}
	switch {
	case s.t != nil:
		s.t.Close(reset)
	case s.shaken != nil:
		s.shaken.Close(reset)
	}
	hadError := err != nil
	if hadError {
		s.loop.NextTick(func() {
			s.trace("error", err)
			if !s.Events.Error.Emit(err) {
				panic(err)
			}
		})
	}
	s.loop.OnClose(func() {
		s.handle.Close()
		if s.loop.events.Active() {
			s.trace("close", nil, closeDetail(hadError))
		}
		s.Events.Close.Emit(hadError)
	})
}

// SetTimeout is socket.setTimeout(d): 'timeout' after d of inactivity; 0
// disables it. The timer does not keep the loop alive.
func (s *Socket) SetTimeout(d time.Duration) {
	s.timeout = d
	t := s.timeoutTimer
	if t == nil {
		if d > 0 && !s.destroyed {
			s.timeoutTimer = s.loop.SetTimeout(d, s.timedOut)
			s.timeoutTimer.Unref()
		}
		return
	}
	if s.destroyed {
		t.Clear()
		return
	}
	if d <= 0 {
		// Disabled, the timer is left pending: firing, it finds the
		// timeout 0 and does nothing. A keep-alive server disables its
		// socket's timeout for each request and sets it again after, and
		// taking the timer off the heap and putting it back cost more
		// than this. It keeps no loop alive (unref'd), and no callback of
		// the program runs when it fires, so the stale wake it may cost an
		// idle loop is one nothing can see.
		return
	}
	if t.Active() && t.delay() == timerDelay(d) {
		// Node makes a new Timeout each time; nothing outside the socket
		// holds this one, so restarting it is the same to the loop: the
		// latest deadline and seq of its delay, a fresh place in line.
		t.Refresh()
		return
	}
	t.Clear()
	t.rearm(d)
}

// timedOut is the timeout timer's callback: 'timeout', unless the timeout
// was disabled while the timer was left pending.
func (s *Socket) timedOut() {
	if s.timeout <= 0 {
		return
	}
	s.trace("timeout", nil)
	s.Events.Timeout.Emit(struct{}{})
}

// touch restarts the inactivity timer, as reads and writes do in Node,
// unless the timeout is disabled.
func (s *Socket) touch() {
	if s.timeout > 0 && s.timeoutTimer != nil {
		s.timeoutTimer.Refresh()
	}
}

// ReadResetAfterData makes a peer's RST that arrives behind unread data
// fail the socket with "read ECONNRESET" once that data is read, as a
// read(2) on Linux reports it, instead of ending the stream as libuv does.
// Go's net package sees the kernel this way; simnet/gonet sets it.
func (s *Socket) ReadResetAfterData() { s.resetAfterData = true }

// SetNoDelay is socket.setNoDelay.
func (s *Socket) SetNoDelay(on bool) {
	if s.t != nil {
		s.t.SetNoDelay(on)
	}
}

// SetKeepAlive is socket.setKeepAlive.
func (s *Socket) SetKeepAlive(on bool, initialDelay time.Duration) {
	if s.t != nil {
		s.t.SetKeepAlive(on, initialDelay)
	}
}

// Ref makes the socket keep the loop alive (the default).
func (s *Socket) Ref() { s.handle.Ref() }

// Unref lets the loop finish while the socket is open.
func (s *Socket) Unref() { s.handle.Unref() }

// ID is the socket's 1-based trace number within its kind.
func (s *Socket) ID() int { return s.id }

// Obj is the socket's trace kind: "socket" or "ssocket".
func (s *Socket) Obj() string { return s.obj }

// Loop is the loop the socket lives on.
func (s *Socket) Loop() *Loop { return s.loop }

// LocalAddr is socket.localAddress and localPort.
func (s *Socket) LocalAddr() netip.AddrPort { return s.local }

// RemoteAddr is socket.remoteAddress and remotePort.
func (s *Socket) RemoteAddr() netip.AddrPort { return s.remote }

// BytesRead is socket.bytesRead.
func (s *Socket) BytesRead() int64 { return s.bytesRead }

// BytesWritten is socket.bytesWritten.
func (s *Socket) BytesWritten() int64 { return s.bytesWritten }

// Connecting is socket.connecting.
func (s *Socket) Connecting() bool { return s.connecting }

// Pending is socket.pending: not connected yet.
func (s *Socket) Pending() bool { return s.t == nil && !s.destroyed }

// Destroyed is socket.destroyed.
func (s *Socket) Destroyed() bool { return s.destroyed }

// WritableLength is socket.writableLength.
func (s *Socket) WritableLength() int { return s.writableLen }

// WritableNeedDrain is socket.writableNeedDrain.
func (s *Socket) WritableNeedDrain() bool { return s.needDrain }

// WritableEnded is socket.writableEnded: end() was called.
func (s *Socket) WritableEnded() bool { return s.ending }

// WritableFinished is socket.writableFinished: 'finish' was emitted.
func (s *Socket) WritableFinished() bool { return s.finished }

// ReadableEnded is socket.readableEnded: 'end' was emitted.
func (s *Socket) ReadableEnded() bool { return s.ended }

// TimeoutDuration is socket.timeout: the idle timeout set, 0 when none.
func (s *Socket) TimeoutDuration() time.Duration { return s.timeout }

// ReadyState is socket.readyState: opening, open, readOnly, writeOnly or closed.
func (s *Socket) ReadyState() string {
	switch {
	case s.connecting:
		return "opening"
	case s.destroyed:
		return "closed"
	case !s.eof && !s.ending:
		return "open"
	case !s.eof:
		return "readOnly"
	case !s.ending:
		return "writeOnly"
	}
	return "closed"
}

func (s *Socket) trace(name string, err error, detail ...map[string]any) {
	ev := Event{Obj: s.obj, ID: s.id, Name: name}
	if err != nil {
		ev.Code, ev.Message = CodeOf(err), err.Error()
	}
	if len(detail) > 0 {
		ev.Detail = detail[0]
	}
	s.loop.events.Emit(ev)
}
