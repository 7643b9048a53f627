package httpcore

// IncomingMessage is the half of an HTTP exchange that this side reads: the
// request on a server ("sreq" in traces), the response on a client ("res").
//
// The side that owns it (server or client) creates it with
// newIncomingMessage when the parser completes a head, fills the head with
// setHead, hands body spans to pushBody and ends it with finishMessage. An
// owner, if set, decides how the socket resumes and pauses when the body
// stream wants more or is full (Node's readStart/readStop); without one the
// socket is resumed and paused directly. register gives it its trace id when
// Node's tracer would first see it.
//
// The body is a readable stream that follows Node's Readable state machine
// closely (flowing modes, the nextTick steps of resume, end and destroy),
// because the order of 'data', 'end', 'aborted', 'error' and 'close' against
// the other objects' events is what traces compare.

import (
	"strings"
	"time"

	"github.com/simhttp/simhttp/simnet"
)

// IncomingEvents are the events an IncomingMessage emits. The rare ones
// are methods, whose emitters are made on first use: every message is
// zeroed with its events, and most never abort or time out.
type IncomingEvents struct {
	Data  DataEvent
	End   simnet.Emitter[struct{}]
	Error simnet.Emitter[error]
	Close simnet.Emitter[struct{}]

	rare rareEvents[rareIncomingEvents]
}

type rareIncomingEvents struct {
	aborted, timeout simnet.Emitter[struct{}]
}

// Aborted is emitted when the message is destroyed before it was complete.
func (e *IncomingEvents) Aborted() *simnet.Emitter[struct{}] { return &e.rare.get().aborted }

// Timeout is the socket's 'timeout' while the message is read.
func (e *IncomingEvents) Timeout() *simnet.Emitter[struct{}] { return &e.rare.get().timeout }

// emitTimeout emits 'timeout' and reports whether anyone listened.
func (e *IncomingEvents) emitTimeout() bool {
	r := e.rare.ifMade()
	return r != nil && r.timeout.Emit(struct{}{})
}

// DataEvent is the 'data' event of an IncomingMessage. As with
// readable.on('data'), adding a listener starts the flow of the body unless
// the message was paused explicitly.
type DataEvent struct {
	simnet.Emitter[[]byte]
	m *IncomingMessage
}

// On adds fn and starts the flow; the returned function removes fn again.
func (e *DataEvent) On(fn func([]byte)) (off func()) { return e.offFunc(e.listen(fn)) }

// Once adds fn for the next chunk only and starts the flow.
func (e *DataEvent) Once(fn func([]byte)) (off func()) { return e.offFunc(e.listenOnce(fn)) }

// Add adds h as On adds a func, starting the flow, and returns its id for
// Remove: the Emitter's own Add would add a listener the body never
// flows to.
func (e *DataEvent) Add(h simnet.Handler[[]byte]) simnet.ListenerID {
	return e.flow(e.Emitter.Add(h))
}

// AddOnce adds h for the next chunk only, as Once adds a func.
func (e *DataEvent) AddOnce(h simnet.Handler[[]byte]) simnet.ListenerID {
	return e.flow(e.Emitter.AddOnce(h))
}

// AddIn adds h as Add does, its slot from the spares of l's world as the
// Emitter's AddIn takes it.
func (e *DataEvent) AddIn(l *simnet.Loop, h simnet.Handler[[]byte]) simnet.ListenerID {
	return e.flow(e.Emitter.AddIn(l, h))
}

// Remove removes the listener with id, as the function On returns does.
func (e *DataEvent) Remove(id simnet.ListenerID) { e.off(id) }

// On and Once build their off function themselves and stay small enough
// to inline: a caller that drops it then allocates nothing, where the
// function built inside a call that returned it cost every GET an
// allocation.
func (e *DataEvent) offFunc(id simnet.ListenerID) func() { return func() { e.off(id) } }

func (e *DataEvent) listen(fn func([]byte)) simnet.ListenerID {
	return e.flow(e.Emitter.Add(simnet.HandlerFunc[[]byte](fn)))
}

func (e *DataEvent) listenOnce(fn func([]byte)) simnet.ListenerID {
	return e.flow(e.Emitter.AddOnce(simnet.HandlerFunc[[]byte](fn)))
}

