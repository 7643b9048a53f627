package httpcore

// OutgoingMessage is the half of an HTTP exchange that this side writes: the
// ServerResponse on a server, the ClientRequest on a client. Both embed it.
//
// The type that embeds it sets kind after init to itself (outgoingKind);
// besides:
//
//   - agent: set when the message goes through an Agent, so that a keep-alive
//     "Connection" header is sent even without a known length.
//
// State the embedding type drives: shouldKeepAlive, useChunkedEncodingByDefault,
// hasBody, keepAliveTimeout and maxRequestsPerSocket (the server's
// "Keep-Alive: timeout=N, max=M" hint), maxRequestsOnConnectionReached;
// the headers sent once come from the embedding type (outgoingKind.unique).
// attach(socket) makes the socket the message's own (Node's
// socket._httpMessage = msg) and flushes what was buffered; detach() undoes
// it. storeHeader renders the head; send and writeRaw put bytes on the wire
// or in the buffer. The message traces its 'finish', 'drain', 'close' and
// 'error' as its kind's traceObj once register() gave it an id.

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/simhttp/simhttp/simnet"
)

// OutgoingEvents are the events an OutgoingMessage emits.
type OutgoingEvents struct {
	Finish simnet.Emitter[struct{}] // the last byte was written to the socket
	Close  simnet.Emitter[struct{}]
	Error  simnet.Emitter[error]

	rare rareEvents[rareOutgoingEvents]
}

type rareOutgoingEvents struct {
	socket                    simnet.Emitter[*simnet.Socket]
	drain, prefinish, timeout simnet.Emitter[struct{}]
}

// Socket is emitted when a socket is assigned. A server assigns it before
// handing the response out, so only a response waiting behind a pipelined
// one can be heard getting it.
func (e *OutgoingEvents) Socket() *simnet.Emitter[*simnet.Socket] { return &e.rare.get().socket }

// Drain is emitted when the buffer emptied after Write returned false.
func (e *OutgoingEvents) Drain() *simnet.Emitter[struct{}] { return &e.rare.get().drain }

// Prefinish is emitted once every byte was handed to the socket.
func (e *OutgoingEvents) Prefinish() *simnet.Emitter[struct{}] { return &e.rare.get().prefinish }

// Timeout is the socket's 'timeout' while the message owns it.
func (e *OutgoingEvents) Timeout() *simnet.Emitter[struct{}] { return &e.rare.get().timeout }

// emitTimeout emits 'timeout' and reports whether anyone listened.
func (e *OutgoingEvents) emitTimeout() bool {
	r := e.rare.ifMade()
	return r != nil && r.timeout.Emit(struct{}{})
}

// field is one header to render: its name as given and its value (a
// string, a number or a []string).
type field struct {
	name  string
	value any
}

// OutgoingMessage is Node's http.OutgoingMessage: outgoing headers, the head
// rendered on first write, chunked or fixed-length framing, trailers, and the
// 'drain', 'prefinish', 'finish' and 'close' events.
type OutgoingMessage struct {
	Events OutgoingEvents

	loop *simnet.Loop
	id   int // trace id; 0 until register, and then events are traced

	fields []headerEntry // the header store, in the order names were first set
	header []byte        // Node's _header: the rendered head, nil until stored
	// heads, when set, is what the message's owner (the server, or the
	// request's agent) lends for rendering the head.
	heads      *headLender
	outputData []outChunk // bytes waiting for the socket to become the message's own
	outputSize int
	// outputFirst backs outputData until a second chunk waits: a request
	// ended before it has a socket waits with one. It is not reused while
	// flushOutput walks it.
	outputFirst [1]outChunk

	socket *simnet.Socket
	// ends holds what few messages have, a trailer and the error they
	// were destroyed with; nil until one is set.
	ends *outgoingEnds

	bytesWritten int64
	// contentLength is Number(value) as Node converts it, NaN included.
	// Rendering may set it, but it stays out of headRegs, whose equality
	// would otherwise be a float's, compared field by field.
	contentLength float64
	highWaterMark int
	headRegs

	kind outgoingKind // the ClientRequest or ServerResponse embedding the message

	sockCorks int32 // corks this message holds on its socket
	corked    int32 // corks taken while there was no socket

	// SendDate adds a Date header when none is set (true for responses).
	SendDate bool
	// StrictContentLength makes writes that disagree with a set
	// Content-Length fail with ERR_HTTP_CONTENT_LENGTH_MISMATCH.
	StrictContentLength bool

	// The flags are kept together, with headRegs', where they fill what
	// would be the padding of several: a server exchange is allocated per
	// request (TestExchangeSlabKeepsItsSizeClass).
	headerSent bool // the head has been handed to send
	flushing   bool
	attached   bool // Node's socket._httpMessage === this
	finished   bool // end() was called
	closed     bool
	needDrain  bool
}

// headRegs is what rendering a head reads of its message besides its
// headers, its first line, SendDate and contentLength, and everything
// rendering changes but the head, headerSent and contentLength: one block of plain
// memory, which a rendered head's memo compares and restores at once
// (renderedHead).
type headRegs struct {
	keepAliveTimeout     time.Duration
	maxRequestsPerSocket int

	last                           bool
	chunkedEncoding                bool
	shouldKeepAlive                bool
	maxRequestsOnConnectionReached bool
	defaultKeepAlive               bool
	useChunkedEncodingByDefault    bool
	removedConnection              bool
	removedContLen                 bool
	removedTE                      bool
	hasBody                        bool
	agent                          bool
	hasContentLen                  bool // Node's _contentLength != null

	// Flags rendering neither reads nor changes, here where they fill
	// what would be padding; a memo that compares and restores them
	// finds them as they were. A response's own three sit here rather
	// than in ServerResponse, whose own fields would otherwise end in
	// padding.
	destroyed                   bool
	rejectNonStandardBodyWrites bool
	expectContinue              bool // the request asked for 100-continue
	sent100                     bool
}

// outgoingEnds is the trailer and the error of the few messages that
// have them.
type outgoingEnds struct {
	trailer string
	errored error
}

func (m *OutgoingMessage) takeEnds() *outgoingEnds {
	if m.ends == nil {
		m.ends = &outgoingEnds{}
	}
	return m.ends
}

// trailer is the trailer block AddTrailers rendered, if any.
func (m *OutgoingMessage) trailer() string {
	if m.ends == nil {
		return ""
	}
	return m.ends.trailer
}

// outgoingKind is what the type embedding an OutgoingMessage adds to it.
// It is an interface rather than function fields so that a message costs no
// closures.
type outgoingKind interface {
	// implicitHeader is Node's _implicitHeader, called when a body write or
	// end() needs the head and none was stored yet; it must call
	// storeHeader(line, source, own), with line what its first line is
	// rendered from and own set to render the message's own header store
	// (ServerResponse: writeHead with its status; ClientRequest:
	// "METHOD path HTTP/1.1\r\n" and its headers).
	implicitHeader() error
	// pendingData is told how many bytes were buffered (or released, when
	// negative) while the message had no socket of its own; the server uses
	// it for per-connection backpressure.
	pendingData(delta int)
	// hadError reports socket._hadError (client only): 'finish' is then
	// suppressed, as Node's onFinish does.
	hadError() bool
	// traceObj is the kind the trace names the message by: "req" or "sres".
	traceObj() string
	// unique is the lower-cased names of the headers sent once, their
	// values joined (the uniqueHeaders option); nil for none.
	unique() map[string]bool
}

type headerEntry struct {
	key   string // lower-cased name
	name  string // the name as first given
	value any
}

type outChunk struct {
	data []byte
	cb   simnet.Handler[error]
}

// writeCallback is a write's callback as the socket takes it; nil stays nil.
func writeCallback(cb func(error)) simnet.Handler[error] {
	if cb == nil {
		return nil
	}
	return simnet.HandlerFunc[error](cb)
}

// outgoingFinish is the callback of the write End makes last (Node's
// onFinish): a Handler, so that ending a message costs no closure.
type outgoingFinish OutgoingMessage

func (f *outgoingFinish) Handle(error) {
	if m := (*OutgoingMessage)(f); !m.kind.hadError() {
		m.emitFinish()
	}
}

// init sets the defaults of Node's OutgoingMessage constructor.
func (m *OutgoingMessage) init(loop *simnet.Loop, highWaterMark int) {
	m.loop = loop
	m.shouldKeepAlive = true
	m.defaultKeepAlive = true
	m.useChunkedEncodingByDefault = true
	m.hasBody = true
	if highWaterMark <= 0 {
		highWaterMark = simnet.DefaultHighWaterMark
	}
	m.highWaterMark = highWaterMark
}

// register gives the message its trace id, at the moment Node's tracer
// first sees it.
func (m *OutgoingMessage) register() {
	if m.id == 0 {
		m.id = m.loop.Events().NewID(m.kind.traceObj())
	}
}

func (m *OutgoingMessage) trace(name string, err error) {
	// Nobody observing, the event is not even built: its fields and the
	// traceObj call were most of what a message's trace cost. The test
	// inlines, as IncomingMessage's does, and the event is built in a
	// frame of its own.
	if m.id != 0 && m.loop.Events().Active() {
		m.emitTrace(name, err)
	}
}

func (m *OutgoingMessage) emitTrace(name string, err error) {
	ev := simnet.Event{Obj: m.kind.traceObj(), ID: m.id, Name: name}
	if err != nil {
		ev.Code, ev.Message = simnet.CodeOf(err), err.Error()
	}
	m.loop.Events().Emit(ev)
}

// emitPrefinish is Node's _finish, run once every byte was handed to the
// socket.
func (m *OutgoingMessage) emitPrefinish() {
	if r := m.Events.rare.ifMade(); r != nil {
		r.prefinish.Emit(struct{}{})
	}
}

func (m *OutgoingMessage) emitFinish() {
	m.trace("finish", nil)
	m.Events.Finish.Emit(struct{}{})
}

func (m *OutgoingMessage) emitDrain() {
	m.trace("drain", nil)
	if r := m.Events.rare.ifMade(); r != nil {
		r.drain.Emit(struct{}{})
	}
}

// emitClose is Node's emitCloseNT: 'close' once, marking the message destroyed.
func (m *OutgoingMessage) emitClose() {
	if m.closed {
		return
	}
	m.destroyed, m.closed = true, true
	m.trace("close", nil)
	m.Events.Close.Emit(struct{}{})
}

// emitError emits 'error'; with no listener it panics, which the loop
// reports as an uncaught exception, as an unhandled 'error' ends a Node process.
func (m *OutgoingMessage) emitError(err error) {
	m.trace("error", err)
	if !m.Events.Error.Emit(err) {
		panic(err)
	}
}

// SetHeader is outgoingMessage.setHeader(name, value): value is a string, a
// number or a []string, and GetHeader returns it as given.
func (m *OutgoingMessage) SetHeader(name string, value any) error {
	return m.setHeaderKey(name, lowerName(name), value)
}