// flow starts the body's flow for the listener id, unless the message was
// paused explicitly.
func (e *DataEvent) flow(id simnet.ListenerID) simnet.ListenerID {
	m := e.m
	m.r.dataListening = true
	if m.r.flowing != flowPaused {
		m.Resume()
	}
	return id
}

func (e *DataEvent) off(id simnet.ListenerID) {
	e.Emitter.Remove(id)
	if e.ListenerCount() == 0 {
		e.m.r.dataListening = false
	}
}

// IncomingMessage is Node's http.IncomingMessage: the head of a request or
// response and its body as a readable stream.
type IncomingMessage struct {
	Events IncomingEvents

	RawHeaders  []string // name, value, name, value... as received
	RawTrailers []string // as RawHeaders, set once the message is complete

	HTTPVersion      string // "1.1"
	HTTPVersionMajor int
	HTTPVersionMinor int

	Method string // requests only
	URL    string // requests only

	StatusCode    int    // responses only
	StatusMessage string // responses only

	Complete bool // the whole message was received
	Aborted  bool // the message was destroyed before it was complete
	Upgrade  bool // the message upgrades the connection (Upgrade or CONNECT)

	// Beside the exported flags, these share their word: the message
	// stays in the 512-byte size class (TestRequestObjectsKeepTheirSizeClass).
	joinDuplicateHeaders bool
	consuming            bool // a read was asked for: the body is being consumed
	dumped               bool // the body is thrown away unread

	loop   *simnet.Loop
	socket *simnet.Socket
	id     int // trace id; 0 until register

	// headerCount is how many RawHeaders entries make Headers (Node's
	// kHeadersCount): maxHeadersCount may keep fewer than were received.
	headerCount int
	// headers and trailers are built from the raw lists on first read, as
	// Node's getters do since v15: most messages are never asked.
	headers, trailers *Headers

	// owner is the server connection reading a request; nil for a
	// response, whose socket is resumed and paused directly. Being a
	// request or a response is told by it too, not by a field more.
	owner *serverConn

	r readState
}

// The message's nextTick steps, as functions of the message for
// NextTickWith: a method value per tick would allocate.
func incomingResumeNT(m any)        { m.(*IncomingMessage).resumeNT() }
func incomingDestroyDone(m any)     { m.(*IncomingMessage).destroyDone(nil) }
func incomingEmitClose(m any)       { m.(*IncomingMessage).emitClose() }
func incomingEmitReadableNT(m any)  { m.(*IncomingMessage).emitReadableNT() }
func incomingMaybeReadMoreNT(m any) { m.(*IncomingMessage).maybeReadMoreNT() }
func incomingEndReadableNT(m any)   { m.(*IncomingMessage).endReadableNT() }

// flowing is Node's readableFlowing: null until a consumer shows up.
type flowing int8

const (
	flowNull flowing = iota
	flowPaused
	flowFlowing
)

// incomingHighWaterMark is every IncomingMessage's readableHighWaterMark.
// Node gives a message its socket's readableHighWaterMark, and the sockets
// servers and agents make here all have the default, so no message keeps
// its own; only a socket a CreateConnection hook made with
// SocketOptions.HighWaterMark would differ from Node.
const incomingHighWaterMark = simnet.DefaultHighWaterMark

// readState is the part of Node's ReadableState an IncomingMessage uses.
type readState struct {
	buf    [][]byte
	length int

	flowing         flowing
	paused          bool // pause() was called and not undone
	dataListening   bool
	ended           bool // the last chunk was pushed
	endEmitted      bool
	endQueued       bool // an endReadableNT tick is queued (see endReadable)
	reading         bool // a read was asked of the source and not answered yet
	sync            bool // inside a read call, where events must wait a tick
	needReadable    bool
	emittedReadable bool
	resumeScheduled bool
	readingMore     bool

	destroyed    bool
	closed       bool
	closeEmitted bool
	errorEmitted bool
	errored      error
}

// shift drops the first buffered chunk. A buffer it empties keeps its
// array for the next push: a body read as it arrives would otherwise
// allocate one per chunk.
func (r *readState) shift() {
	r.buf[0] = nil
	if len(r.buf) == 1 {
		r.buf = r.buf[:0]
	} else {
		r.buf = r.buf[1:]
	}
}

func (m *IncomingMessage) readStart() {
	if m.owner != nil {
		m.owner.readStart()
		return
	}
	if m.socket != nil && !m.socket.Destroyed() {
		m.socket.Resume()
	}
}

func (m *IncomingMessage) readStop() {
	if m.owner != nil {
		m.owner.readStop()
		return
	}
	if m.socket != nil {
		m.socket.Pause()
	}
}

// newIncomingMessage makes the response for a head read from socket.
func newIncomingMessage(loop *simnet.Loop, socket *simnet.Socket) *IncomingMessage {
	m := simnet.Alloc[IncomingMessage](loop)
	m.init(loop, socket, nil)
	return m
}

// init readies a zero message, for owners that allocate it together with
// what it is born with; owner is the server connection reading a
// request, nil for a response.
func (m *IncomingMessage) init(loop *simnet.Loop, socket *simnet.Socket, owner *serverConn) {
	m.loop, m.socket, m.owner = loop, socket, owner
	m.Events.Data.m = m
	// Node's IncomingMessage starts with readingMore set, so nothing is
	// read ahead until a consumer asks.
	m.r.readingMore = true
	m.r.sync = true
}

// setHead fills in the start line and headers, keeping what Node's parser
// binding and IncomingMessage keep for an entry limit (0 means all): the
// raw headers the binding hands over, of which the first limit entries
// count towards Headers, as maxHeadersCount wants.
func (m *IncomingMessage) setHead(h *MessageHead, limit int) {
	m.HTTPVersionMajor, m.HTTPVersionMinor = h.VersionMajor, h.VersionMinor
	m.HTTPVersion = httpVersion(h.VersionMajor, h.VersionMinor)
	m.Method, m.URL = h.Method, h.URL
	m.StatusCode, m.StatusMessage = h.StatusCode, h.StatusMessage
	m.Upgrade = h.Upgrade
	raw := keptHeaderEntries(h.RawHeaders, limit)
	n := len(raw)
	if limit > 0 {
		n = min(n, limit)
	}
	m.RawHeaders, m.headerCount, m.headers = raw, n, nil
}

// Headers is message.headers: the first entries of RawHeaders that
// maxHeadersCount keeps, lower-cased with Node's rules for duplicates.
func (m *IncomingMessage) Headers() Headers {
	if m.headers == nil {
		m.headers = m.buildHeaders(m.RawHeaders[:min(m.headerCount, len(m.RawHeaders))])
	}
	return *m.headers
}

// Trailers is message.trailers: RawTrailers as Headers, empty until the
// message is complete.
func (m *IncomingMessage) Trailers() Headers {
	if m.trailers == nil {
		m.trailers = m.buildHeaders(m.RawTrailers)
	}
	return *m.trailers
}

func (m *IncomingMessage) buildHeaders(raw []string) *Headers {
	if m.joinDuplicateHeaders {
		raw = joinDuplicates(raw)
	}
	h := BuildHeaders(raw)
	return &h
}

// header is Headers().Get(name) for a lower-case ASCII name without
// building Headers when the field appears at most once, which is all the
// server and the agent ask of nearly every message.
func (m *IncomingMessage) header(name string) (string, bool) {
	if m.headers != nil {
		return m.headers.Get(name)
	}
	raw := m.RawHeaders[:min(m.headerCount, len(m.RawHeaders))]
	at := -1
	for i := 0; i+1 < len(raw); i += 2 {
		if len(raw[i]) != len(name) || !asciiEqualFold(raw[i], name) {
			continue
		}
		if at >= 0 {
			return m.Headers().Get(name)
		}
		at = i
	}
	if at < 0 {
		return "", false
	}
	return raw[at+1], true
}