// setHeaderKey is SetHeader of a name whose lower-case key the caller
// has: a ClientRequest's Host, whose lowering every request repeated.
func (m *OutgoingMessage) setHeaderKey(name, key string, value any) error {
	if m.header != nil {
		return errHeadersSent("set")
	}
	if err := validateOutgoingHeader(name, value); err != nil {
		return err
	}
	if i := m.find(key); i >= 0 {
		m.fields[i] = headerEntry{key: key, name: name, value: value}
		return nil
	}
	m.fields = append(m.fields, headerEntry{key: key, name: name, value: value})
	return nil
}

// AppendHeader is outgoingMessage.appendHeader(name, value): it adds values
// to a header already set, turning it into a list.
func (m *OutgoingMessage) AppendHeader(name string, value any) error {
	if m.header != nil {
		return errHeadersSent("append")
	}
	if err := validateOutgoingHeader(name, value); err != nil {
		return err
	}
	i := m.find(strings.ToLower(name))
	if i < 0 {
		return m.SetHeader(name, value)
	}
	e := &m.fields[i]
	list, ok := e.value.([]string)
	if !ok {
		list = []string{headerValueString(e.value)}
	} else {
		list = slices.Clone(list)
	}
	if more, ok := value.([]string); ok {
		list = append(list, more...)
	} else {
		list = append(list, headerValueString(value))
	}
	e.value = list
	return nil
}

func (m *OutgoingMessage) find(key string) int {
	for i := range m.fields {
		if m.fields[i].key == key {
			return i
		}
	}
	return -1
}

// GetHeader is outgoingMessage.getHeader(name): the value as set, or nil.
func (m *OutgoingMessage) GetHeader(name string) any {
	if i := m.find(strings.ToLower(name)); i >= 0 {
		return m.fields[i].value
	}
	return nil
}

// GetHeaders is outgoingMessage.getHeaders(): lower-cased names to values.
func (m *OutgoingMessage) GetHeaders() map[string]any {
	out := make(map[string]any, len(m.fields))
	for _, e := range m.fields {
		out[e.key] = e.value
	}
	return out
}

// GetHeaderList is GetHeaders in the order the names were first set, as
// Node's object keys iterate, each value in its string form.
func (m *OutgoingMessage) GetHeaderList() []HeaderField {
	out := make([]HeaderField, len(m.fields))
	for i, e := range m.fields {
		values, ok := e.value.([]string)
		if !ok {
			values = []string{headerValueString(e.value)}
		}
		out[i] = HeaderField{Name: e.key, Values: values}
	}
	return out
}

// GetHeaderNames is outgoingMessage.getHeaderNames(): lower-cased, in order.
func (m *OutgoingMessage) GetHeaderNames() []string {
	out := make([]string, len(m.fields))
	for i, e := range m.fields {
		out[i] = e.key
	}
	return out
}

// GetRawHeaderNames is outgoingMessage.getRawHeaderNames(): names as given.
func (m *OutgoingMessage) GetRawHeaderNames() []string {
	out := make([]string, len(m.fields))
	for i, e := range m.fields {
		out[i] = e.name
	}
	return out
}

// HasHeader is outgoingMessage.hasHeader(name).
func (m *OutgoingMessage) HasHeader(name string) bool {
	return m.find(strings.ToLower(name)) >= 0
}

// RemoveHeader is outgoingMessage.removeHeader(name); removing one of the
// framing headers also stops Node from adding it by itself.
func (m *OutgoingMessage) RemoveHeader(name string) error {
	if m.header != nil {
		return errHeadersSent("remove")
	}
	key := strings.ToLower(name)
	switch key {
	case "connection":
		m.removedConnection = true
	case "content-length":
		m.removedContLen = true
	case "transfer-encoding":
		m.removedTE = true
	case "date":
		m.SendDate = false
	}
	if i := m.find(key); i >= 0 {
		m.fields = slices.Delete(m.fields, i, i+1)
	}
	return nil
}

// HeadersSent is outgoingMessage.headersSent: the head has been rendered and
// can no longer change.
func (m *OutgoingMessage) HeadersSent() bool { return m.header != nil }

// Write is outgoingMessage.write(chunk, cb): it returns false once the data
// buffered reaches the high-water mark ('drain' follows). Writing after End
// does not fail here: cb and 'error' get ERR_STREAM_WRITE_AFTER_END on the
// next tick, as in Node. The error is what Node throws.
func (m *OutgoingMessage) Write(p []byte, cb func(error)) (bool, error) {
	ok, err := m.write(p, cb, false)
	if err != nil {
		return false, err
	}
	if !ok {
		m.needDrain = true
	}
	return ok, nil
}

func (m *OutgoingMessage) write(chunk []byte, cb func(error), fromEnd bool) (bool, error) {
	if cb == nil {
		cb = func(error) {}
	}
	var err error
	switch {
	case m.finished:
		err = errWriteAfterEnd()
	case m.destroyed:
		err = errStreamDestroyed("write")
	}
	if err != nil {
		if !m.destroyed {
			m.onError(err, cb)
		} else {
			m.loop.NextTick(func() { cb(err) })
		}
		return false, nil
	}
	n := int64(len(chunk))
	if m.StrictContentLength {
		if m.strictLength() {
			total := float64(m.bytesWritten + n)
			if (fromEnd && total != m.contentLength) || (!fromEnd && total > m.contentLength) {
				return false, errContentLengthMismatch(m.bytesWritten+n, m.contentLength)
			}
		}
		m.bytesWritten += n
	}
	if m.header == nil {
		if fromEnd {
			m.hasContentLen, m.contentLength = true, float64(n)
		}
		if err := m.kind.implicitHeader(); err != nil {
			return false, err
		}
	}
	if !m.hasBody {
		if m.rejectNonStandardBodyWrites {
			return false, &Error{Code: "ERR_HTTP_BODY_NOT_ALLOWED", Message: "Adding content for this request method or response status is not allowed."}
		}
		m.loop.NextTick(func() { cb(nil) })
		return true, nil
	}
	if !fromEnd && m.socket != nil && m.sockCorks == 0 {
		// Writes of one tick leave in one segment, as Node's
		// connectionCorkNT arranges.
		s := m.socket
		m.corkSocket()
		m.loop.NextTick(func() { m.uncorkSocket(s) })
	}
	if m.chunkedEncoding && n != 0 {
		framed := make([]byte, 0, len(chunk)+20)
		framed = strconv.AppendInt(framed, n, 16)
		framed = append(framed, "\r\n"...)
		framed = append(framed, chunk...)
		framed = append(framed, "\r\n"...)
		return m.send(framed, simnet.HandlerFunc[error](cb)), nil
	}
	return m.send(chunk, simnet.HandlerFunc[error](cb)), nil
}

// strictLength is Node's strictContentLength(msg): whether the declared
// length must match the body.
func (m *OutgoingMessage) strictLength() bool {
	return m.StrictContentLength && m.hasContentLen && m.hasBody && !m.removedContLen &&
		!m.chunkedEncoding && m.find("transfer-encoding") < 0
}

// onError reports a failed write on the next tick: the callback first, then
// 'error', unless the message was destroyed meanwhile.
func (m *OutgoingMessage) onError(err error, cb func(error)) {
	if m.destroyed {
		return
	}
	m.loop.NextTick(func() {
		cb(err)
		if !m.destroyed {
			m.emitError(err)
		}
	})
}

// send is Node's _send: the first body bytes carry the head with them.
func (m *OutgoingMessage) send(data []byte, cb simnet.Handler[error]) bool {
	if m.headerSent || m.header == nil {
		return m.writeRaw(data, cb)
	}
	// Into the head's spare capacity when the data fits: the head is
	// stored once and never appended to again, so its bytes stay.
	data = append(m.header[:len(m.header):cap(m.header)], data...)
	m.headerSent = true
	ok, kept := m.writeOut(data, cb)
	if !kept {
		m.returnHead()
	}
	return ok
}

// maxSpareHead bounds a head buffer kept for the next head, so one message
// with a huge head does not pin its buffer.
const maxSpareHead = 4 << 10

// headBuffer is an empty buffer to render a head into: one of the
// lender's spares when it has one, else one of the spares of the world
// (the first head of each agent and server of a sweep's world).
func (m *OutgoingMessage) headBuffer() []byte {
	if m.heads != nil {
		if b := m.heads.Take(); b != nil {
			return b
		}
	}
	return simnet.AllocSlice[byte](m.loop, 256)[:0]
}

// returnHead hands the head's buffer back to its lender once nothing
// refers to its bytes: the socket copies what it is given. The message
// keeps an empty head, which still says the head was stored.
func (m *OutgoingMessage) returnHead() {
	if m.heads == nil || cap(m.header) > maxSpareHead {
		return
	}
	m.heads.Put(m.header)
	m.header = storedHead
}

// storedHead is the head a message keeps once its buffer went back: empty
// but not nil, as a head was stored. One shared value keeps returnHead
// within the inliner's budget, which slicing the head to nothing did not.
var storedHead = []byte{}

// writeRaw writes to the socket when it is the message's own and writable,
// and buffers otherwise.
func (m *OutgoingMessage) writeRaw(data []byte, cb simnet.Handler[error]) bool {
	ok, _ := m.writeOut(data, cb)
	return ok
}

// writeOut is writeRaw that also reports whether data was kept to be
// written later, which the socket, copying what it is given, never does.
func (m *OutgoingMessage) writeOut(data []byte, cb simnet.Handler[error]) (ok, kept bool) {
	conn := m.socket
	if conn != nil && conn.Destroyed() {
		return false, false
	}
	if conn != nil && m.attached && socketWritable(conn) {
		if len(m.outputData) > 0 {
			m.flushOutput(conn)
		}
		return conn.WriteHandler(data, cb), false
	}
	if m.outputData == nil && !m.flushing {
		m.outputData = m.outputFirst[:0]
	}
	m.outputData = append(m.outputData, outChunk{data: data, cb: cb})
	m.outputSize += len(data)
	m.kind.pendingData(len(data))
	return m.outputSize < m.highWaterMark, true
}

func socketWritable(s *simnet.Socket) bool { return !s.Destroyed() && !s.WritableEnded() }

// attach makes s the message's own socket, emits 'socket' and flushes what
// was buffered (Node's assignSocket and _flush).
func (m *OutgoingMessage) attach(s *simnet.Socket) {
	m.socket, m.attached = s, true
	m.emitSocket(s)
	m.flush()
}

// emitSocket emits 'socket', which reaches only those who asked for it.
func (m *OutgoingMessage) emitSocket(s *simnet.Socket) {
	if r := m.Events.rare.ifMade(); r != nil {
		r.socket.Emit(s)
	}
}

// detach releases the socket (Node's detachSocket), with any cork this
// message still holds on it.
func (m *OutgoingMessage) detach() {
	if m.socket != nil {
		for m.sockCorks > 0 {
			m.uncorkSocket(m.socket)
		}
	}
	m.socket, m.attached = nil, false
}