// hostAndExpect is whether header("host") finds one and header("expect"),
// in one pass over the fields, which is all the server asks of nearly
// every HTTP/1.1 request.
func (m *IncomingMessage) hostAndExpect() (host bool, expect string, hasExpect bool) {
	if m.headers != nil {
		_, host = m.headers.Get("host")
		expect, hasExpect = m.headers.Get("expect")
		return host, expect, hasExpect
	}
	raw := m.RawHeaders[:min(m.headerCount, len(m.RawHeaders))]
	at, n := -1, 0
	for i := 0; i+1 < len(raw); i += 2 {
		switch len(raw[i]) {
		case len("host"):
			host = host || asciiEqualFold(raw[i], "host")
		case len("expect"):
			if asciiEqualFold(raw[i], "expect") {
				at, n = i, n+1
			}
		}
	}
	switch {
	case n > 1:
		expect, hasExpect = m.Headers().Get("expect")
	case at >= 0:
		expect, hasExpect = raw[at+1], true
	}
	return host, expect, hasExpect
}

// joinDuplicates merges repeated fields into their first line, values
// joined with ", ", which is what joinDuplicateHeaders makes of the fields
// Node would otherwise keep only once. Cookie and Set-Cookie keep their own
// rules ("; " and a list), so they are left alone.
func joinDuplicates(raw []string) []string {
	out := make([]string, 0, len(raw))
	first := make(map[string]int, len(raw)/2)
	for i := 0; i+1 < len(raw); i += 2 {
		key := strings.ToLower(raw[i])
		if key == "cookie" || key == "set-cookie" {
			out = append(out, raw[i], raw[i+1])
			continue
		}
		if at, ok := first[key]; ok {
			out[at+1] += ", " + raw[i+1]
			continue
		}
		first[key] = len(out)
		out = append(out, raw[i], raw[i+1])
	}
	return out
}

// httpVersion is message.httpVersion, "major.minor", without a new string
// for the versions nearly every message has.
func httpVersion(major, minor int) string {
	switch {
	case major == 1 && minor == 1:
		return "1.1"
	case major == 1 && minor == 0:
		return "1.0"
	}
	return itoa(major) + "." + itoa(minor)
}

func itoa(n int) string {
	if n >= 0 && n < 10 {
		return string(rune('0' + n))
	}
	return formatJSNumber(float64(n))
}

// obj is the message's trace kind.
func (m *IncomingMessage) obj() string {
	if m.owner != nil {
		return "sreq"
	}
	return "res"
}

// register gives the message its trace id, at the moment Node's tracer
// first sees it.
func (m *IncomingMessage) register() {
	if m.id == 0 {
		m.id = m.loop.Events().NewID(m.obj())
	}
}

// trace records one of the message's events. It is small enough to inline,
// so that while nobody observes, which is most of the time, the event is
// neither built nor copied.
func (m *IncomingMessage) trace(ev simnet.Event) {
	if m.id != 0 && m.loop.Events().Active() {
		m.emitTrace(ev)
	}
}

func (m *IncomingMessage) emitTrace(ev simnet.Event) {
	ev.Obj, ev.ID = m.obj(), m.id
	m.loop.Events().Emit(ev)
}

// pushBody hands a span of body bytes to the stream (Node's parserOnBody):
// kept unless the body is being dumped, and the socket paused when the
// stream is full.
func (m *IncomingMessage) pushBody(b []byte) {
	if m.dumped || len(b) == 0 {
		return
	}
	// make and copy, not append to nil: append's growslice is the longer
	// way to the same fresh chunk.
	chunk := make([]byte, len(b))
	copy(chunk, b)
	if !m.push(chunk) {
		m.readStop()
	}
}

// finishMessage marks the message complete, stores its trailers and ends
// the body stream (Node's parserOnMessageComplete).
func (m *IncomingMessage) finishMessage(rawTrailers []string) {
	m.Complete = true
	if len(rawTrailers) > 0 {
		// Trailers read before now were empty; Node adds these to them.
		m.RawTrailers, m.trailers = rawTrailers, nil
	}
	m.push(nil)
}

// dump throws the body away unread (Node's _dump).
func (m *IncomingMessage) dump() {
	if m.dumped {
		return
	}
	m.dumped = true
	m.Events.Data.RemoveAll()
	m.Resume()
}

// Socket is message.socket.
func (m *IncomingMessage) Socket() *simnet.Socket { return m.socket }