func (m *OutgoingMessage) corkSocket() {
	m.sockCorks++
	m.socket.Cork()
}

func (m *OutgoingMessage) uncorkSocket(s *simnet.Socket) {
	if m.sockCorks > 0 && m.socket == s {
		m.sockCorks--
		s.Uncork()
	}
}

// flush is Node's _flush: push out what was buffered, then report that the
// message finished, or drained.
func (m *OutgoingMessage) flush() {
	s := m.socket
	if s == nil || !socketWritable(s) {
		return
	}
	ret, wrote := m.flushOutput(s)
	if m.finished {
		m.emitPrefinish()
	} else if wrote && ret && m.needDrain {
		m.needDrain = false
		m.emitDrain()
	}
}

func (m *OutgoingMessage) flushOutput(s *simnet.Socket) (ret, wrote bool) {
	for m.corked > 0 {
		m.corked--
		m.corkSocket()
	}
	if len(m.outputData) == 0 {
		return false, false
	}
	out := m.outputData
	m.outputData = nil
	m.corkSocket()
	was := m.flushing
	m.flushing = true
	for _, c := range out {
		ret = s.WriteHandler(c.data, c.cb)
	}
	m.flushing = was
	zeroAll(out)
	if m.headerSent && len(m.outputData) == 0 {
		// A request ended before it had its socket waited here with its
		// head; the socket has copied it now.
		m.returnHead()
	}
	m.uncorkSocket(s)
	m.kind.pendingData(-m.outputSize)
	m.outputSize = 0
	return ret, true
}

// End is outgoingMessage.end(data, cb): it writes data, the last chunk and
// the trailers, and calls cb on 'finish'. With no data and no head yet, the
// message gets "Content-Length: 0"; with data and no earlier write, the
// length of data. The error is what Node throws.
func (m *OutgoingMessage) End(p []byte, cb func()) error {
	switch {
	case len(p) > 0:
		if m.finished {
			m.onError(errWriteAfterEnd(), func(error) {
				if cb != nil {
					cb()
				}
			})
			return nil
		}
		if m.socket != nil {
			m.corkSocket()
		}
		if _, err := m.write(p, nil, true); err != nil {
			return err
		}
	case m.finished:
		if cb != nil {
			if !m.WritableFinished() {
				m.Events.Finish.Once(func(struct{}) { cb() })
			} else {
				cb()
			}
		}
		return nil
	case m.header == nil:
		if m.socket != nil {
			m.corkSocket()
		}
		m.hasContentLen, m.contentLength = true, 0
		if err := m.kind.implicitHeader(); err != nil {
			return err
		}
	}
	if cb != nil {
		m.Events.Finish.Once(func(struct{}) { cb() })
	}
	if m.strictLength() && float64(m.bytesWritten) != m.contentLength {
		return errContentLengthMismatch(m.bytesWritten, m.contentLength)
	}
	finish := (*outgoingFinish)(m)
	switch {
	case m.hasBody && m.chunkedEncoding:
		m.send([]byte("0\r\n"+m.trailer()+"\r\n"), finish)
	case !m.headerSent || m.WritableLength() > 0 || len(p) > 0:
		m.send(nil, finish)
	default:
		m.loop.NextTick(func() { finish.Handle(nil) })
	}
	if s := m.socket; s != nil {
		for m.sockCorks > 0 {
			m.uncorkSocket(s)
		}
	}
	m.corked = 0
	m.finished = true
	if len(m.outputData) == 0 && m.socket != nil && m.attached {
		m.emitPrefinish()
	}
	return nil
}

// Cork is outgoingMessage.cork().
func (m *OutgoingMessage) Cork() {
	if m.socket != nil {
		m.corkSocket()
		return
	}
	m.corked++
}

// Uncork is outgoingMessage.uncork().
func (m *OutgoingMessage) Uncork() {
	if m.socket != nil {
		m.uncorkSocket(m.socket)
		return
	}
	if m.corked > 0 {
		m.corked--
	}
}

// FlushHeaders is outgoingMessage.flushHeaders(): render the head now and
// send it without waiting for the body.
func (m *OutgoingMessage) FlushHeaders() error {
	if m.header == nil {
		if err := m.kind.implicitHeader(); err != nil {
			return err
		}
	}
	m.send(nil, nil)
	return nil
}

// AddTrailers is outgoingMessage.addTrailers(headers): the trailer block
// sent after the last chunk, as []HeaderField, flat name/value []string, or
// a map (sent in sorted key order). Trailers are only sent with chunked
// framing.
func (m *OutgoingMessage) AddTrailers(headers any) error {
	fields, err := headerFieldsOf(headers)
	if err != nil {
		return err
	}
	var b strings.Builder
	for _, f := range fields {
		if !checkIsHTTPToken(f.name) {
			return &Error{Code: "ERR_INVALID_HTTP_TOKEN", Message: "Trailer name must be a valid HTTP token [\"" + f.name + "\"]"}
		}
		list, isList := f.value.([]string)
		if isList && len(list) > 1 && !m.kind.unique()[strings.ToLower(f.name)] {
			for _, v := range list {
				if checkInvalidHeaderChar(v) {
					return errInvalidChar("trailer content", f.name)
				}
				b.WriteString(f.name + ": " + v + "\r\n")
			}
			continue
		}
		v := headerValueString(f.value)
		if isList {
			v = strings.Join(list, "; ")
		}
		if checkInvalidHeaderChar(v) {
			return errInvalidChar("trailer content", f.name)
		}
		b.WriteString(f.name + ": " + v + "\r\n")
	}
	if b.Len() > 0 || m.ends != nil {
		m.takeEnds().trailer = b.String()
	}
	return nil
}