// SetTimeout is message.setTimeout(d, cb): the socket's idle timeout, with
// cb listening for the message's 'timeout'.
func (m *IncomingMessage) SetTimeout(d time.Duration, cb func()) {
	if cb != nil {
		m.Events.Timeout().On(func(struct{}) { cb() })
	}
	if m.socket != nil {
		m.socket.SetTimeout(d)
	}
}

// Pause is readable.pause(): no more 'data' until Resume.
func (m *IncomingMessage) Pause() {
	if m.r.flowing != flowPaused {
		m.r.flowing = flowPaused
	}
	m.r.paused = true
}

// Resume is readable.resume(): the body flows, from the next tick on.
func (m *IncomingMessage) Resume() {
	r := &m.r
	if r.flowing != flowFlowing {
		r.flowing = flowFlowing
		if !r.resumeScheduled {
			r.resumeScheduled = true
			m.loop.NextTickWith(incomingResumeNT, m)
		}
	}
	r.paused = false
}

// IsPaused is readable.isPaused().
func (m *IncomingMessage) IsPaused() bool { return m.r.paused }

// ReadableEnded is readable.readableEnded: 'end' was emitted.
func (m *IncomingMessage) ReadableEnded() bool { return m.r.endEmitted }

// Destroyed is message.destroyed.
func (m *IncomingMessage) Destroyed() bool { return m.r.destroyed }

// Destroy is message.destroy(err): 'aborted' at once when the message was not
// complete (and its socket destroyed), then 'error' (only if someone listens)
// and 'close' a few ticks later, as Node orders them.
func (m *IncomingMessage) Destroy(err error) {
	r := &m.r
	if r.destroyed {
		return
	}
	if err != nil && r.errored == nil {
		r.errored = err
	}
	r.destroyed = true
	if !r.endEmitted || !m.Complete {
		m.Aborted = true
		m.trace(simnet.Event{Name: "aborted"})
		if r := m.Events.rare.ifMade(); r != nil {
			r.aborted.Emit(struct{}{})
		}
	}
	if m.socket != nil && !m.socket.Destroyed() && m.Aborted {
		m.socket.Destroy(err)
		if m.owner != nil {
			m.owner.socketDestroyed()
		}
		// Node waits for stream.finished(socket), which reports a socket
		// already closed on the next tick, then reports on the tick after.
		m.loop.NextTick(func() { m.loop.NextTick(func() { m.destroyDone(err) }) })
		return
	}
	if err == nil {
		m.loop.NextTickWith(incomingDestroyDone, m)
		return
	}
	m.loop.NextTick(func() { m.destroyDone(err) })
}

// destroyDone ends a destroy: the error is passed on only when someone
// listens for it, to keep Node's backward-compatible behaviour.
func (m *IncomingMessage) destroyDone(err error) {
	if m.Events.Error.ListenerCount() == 0 {
		err = nil
	}
	r := &m.r
	if err != nil && r.errored == nil {
		r.errored = err
	}
	r.closed = true
	if err != nil {
		m.loop.NextTick(func() {
			m.emitError(err)
			m.emitClose()
		})
		return
	}
	m.loop.NextTickWith(incomingEmitClose, m)
}

func (m *IncomingMessage) emitError(err error) {
	r := &m.r
	if r.errorEmitted {
		return
	}
	r.errorEmitted = true
	m.trace(simnet.Event{Name: "error", Code: simnet.CodeOf(err), Message: err.Error()})
	if !m.Events.Error.Emit(err) {
		panic(err)
	}
}

func (m *IncomingMessage) emitClose() {
	m.r.closeEmitted = true
	m.trace(simnet.Event{Name: "close"})
	m.Events.Close.Emit(struct{}{})
}

func (m *IncomingMessage) emitData(p []byte) {
	m.trace(simnet.Event{Name: "data", Bytes: len(p)})
	m.Events.Data.Emit(p)
}