// Destroy is outgoingMessage.destroy(err): it destroys the socket, now or
// once one is assigned.
func (m *OutgoingMessage) Destroy(err error) {
	if m.destroyed {
		return
	}
	m.destroyed = true
	if err != nil {
		m.takeEnds().errored = err
	}
	if m.socket != nil {
		m.socket.Destroy(err)
		return
	}
	m.Events.Socket().Once(func(s *simnet.Socket) { s.Destroy(err) })
}

// SetTimeout is outgoingMessage.setTimeout(d, cb): the socket's idle
// timeout, applied once a socket is assigned; cb listens for 'timeout'.
func (m *OutgoingMessage) SetTimeout(d time.Duration, cb func()) {
	if cb != nil {
		m.Events.Timeout().On(func(struct{}) { cb() })
	}
	if m.socket == nil {
		m.Events.Socket().Once(func(s *simnet.Socket) { s.SetTimeout(d) })
		return
	}
	m.socket.SetTimeout(d)
}

// Socket is outgoingMessage.socket: nil before one is assigned and, for a
// response, again after it finished.
func (m *OutgoingMessage) Socket() *simnet.Socket { return m.socket }

// WritableEnded is outgoingMessage.writableEnded: End was called.
func (m *OutgoingMessage) WritableEnded() bool { return m.finished }

// WritableFinished is outgoingMessage.writableFinished: everything was
// handed to the operating system.
func (m *OutgoingMessage) WritableFinished() bool {
	return m.finished && m.outputSize == 0 && (m.socket == nil || m.socket.WritableLength() == 0)
}

// WritableLength is outgoingMessage.writableLength: bytes buffered here and
// in the socket.
func (m *OutgoingMessage) WritableLength() int {
	n := m.outputSize
	if m.socket != nil {
		n += m.socket.WritableLength()
	}
	return n
}

// WritableHighWaterMark is outgoingMessage.writableHighWaterMark.
func (m *OutgoingMessage) WritableHighWaterMark() int { return m.highWaterMark }

// WritableCorked is outgoingMessage.writableCorked: how many Cork calls
// Uncork has yet to match.
func (m *OutgoingMessage) WritableCorked() int { return int(m.corked) + int(m.sockCorks) }

// WritableNeedDrain is outgoingMessage.writableNeedDrain.
func (m *OutgoingMessage) WritableNeedDrain() bool {
	return !m.destroyed && !m.finished && m.needDrain
}

// Destroyed is outgoingMessage.destroyed.
func (m *OutgoingMessage) Destroyed() bool { return m.destroyed }

// Closed is outgoingMessage.closed: 'close' was emitted.
func (m *OutgoingMessage) Closed() bool { return m.closed }

// Errored is outgoingMessage.errored: the error given to Destroy, if any.
func (m *OutgoingMessage) Errored() error {
	if m.ends == nil {
		return nil
	}
	return m.ends.errored
}

// headState is what storeHeader learns about the framing headers present.
type headState struct {
	connection, contLen, te, date, expect, trailer bool
	b                                              []byte
}

// headLine is what a head's first line is rendered from: a request's
// method and path (status 0), or a response's status and reason.
type headLine struct {
	method, text string
	status       int
}

// appendTo appends the line to b, where concatenating a request line
// first allocated a string only to copy it into the head.
func (l *headLine) appendTo(b []byte) []byte {
	if l.status != 0 {
		return append(b, renderStatusLine(l.status, l.text)...)
	}
	b = append(b, l.method...)
	b = append(b, ' ')
	b = append(b, l.text...)
	return append(b, " HTTP/1.1\r\n"...)
}