// push is readable.push(chunk); a nil chunk ends the stream. It reports
// whether more may be pushed before the buffer is full.
func (m *IncomingMessage) push(chunk []byte) bool {
	r := &m.r
	if chunk == nil {
		r.reading = false
		m.onEOF()
		return false
	}
	if r.ended || r.destroyed || r.errored != nil {
		return false
	}
	r.reading = false
	if r.flowing == flowFlowing && !r.sync && r.dataListening && r.length == 0 {
		m.emitData(chunk)
	} else {
		r.length += len(chunk)
		r.buf = append(r.buf, chunk)
		if r.needReadable {
			m.emitReadable()
		}
	}
	m.maybeReadMore()
	return !r.ended && (r.length < incomingHighWaterMark || r.length == 0)
}

func (m *IncomingMessage) onEOF() {
	r := &m.r
	if r.ended {
		return
	}
	r.ended = true
	if r.sync {
		m.emitReadable()
		return
	}
	r.needReadable = false
	r.emittedReadable = true
	m.emitReadableNT()
}

func (m *IncomingMessage) emitReadable() {
	r := &m.r
	r.needReadable = false
	if !r.emittedReadable {
		r.emittedReadable = true
		m.loop.NextTickWith(incomingEmitReadableNT, m)
	}
}

// emitReadableNT is where Node emits 'readable' (which nobody here listens
// for) and lets a flowing stream flow.
func (m *IncomingMessage) emitReadableNT() {
	r := &m.r
	if !r.destroyed && r.errored == nil && (r.length > 0 || r.ended) {
		r.emittedReadable = false
	}
	if r.flowing != flowFlowing && !r.ended && r.length <= incomingHighWaterMark {
		r.needReadable = true
	}
	m.flow()
}

func (m *IncomingMessage) flow() {
	for m.r.flowing == flowFlowing && m.read(-1) != nil {
	}
}

func (m *IncomingMessage) maybeReadMore() {
	if !m.r.readingMore {
		m.r.readingMore = true
		m.loop.NextTickWith(incomingMaybeReadMoreNT, m)
	}
}

func (m *IncomingMessage) maybeReadMoreNT() {
	r := &m.r
	for !r.reading && !r.ended && (r.length < incomingHighWaterMark || (r.flowing == flowFlowing && r.length == 0)) {
		n := r.length
		m.read(0)
		if n == r.length {
			break
		}
	}
	r.readingMore = false
}

func (m *IncomingMessage) resumeNT() {
	r := &m.r
	if r.ended && r.length == 0 {
		// Every read below is read's ended-and-empty case, which changes
		// neither reading nor flowing: endReadable from each, and a
		// cleared emittedReadable from flow's read(). A body-less request
		// is resumed this way on every exchange.
		r.resumeScheduled = false
		if r.flowing == flowFlowing {
			r.emittedReadable = false
		}
		if !r.reading || r.flowing == flowFlowing {
			m.endReadable()
		}
		return
	}
	if !r.reading {
		m.read(0)
	}
	r.resumeScheduled = false
	m.flow()
	if r.flowing == flowFlowing && !r.reading {
		m.read(0)
	}
}

// read is readable.read(n), with n < 0 standing for read() without a size.
// Once the stream ended with nothing buffered, Node's read comes, whatever
// n, to endReadable and returns null; a message is read several more times
// after that (resume, flow, the 'end' tick), so that case is answered before
// readBuffered's larger frame is set up.
func (m *IncomingMessage) read(n int) []byte {
	if r := &m.r; r.ended && r.length == 0 {
		if n != 0 {
			r.emittedReadable = false
		}
		m.endReadable()
		return nil
	}
	return m.readBuffered(n)
}

// readBuffered is read of a stream that has not both ended and emptied.
func (m *IncomingMessage) readBuffered(n int) []byte {
	r := &m.r
	nOrig := n
	if n != 0 {
		r.emittedReadable = false
	}
	if n == 0 && r.needReadable && (r.length >= incomingHighWaterMark || r.ended) {
		if r.length == 0 && r.ended {
			m.endReadable()
		} else {
			m.emitReadable()
		}
		return nil
	}
	n = m.howMuchToRead(n)
	if n == 0 && r.ended {
		if r.length == 0 {
			m.endReadable()
		}
		return nil
	}
	doRead := r.needReadable
	if r.length == 0 || r.length-n < incomingHighWaterMark {
		doRead = true
	}
	if r.reading || r.ended || r.destroyed || r.errored != nil {
		doRead = false
	} else if doRead {
		r.reading, r.sync = true, true
		if r.length == 0 {
			r.needReadable = true
		}
		m.readSource()
		r.sync = false
		if !r.reading {
			n = m.howMuchToRead(nOrig)
		}
	}
	var ret []byte
	if n > 0 {
		ret = m.fromList(n)
		r.length -= n
	} else {
		if r.length <= incomingHighWaterMark {
			r.needReadable = true
		}
		n = 0
	}
	if r.length == 0 {
		if !r.ended {
			r.needReadable = true
		}
		if nOrig != n && r.ended {
			m.endReadable()
		}
	}
	if ret != nil && !r.errorEmitted && !r.closeEmitted {
		m.emitData(ret)
	}
	return ret
}

func (m *IncomingMessage) howMuchToRead(n int) int {
	r := &m.r
	if n == 0 || (r.length == 0 && r.ended) {
		return 0
	}
	if n < 0 {
		if r.flowing == flowFlowing && r.length > 0 {
			return len(r.buf[0])
		}
		return r.length
	}
	if n <= r.length {
		return n
	}
	if r.ended {
		return r.length
	}
	return 0
}

// fromList takes n buffered bytes, whole chunks when it can.
func (m *IncomingMessage) fromList(n int) []byte {
	r := &m.r
	if n == len(r.buf[0]) {
		p := r.buf[0]
		r.shift()
		return p
	}
	out := make([]byte, 0, n)
	for len(out) < n {
		p := r.buf[0]
		take := min(n-len(out), len(p))
		out = append(out, p[:take]...)
		if take == len(p) {
			r.shift()
		} else {
			r.buf[0] = p[take:]
		}
	}
	return out
}

// readSource is IncomingMessage._read: the body is pushed by the parser, so
// all a read does is let the socket flow again.
func (m *IncomingMessage) readSource() {
	if !m.consuming {
		m.r.readingMore = false
		m.consuming = true
	}
	if m.socket != nil && !m.socket.Destroyed() && !m.socket.ReadableEnded() {
		m.readStart()
	}
}

// endReadable queues endReadableNT, as Node does from every read once the
// stream ended, but only the first time: it is called only once ended with
// nothing buffered, and nothing can be buffered after the end (push refuses
// and there is no unshift), so the first tick finds the same state any later
// one would, and what stops it (error, 'close', 'end' emitted) stops them
// all. The later ticks Node queues are no-ops, and skipping them moves
// nothing the trace shows.
func (m *IncomingMessage) endReadable() {
	if r := &m.r; !r.endEmitted && !r.endQueued {
		m.queueEndReadable()
	}
}

// queueEndReadable is endReadable's first call, kept out of line so that
// the later ones inline to their test.
func (m *IncomingMessage) queueEndReadable() {
	m.r.ended, m.r.endQueued = true, true
	m.loop.NextTickWith(incomingEndReadableNT, m)
}

func (m *IncomingMessage) endReadableNT() {
	r := &m.r
	if r.errored != nil || r.closeEmitted || r.endEmitted || r.length != 0 {
		return
	}
	r.endEmitted = true
	m.trace(simnet.Event{Name: "end"})
	m.Events.End.Emit(struct{}{})
	m.Destroy(nil)
}

// headerEntryLimit is how many rawHeaders entries a maxHeadersCount keeps:
// twice the count; Node's 2000 entries when it is unset (0); all when it is
// negative.
func headerEntryLimit(maxHeadersCount int) int {
	switch {
	case maxHeadersCount > 0:
		return maxHeadersCount << 1
	case maxHeadersCount == 0:
		return defaultMaxHeaderPairsKept
	}
	return 0
}

// keptHeaderEntries is the part of raw that Node's parser binding hands to
// JavaScript: heads of 32 or more fields arrive in batches of 31, and a
// batch is dropped once limit entries were kept (limit <= 0: no limit).
func keptHeaderEntries(raw []string, limit int) []string {
	const batch = 31 * 2
	if len(raw) < 32*2 || limit <= 0 {
		return raw
	}
	kept := 0
	for kept < len(raw) && kept < limit {
		kept = min(kept+batch, len(raw))
	}
	return raw[:kept]
}