// storeHeader is Node's _storeHeader: after the first line, it renders
// the headers (the message's own when own is set, else source), adds
// Date, Connection, Keep-Alive and the framing headers Node adds by
// itself, and decides whether the connection ends after this message;
// or it replays the lender's memo of the same head (renderedHead).
func (m *OutgoingMessage) storeHeader(line headLine, source []field, own bool) error {
	var keep *renderedHead
	var entry headRegs
	var entryLength float64
	if m.heads != nil {
		if m.replayHead(&line, source, own) {
			return nil
		}
		if keep = m.heads.keeping(m.loop); keep != nil {
			entry, entryLength = m.headRegs, m.contentLength
		}
	}
	status := line.status
	st := &headState{b: line.appendTo(m.headBuffer())}
	var date string
	if own {
		for _, e := range m.fields {
			if err := m.processHeader(st, e.name, e.value, false); err != nil {
				return err
			}
		}
	} else {
		for _, f := range source {
			if err := m.processHeader(st, f.name, f.value, true); err != nil {
				return err
			}
		}
	}
	if m.SendDate && !st.date {
		date = m.dateValue()
		st.b = append(st.b, "Date: "...)
		st.b = append(st.b, date...)
		st.b = append(st.b, "\r\n"...)
	}
	// A 204 or 304 must not carry the zero chunk; Node drops the chunking
	// and closes the connection instead.
	if m.chunkedEncoding && (status == 204 || status == 304) {
		m.chunkedEncoding = false
		m.shouldKeepAlive = false
	}
	switch {
	case m.removedConnection:
		m.last = !m.shouldKeepAlive
	case !st.connection:
		sendKeepAlive := m.shouldKeepAlive && (st.contLen || m.useChunkedEncodingByDefault || m.agent)
		switch {
		case sendKeepAlive && m.maxRequestsOnConnectionReached:
			st.b = append(st.b, "Connection: close\r\n"...)
		case sendKeepAlive:
			st.b = append(st.b, "Connection: keep-alive\r\n"...)
			if m.keepAliveTimeout > 0 && m.defaultKeepAlive {
				st.b = append(st.b, "Keep-Alive: timeout="...)
				st.b = strconv.AppendInt(st.b, int64(m.keepAliveTimeout/time.Second), 10)
				if m.maxRequestsPerSocket > 0 {
					st.b = append(st.b, ", max="...)
					st.b = strconv.AppendInt(st.b, int64(m.maxRequestsPerSocket), 10)
				}
				st.b = append(st.b, "\r\n"...)
			}
		default:
			m.last = true
			st.b = append(st.b, "Connection: close\r\n"...)
		}
	}
	if !st.contLen && !st.te {
		switch {
		case !m.hasBody:
			m.chunkedEncoding = false
		case !m.useChunkedEncodingByDefault:
			m.last = true
		case !st.trailer && !m.removedContLen && m.hasContentLen:
			st.b = append(st.b, "Content-Length: "...)
			st.b = appendJSNumber(st.b, m.contentLength)
			st.b = append(st.b, "\r\n"...)
		case !m.removedTE:
			st.b = append(st.b, "Transfer-Encoding: chunked\r\n"...)
			m.chunkedEncoding = true
		default:
			// Neither length nor chunking: the body runs until the
			// connection closes, so it cannot be kept alive.
			m.last = true
		}
	}
	if !m.chunkedEncoding && st.trailer {
		return &Error{Code: "ERR_HTTP_TRAILER_INVALID", Message: "Trailers are invalid with this transfer encoding"}
	}
	m.header = append(st.b, "\r\n"...)
	m.headerSent = false
	if st.expect {
		m.send(nil, nil)
	} else if keep != nil {
		keep.keep(m, &line, source, own, date, entry, entryLength)
	}
	return nil
}

func (m *OutgoingMessage) processHeader(st *headState, name string, value any, validate bool) error {
	if validate {
		if err := ValidateHeaderName(name); err != nil {
			return err
		}
	}
	if list, ok := value.([]string); ok {
		if (len(list) < 2 || !strings.EqualFold(name, "cookie")) && !m.kind.unique()[strings.ToLower(name)] {
			for _, v := range list {
				if err := m.storeLine(st, name, v, validate); err != nil {
					return err
				}
			}
			return nil
		}
		return m.storeLine(st, name, strings.Join(list, "; "), validate)
	}
	if value == nil {
		return ValidateHeaderValue(name, nil)
	}
	return m.storeLine(st, name, headerValueString(value), validate)
}

func (m *OutgoingMessage) storeLine(st *headState, name, value string, validate bool) error {
	if validate {
		if err := validateHeaderString(name, value); err != nil {
			return err
		}
	}
	st.b = append(st.b, name...)
	st.b = append(st.b, ": "...)
	st.b = append(st.b, value...)
	st.b = append(st.b, "\r\n"...)
	m.matchHeader(st, name, value)
	return nil
}

// matchHeader notes the headers that change how the message is framed.
func (m *OutgoingMessage) matchHeader(st *headState, name, value string) {
	if len(name) < 4 || len(name) > 17 {
		return
	}
	// No name below starts otherwise; Host, which every request carries,
	// is then not lower-cased for nothing. A byte past ASCII goes on to
	// lowerName, whose Unicode lowering may still find a match.
	if c := name[0] | 0x20; c < utf8.RuneSelf && c != 'c' && c != 't' && c != 'd' && c != 'e' && c != 'k' {
		return
	}
	switch lowerName(name) {
	case "connection":
		st.connection = true
		m.removedConnection = false
		if hasToken(value, "close") {
			m.last = true
		} else {
			m.shouldKeepAlive = true
		}
	case "transfer-encoding":
		st.te = true
		m.removedTE = false
		if hasToken(value, "chunked") {
			m.chunkedEncoding = true
		}
	case "content-length":
		st.contLen = true
		m.hasContentLen, m.contentLength = true, jsNumber(value)
		m.removedContLen = false
	case "date":
		st.date = true
	case "expect":
		st.expect = true
	case "trailer":
		st.trailer = true
	case "keep-alive":
		m.defaultKeepAlive = false
	}
}

// hasToken reports whether word occurs in s, case-insensitively, with no
// word character ([A-Za-z0-9_]) right before or after it, as Node's
// /(?:^|\W)word(?:$|\W)/i does.
func hasToken(s, word string) bool {
	for i := 0; i+len(word) <= len(s); i++ {
		if !strings.EqualFold(s[i:i+len(word)], word) {
			continue
		}
		if (i == 0 || !isWordByte(s[i-1])) && (i+len(word) == len(s) || !isWordByte(s[i+len(word)])) {
			return true
		}
	}
	return false
}

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// validateOutgoingHeader checks a name and value given to SetHeader.
func validateOutgoingHeader(name string, value any) error {
	if err := ValidateHeaderName(name); err != nil {
		return err
	}
	switch v := value.(type) {
	case nil:
		return ValidateHeaderValue(name, nil)
	case string:
		return validateHeaderString(name, v)
	case []string:
		return validateHeaderString(name, strings.Join(v, ","))
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64, bool:
		return nil
	}
	return &Error{Code: "ERR_HTTP_INVALID_HEADER_VALUE", Message: "Invalid value \"" + headerValueString(value) + "\" for header \"" + name + "\""}
}

// headerValueString is String(value) in JavaScript for the value kinds a
// header may hold.
func headerValueString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []string:
		return strings.Join(x, ",")
	case int:
		return strconv.Itoa(x)
	case int8:
		return strconv.FormatInt(int64(x), 10)
	case int16:
		return strconv.FormatInt(int64(x), 10)
	case int32:
		return strconv.FormatInt(int64(x), 10)
	case int64:
		return strconv.FormatInt(x, 10)
	case uint:
		return strconv.FormatUint(uint64(x), 10)
	case uint8:
		return strconv.FormatUint(uint64(x), 10)
	case uint16:
		return strconv.FormatUint(uint64(x), 10)
	case uint32:
		return strconv.FormatUint(uint64(x), 10)
	case uint64:
		return strconv.FormatUint(x, 10)
	case float32:
		return formatJSNumber(float64(x))
	case float64:
		return formatJSNumber(x)
	case bool:
		return strconv.FormatBool(x)
	case nil:
		return "undefined"
	}
	return "[object Object]"
}

// formatJSNumber formats f as JavaScript's Number.prototype.toString does.
func formatJSNumber(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		return "0"
	}
	if a := math.Abs(f); a >= 1e-6 && a < 1e21 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	s := strconv.FormatFloat(f, 'e', -1, 64)
	mant, exp, _ := strings.Cut(s, "e")
	sign := exp[0]
	exp = strings.TrimLeft(exp[1:], "0")
	return mant + "e" + string(sign) + exp
}

// appendJSNumber appends f as formatJSNumber renders it; a whole number
// below 2^53, as a length is, needs none of the float formatting.
func appendJSNumber(b []byte, f float64) []byte {
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return strconv.AppendInt(b, int64(f), 10)
	}
	return append(b, formatJSNumber(f)...)
}

// jsNumber is Number(s) for a header value: surrounding white space is
// ignored, the empty string is 0 and anything unparsable NaN.
func jsNumber(s string) float64 {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0
	}
	if strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X") {
		if n, err := strconv.ParseUint(s[2:], 16, 64); err == nil {
			return float64(n)
		}
		return math.NaN()
	}
	if strings.ContainsAny(s, "_pP") || strings.EqualFold(s, "inf") || strings.EqualFold(s, "+inf") || strings.EqualFold(s, "-inf") {
		return math.NaN()
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return math.NaN()
	}
	return f
}

// headerFieldsOf turns the header forms the API accepts into fields: flat
// name/value []string (Node's raw array), []HeaderField (one value is sent
// as a string, several as a list), or a map, whose keys are taken in sorted
// order since Go maps have none.
func headerFieldsOf(headers any) ([]field, error) {
	switch h := headers.(type) {
	case nil:
		return nil, nil
	case []HeaderField:
		out := make([]field, len(h))
		for i, f := range h {
			out[i] = field{name: f.Name, value: f.Values}
			if len(f.Values) == 1 {
				out[i].value = f.Values[0]
			}
		}
		return out, nil
	case []string:
		if len(h)%2 != 0 {
			return nil, errInvalidArgValue("headers", inspectStrings(h))
		}
		out := make([]field, 0, len(h)/2)
		for i := 0; i < len(h); i += 2 {
			out = append(out, field{name: h[i], value: h[i+1]})
		}
		return out, nil
	case map[string]string:
		return sortedFields(h), nil
	case map[string][]string:
		return sortedFields(h), nil
	case map[string]any:
		return sortedFields(h), nil
	}
	return nil, &Error{Code: "ERR_INVALID_ARG_TYPE", Message: "The \"headers\" argument must be of type object or array of name, value pairs"}
}

func sortedFields[V any](h map[string]V) []field {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]field, len(keys))
	for i, k := range keys {
		out[i] = field{name: k, value: h[k]}
	}
	return out
}

// inspectStrings renders a string array as util.inspect does, for messages.
func inspectStrings(list []string) string {
	if len(list) == 0 {
		return "[]"
	}
	parts := make([]string, len(list))
	for i, s := range list {
		parts[i] = "'" + strings.ReplaceAll(s, "'", "\\'") + "'"
	}
	return "[ " + strings.Join(parts, ", ") + " ]"
}

func errHeadersSent(action string) error {
	return &Error{Code: "ERR_HTTP_HEADERS_SENT", Message: "Cannot " + action + " headers after they are sent to the client"}
}

func errWriteAfterEnd() error {
	return &Error{Code: "ERR_STREAM_WRITE_AFTER_END", Message: "write after end"}
}

func errStreamDestroyed(method string) error {
	return &Error{Code: "ERR_STREAM_DESTROYED", Message: "Cannot call " + method + " after a stream was destroyed"}
}

func errContentLengthMismatch(actual int64, expected float64) error {
	return &Error{Code: "ERR_HTTP_CONTENT_LENGTH_MISMATCH", Message: "Response body's content-length of " +
		strconv.FormatInt(actual, 10) + " byte(s) does not match the content-length of " +
		formatJSNumber(expected) + " byte(s) set in header"}
}

func errInvalidChar(what, field string) error {
	return &Error{Code: "ERR_INVALID_CHAR", Message: "Invalid character in " + what + " [\"" + field + "\"]"}
}

func errInvalidArgValue(name, inspected string) error {
	return &Error{Code: "ERR_INVALID_ARG_VALUE", Message: "The argument '" + name + "' is invalid. Received " + inspected}
}
