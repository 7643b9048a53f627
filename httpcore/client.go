// client.go: http.request and http.get, and ClientRequest, the client side
// of an exchange, driving a response parser on the socket its agent gives it.

package httpcore

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/simhttp/simhttp/simnet"
)

// ClientRequestEvents are the events a ClientRequest emits; those it shares
// with every OutgoingMessage (socket, finish, drain, close, timeout, error)
// come from the embedded OutgoingEvents. The rare ones are methods, whose
// emitters are made on first use: most requests never need them, and every
// request is zeroed with its events.
type ClientRequestEvents struct {
	*OutgoingEvents
	// Response is the response head; with no listener the body is discarded.
	Response simnet.Emitter[*IncomingMessage]

	rare rareEvents[rareRequestEvents]
}

type rareRequestEvents struct {
	abort       simnet.Emitter[struct{}]
	connect     simnet.Emitter[UpgradedResponse]
	cont        simnet.Emitter[struct{}]
	information simnet.Emitter[Information]
	upgrade     simnet.Emitter[UpgradedResponse]
}

// Abort is emitted once, on the tick after the first Abort.
func (e *ClientRequestEvents) Abort() *simnet.Emitter[struct{}] { return &e.rare.get().abort }

// Connect answers a CONNECT request; with no listener the socket is destroyed.
func (e *ClientRequestEvents) Connect() *simnet.Emitter[UpgradedResponse] {
	return &e.rare.get().connect
}

// Continue is a 100 Continue interim response.
func (e *ClientRequestEvents) Continue() *simnet.Emitter[struct{}] { return &e.rare.get().cont }

// Information is any 1xx interim response but 101.
func (e *ClientRequestEvents) Information() *simnet.Emitter[Information] {
	return &e.rare.get().information
}

// Upgrade is a 101 Switching Protocols; with no listener the socket is destroyed.
func (e *ClientRequestEvents) Upgrade() *simnet.Emitter[UpgradedResponse] {
	return &e.rare.get().upgrade
}

// UpgradedResponse is the payload of 'upgrade' and 'connect': the response,
// the socket now detached from HTTP, and the bytes read past the head. The
// socket is paused, so no byte is lost before the listener resumes it.
type UpgradedResponse struct {
	Res    *IncomingMessage
	Socket *simnet.Socket
	Head   []byte
}

// Information is the payload of 'information': a 1xx interim response.
type Information struct {
	StatusCode       int
	StatusMessage    string
	HTTPVersion      string
	HTTPVersionMajor int
	HTTPVersionMinor int
	Headers          Headers
	RawHeaders       []string
}

// ClientRequest is Node's http.ClientRequest: an outgoing request whose
// head is still mutable until the first write, and the parser of its
// response. Everything runs on its runtime's loop.
type ClientRequest struct {
	OutgoingMessage
	Events ClientRequestEvents

	// MaxHeadersCount is request.maxHeadersCount: 0 keeps Node's default
	// (2000 rawHeaders entries), a negative value keeps all (Node's 0).
	MaxHeadersCount int

	pool *Agent                  // nil when CreateConnection replaces the agent
	conn *agentConn              // the agent's record of the socket, once assigned
	rare rareEvents[requestRare] // what few requests set, made on first use
	// rt is kept for the Date a request sends only when SendDate is set
	// by hand; a response reads its server's, so the message does not
	// carry it, which keeps the server's exchange 16 bytes smaller.
	rt simnet.Runtime

	method, path, host, protocol string

	res      *IncomingMessage // the final response, once its head arrived
	incoming *IncomingMessage // parser.incoming: the latest head, 1xx included
	parser   *Parser          // nil once freed
	// maxHeaderSize and lenient are the request's ParserOptions, kept
	// apart so that lenient shares the flags' word.
	maxHeaderSize int

	// The flags share one word, and the request fits Go's 1,152-byte
	// size class (TestRequestObjectsKeepTheirSizeClass): it is allocated
	// and zeroed per request.
	lenient      bool
	joinDups     bool // the joinDuplicateHeaders option, for the response
	aborted      bool
	reusedSocket bool
	upgraded     bool // upgradeOrConnect
	resEnded     bool // Node's _ended: the response emitted 'end'
	hadErr       bool // socket._hadError
	hasTimeout   bool // the timeout option was given: rare.timeout holds it
	timeoutSet   bool // Node's timeoutCb is set
	firstResUsed bool

	nextSocket *simnet.Socket // the socket onSocket hands over on the next tick

	firstRes IncomingMessage // the first response head's message, allocated with the request
	// firstField backs the header store until a second header is set:
	// most requests set one, Host.
	firstField [1]headerEntry
	// firstChunk backs the first response's read buffer: a short body
	// arrives in one chunk, and an emptied buffer keeps its array.
	firstChunk [1][]byte

	resTimeoutID simnet.ListenerID // the listener forwarding the socket's 'timeout' to the response; 0: none
	// sockIDs are the request's listeners on its socket, by the off
	// constants; 0 once removed.
	sockIDs [offDrain + 1]simnet.ListenerID
}

// requestRare is the state of a request that a plain GET never sets:
// options few requests give, a queue wait, a timeout, an error.
type requestRare struct {
	uniqueHeaders map[string]bool        // the uniqueHeaders option, lower-cased
	queuedOpts    *simnet.ConnectOptions // the options a queued request waits with; nil unless queued
	timeout       time.Duration          // the timeout option, when hasTimeout
	timeoutOff    func()                 // removes the socket 'timeout' listener of listenSocketTimeout
	err           error                  // the error the request was destroyed with
}

// failure is the error the request was destroyed with, if any.
func (req *ClientRequest) failure() error {
	if r := req.rare.ifMade(); r != nil {
		return r.err
	}
	return nil
}

// Request is http.request(url, options, callback): url may be "" and the
// set fields of opts win over its parts; cb, if not nil, listens for
// 'response'. Invalid options return Node's error synchronously, as Node
// throws; everything after that is reported through the request's events.
func Request(rt simnet.Runtime, url string, opts RequestOptions, cb func(*IncomingMessage)) (*ClientRequest, error) {
	return request(rt, url, &opts, cb)
}

// request is Request with opts by pointer, so Get passes on its copy
// instead of copying it once more.
func request(rt simnet.Runtime, url string, opts *RequestOptions, cb func(*IncomingMessage)) (*ClientRequest, error) {
	// What the options resolve to stays here: the request keeps only
	// what it reads after this call, which keeps it a size class smaller.
	var sp requestSpec
	if err := resolveRequest(rt, url, opts, &sp); err != nil {
		return nil, err
	}
	loop := rt.Loop()
	req := simnet.Alloc[ClientRequest](loop)
	req.pool, req.rt = sp.agent, rt
	req.init(loop, 0)
	req.Events.OutgoingEvents = &req.OutgoingMessage.Events
	req.Events.rare.makeIn(loop)
	req.OutgoingMessage.Events.rare.makeIn(loop)
	req.fields = req.firstField[:0]
	req.kind = req
	req.method, req.path, req.host, req.protocol = sp.method, sp.path, sp.host, sp.protocol
	if sp.hasTimeout {
		req.hasTimeout = true
		req.rare.get().timeout = sp.timeout
	}
	req.useChunkedEncodingByDefault = sp.chunkedByDflt
	req.maxHeaderSize = opts.MaxHeaderSize
	req.lenient = opts.InsecureHTTPParser != nil && *opts.InsecureHTTPParser
	req.joinDups = opts.JoinDuplicateHeaders
	if cb != nil {
		req.Events.Response.Once(cb)
	}
	if req.pool != nil {
		req.agent = true
		req.heads = &req.pool.heads
		// A keep-alive header only makes sense when the agent can reuse
		// the socket: it keeps sockets alive or queues requests.
		keep := req.pool.keepAlive || req.pool.maxSockets != maxSocketsInfinity
		req.last, req.shouldKeepAlive = !keep, keep
	}
	if err := req.setInitialHeaders(opts, &sp); err != nil {
		return nil, err
	}
	if err := checkConnectOptions(opts, &sp); err != nil {
		return nil, err
	}
	if s := opts.Signal; s != nil {
		req.listenSignal(s)
	}
	if req.pool != nil {
		if err := req.pool.addRequest(req, sp.connectOptions(opts)); err != nil {
			return nil, err
		}
	} else {
		req.last, req.shouldKeepAlive = true, false
		req.connectWithoutAgent(opts, &sp)
	}
	req.register()
	return req, nil
}

// Get is http.get: Request with the request ended at once.
func Get(rt simnet.Runtime, url string, opts RequestOptions, cb func(*IncomingMessage)) (*ClientRequest, error) {
	req, err := request(rt, url, &opts, cb)
	if err != nil {
		return nil, err
	}
	if err := req.End(nil, nil); err != nil {
		return nil, err
	}
	return req, nil
}

// setInitialHeaders sets the headers of the options, then Host and
// Authorization as Node adds them; a raw header array, or an Expect header,
// renders the head at once. As in Node, uniqueHeaders applies only to a head
// rendered later.
func (req *ClientRequest) setInitialHeaders(opts *RequestOptions, sp *requestSpec) error {
	if err := req.setOptionHeaders(opts, sp); err != nil {
		return err
	}
	if u := opts.UniqueHeaders; len(u) > 0 {
		unique := make(map[string]bool, len(u))
		for _, h := range u {
			unique[strings.ToLower(h)] = true
		}
		req.rare.get().uniqueHeaders = unique
	}
	return nil
}

func (req *ClientRequest) setOptionHeaders(opts *RequestOptions, sp *requestSpec) error {
	if opts.RawHeaders != nil {
		fields, err := headerFieldsOf(opts.RawHeaders)
		if err != nil {
			return err
		}
		return req.storeHeader(req.firstLine(), fields, false)
	}
	for _, h := range opts.Headers {
		var v any = h.Values
		switch {
		case h.Values == nil:
			v = nil // JavaScript's undefined, which setHeader refuses
		case len(h.Values) == 1:
			v = h.Values[0]
		}
		if err := req.SetHeader(h.Name, v); err != nil {
			return err
		}
	}
	if sp.setHost && !req.hasKey("host") {
		switch v, checked := hostHeader(sp); {
		case checked:
			// What setHeaderKey would do: no head is rendered and no Host
			// is set yet, and the value passed its checks before.
			req.fields = append(req.fields, headerEntry{key: "host", name: "Host", value: v})
		default:
			if err := req.setHeaderKey("Host", "host", v); err != nil {
				return err
			}
			if sp.agent != nil {
				sp.agent.lastHost.checked = true
			}
		}
	}
	if opts.Auth != "" && !req.hasKey("authorization") {
		if err := req.SetHeader("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(opts.Auth))); err != nil {
			return err
		}
	}
	if req.hasKey("expect") {
		return req.implicitHeader()
	}
	return nil
}

// hasKey is HasHeader of a name already in lower case, which spares every
// request three scans for upper case.
func (req *ClientRequest) hasKey(key string) bool { return req.find(key) >= 0 }

// hostHeader is the Host header Node adds: the host, bracketed when it is
// an IPv6 address, with the port unless it is the protocol's default. An
// agent keeps the last one as an interface value, so its requests to one
// origin, which are most, build and box none, nor validate it again once
// it was (checked).
func hostHeader(sp *requestSpec) (v any, checked bool) {
	a := sp.agent
	if a != nil && a.lastHost.value != nil && a.lastHost.host == sp.host &&
		a.lastHost.port == sp.port && a.lastHost.defaultPort == sp.defaultPort {
		return a.lastHost.value, a.lastHost.checked
	}
	host := sp.host
	if i := strings.IndexByte(host, ':'); i >= 0 && strings.IndexByte(host[i+1:], ':') >= 0 && host[0] != '[' {
		host = "[" + host + "]"
	}
	if sp.port != sp.defaultPort {
		host += ":" + strconv.Itoa(sp.port)
	}
	v = host
	if a != nil {
		a.lastHost = hostMemo{host: sp.host, port: sp.port, defaultPort: sp.defaultPort, value: v}
	}
	return v, false
}

// hostMemo is the last Host header an agent's request was given, with what
// it was built from.
type hostMemo struct {
	host              string
	port, defaultPort int
	value             any  // nil: none yet
	checked           bool // value passed setHeaderKey's checks
}

// firstLine is what the request line is rendered from.
func (req *ClientRequest) firstLine() headLine { return headLine{req.method, req.path, 0} }

// implicitHeader is ClientRequest._implicitHeader.
func (req *ClientRequest) implicitHeader() error {
	if req.header != nil {
		return errHeadersSent("render")
	}
	return req.storeHeader(req.firstLine(), nil, true)
}

func (req *ClientRequest) hadError() bool { return req.hadErr }

func (req *ClientRequest) traceObj() string { return "req" }

func (req *ClientRequest) unique() map[string]bool {
	if r := req.rare.ifMade(); r != nil {
		return r.uniqueHeaders
	}
	return nil
}

// pendingData ignores buffered bytes: only the server counts them.
func (req *ClientRequest) pendingData(int) {}

// connectWithoutAgent asks the createConnection option for a socket; an
// error, thrown or passed back, becomes 'error' on the next tick.
func (req *ClientRequest) connectWithoutAgent(opts *RequestOptions, sp *requestSpec) {
	answered := false
	oncreate := func(s *simnet.Socket, err error) {
		if answered {
			return
		}
		answered = true
		if err != nil {
			req.loop.NextTick(func() { req.emitError(err) })
			return
		}
		req.onSocket(s, nil)
	}
	s, err := opts.CreateConnection(sp.connectOptions(opts), oncreate)
	switch {
	case err != nil:
		oncreate(nil, err)
	case s != nil:
		oncreate(s, nil)
	}
}

// listenSignal destroys the request with an AbortError when the signal
// aborts, at once if it already has, until the request closes.
func (req *ClientRequest) listenSignal(s *AbortSignal) {
	onAbort := func() { req.Destroy(abortError(s.Reason())) }
	if s.Aborted() {
		onAbort()
		return
	}
	off := s.onAbort(onAbort)
	req.OutgoingMessage.Events.Close.Once(func(struct{}) { off() })
}

// onSocket is ClientRequest.onSocket: the socket, or the error of getting
// one, is taken up on the next tick.
func (req *ClientRequest) onSocket(s *simnet.Socket, err error) {
	if err == nil && req.nextSocket == nil {
		req.nextSocket = s
		req.loop.NextTickWith(takeNextSocketNT, req)
		return
	}
	req.loop.NextTick(func() { req.onSocketNT(s, err) })
}

// takeNextSocketNT takes up the socket onSocket kept in nextSocket.
func takeNextSocketNT(r any) {
	req := r.(*ClientRequest)
	s := req.nextSocket
	req.nextSocket = nil
	req.onSocketNT(s, nil)
}

func (req *ClientRequest) onSocketNT(s *simnet.Socket, err error) {
	if !req.destroyed && err == nil {
		req.tickOnSocket(s)
		req.flush()
		return
	}
	req.destroyed = true
	finish := func(err error) {
		if !req.aborted && err == nil {
			err = connReset("socket hang up")
		}
		if err != nil {
			req.emitError(err)
		}
		req.emitClose()
	}
	if s != nil {
		if err == nil && req.pool != nil && req.conn != nil && !s.Destroyed() {
			req.pool.free(req.conn)
		} else {
			// Node waits for the socket to close (stream.finished) and
			// reports the socket's error, if it had one.
			cause := err
			if cause == nil {
				cause = req.failure()
			}
			var sockErr error
			s.Events.Error.Once(func(e error) { sockErr = e })
			s.Events.Close.Once(func(bool) {
				if sockErr != nil {
					finish(sockErr)
					return
				}
				finish(cause)
			})
			s.Destroy(cause)
			return
		}
	}
	if err == nil {
		err = req.failure()
	}
	finish(err)
}

// parserOptions are the options of the request's response parser.
func (req *ClientRequest) parserOptions() ParserOptions {
	return ParserOptions{MaxHeaderSize: req.maxHeaderSize, Lenient: req.lenient}
}

// tickOnSocket makes s the request's socket: a response parser, the
// socket listeners, the timeout, then 'socket'.
func (req *ClientRequest) tickOnSocket(s *simnet.Socket) {
	po := req.parserOptions()
	var p *Parser
	if req.pool != nil {
		p = req.pool.allocParser(po)
	} else {
		p = newParser(req.loop, ParseResponse, po)
	}
	req.parser = p
	p.hooks = (*reqParserHooks)(req)
	if req.conn != nil {
		req.conn.req = req
	}
	req.sockIDs = [...]simnet.ListenerID{
		offError: s.Events.Error.Add((*reqSocketError)(req)),
		offData:  s.Events.Data.Add((*reqSocketData)(req)),
		offEnd:   s.Events.End.Add((*reqSocketEnd)(req)),
		offDrain: s.Events.Drain.Add((*reqSocketDrain)(req)),
	}
	// In a world with spares the second slot of the socket's 'close'
	// comes from them; without, Add, which inlines, keeps a keep-alive
	// GET's cost.
	if l := req.loop; l.HasSpares() {
		req.sockIDs[offClose] = s.Events.Close.AddIn(l, (*reqSocketClose)(req))
	} else {
		req.sockIDs[offClose] = s.Events.Close.Add((*reqSocketClose)(req))
	}
	if req.hasTimeout || (req.pool != nil && req.pool.timeout != 0) {
		req.listenSocketTimeout(s)
	}
	req.trace("socket", nil, socketDetail(req.reusedSocket))
	req.socket, req.attached = s, true
	req.emitSocket(s)
}

// reqParserHooks is the request as the hooks of its response's parser,
// which tickOnSocket gave the socket it reads.
type reqParserHooks ClientRequest

func (h *reqParserHooks) onHead(p *Parser, mh *MessageHead) BodyMode {
	req := (*ClientRequest)(h)
	return req.onHead(p, req.socket, mh)
}

func (h *reqParserHooks) onBody(p *Parser, b []byte) {
	if req := (*ClientRequest)(h); req.parser == p && req.incoming != nil {
		req.incoming.pushBody(b)
	}
}

func (h *reqParserHooks) onComplete(p *Parser, trailers []string) {
	req := (*ClientRequest)(h)
	if req.parser != p {
		return
	}
	if req.incoming != nil {
		req.incoming.finishMessage(trailers)
	}
	req.socket.Resume()
}

// The request's socket listeners, as Handlers that are the request itself:
// a method value each would be allocated per request.
type (
	reqSocketError ClientRequest
	reqSocketData  ClientRequest
	reqSocketEnd   ClientRequest
	reqSocketClose ClientRequest
	reqSocketDrain ClientRequest
)

func (h *reqSocketError) Handle(err error)   { (*ClientRequest)(h).socketError(err) }
func (h *reqSocketData) Handle(d []byte)     { (*ClientRequest)(h).socketData(d) }
func (h *reqSocketEnd) Handle(v struct{})    { (*ClientRequest)(h).socketEnd(v) }
func (h *reqSocketClose) Handle(hadErr bool) { (*ClientRequest)(h).socketClose(hadErr) }
func (h *reqSocketDrain) Handle(v struct{})  { (*ClientRequest)(h).socketDrain(v) }

// The request's socket listeners, in the order tickOnSocket adds them.
const (
	offError = iota
	offData
	offEnd
	offClose
	offDrain
)

// sockListeners is a set of the request's socket listeners, one bit per
// off index: a keep-alive GET removes them twice, and a variadic list
// walked through a switch cost it 92 instructions more. The five removals
// are written out because each emitter has its own type: a generic helper
// is not inlined here and cost 158 more.
type sockListeners uint8

const (
	sockError sockListeners = 1 << offError
	sockData  sockListeners = 1 << offData
	sockEnd   sockListeners = 1 << offEnd
	sockClose sockListeners = 1 << offClose
	sockDrain sockListeners = 1 << offDrain
)

func (req *ClientRequest) removeSocketListeners(which sockListeners) {
	ev, ids := &req.socket.Events, &req.sockIDs
	if which&sockError != 0 && ids[offError] != 0 {
		ev.Error.Remove(ids[offError])
		ids[offError] = 0
	}
	if which&sockData != 0 && ids[offData] != 0 {
		ev.Data.Remove(ids[offData])
		ids[offData] = 0
	}
	if which&sockEnd != 0 && ids[offEnd] != 0 {
		ev.End.Remove(ids[offEnd])
		ids[offEnd] = 0
	}
	if which&sockClose != 0 && ids[offClose] != 0 {
		ev.Close.Remove(ids[offClose])
		ids[offClose] = 0
	}
	if which&sockDrain != 0 && ids[offDrain] != 0 {
		ev.Drain.Remove(ids[offDrain])
		ids[offDrain] = 0
	}
}

// trace records one of the request's own events with its details.
func (req *ClientRequest) trace(name string, err error, detail map[string]any) {
	if req.id == 0 || !req.loop.Events().Active() {
		return
	}
	ev := simnet.Event{Obj: "req", ID: req.id, Name: name, Detail: detail}
	if err != nil {
		ev.Code, ev.Message = simnet.CodeOf(err), err.Error()
	}
	req.loop.Events().Emit(ev)
}

// freeParser is Node's freeParser: the parser no longer feeds the request.
func (req *ClientRequest) freeParser() {
	req.parser = nil
	req.incoming = nil
}

func (req *ClientRequest) finishParser() {
	if p := req.parser; p != nil {
		// Node ignores what finish() reports here: a body cut short is
		// reported by the socket's close instead.
		_ = p.Finish()
		req.freeParser()
	}
}

func (req *ClientRequest) socketError(err error) {
	req.hadErr = true
	req.emitError(err)
	req.finishParser()
	req.removeSocketListeners(sockData | sockEnd)
	req.socket.Destroy(nil)
}

func (req *ClientRequest) socketEnd(struct{}) {
	if req.res == nil && !req.hadErr {
		req.hadErr = true
		req.emitError(connReset("socket hang up"))
	}
	req.finishParser()
	req.socket.Destroy(nil)
}

func (req *ClientRequest) socketClose(bool) {
	res := req.res
	req.destroyed = true
	if res != nil {
		if !res.Complete {
			res.Destroy(connReset("aborted"))
		}
		req.emitClose()
		if !res.Aborted && !res.r.destroyed && !res.r.errorEmitted && !res.r.endEmitted {
			res.push(nil)
		}
	} else {
		if !req.hadErr {
			req.hadErr = true
			req.emitError(connReset("socket hang up"))
		}
		req.emitClose()
	}
	req.outputData = nil
	req.finishParser()
}

func (req *ClientRequest) socketDrain(struct{}) {
	if req.attached && !req.finished && req.needDrain {
		req.needDrain = false
		req.emitDrain()
	}
}

// socketData feeds the parser and handles what it found: a parse error, an
// upgrade or CONNECT answer, or the end of the response.
func (req *ClientRequest) socketData(d []byte) {
	s := req.socket
	p := req.parser
	if p == nil {
		return
	}
	n, err := p.Execute(d)
	switch {
	case err != nil:
		req.freeParser()
		req.removeSocketListeners(sockData | sockEnd)
		s.Destroy(nil)
		req.hadErr = true
		req.emitError(err)
	case req.incoming != nil && req.incoming.Upgrade:
		req.onUpgrade(s, req.incoming, d[n:])
	case req.incoming != nil && req.incoming.Complete && !informational(req.incoming.StatusCode):
		req.removeSocketListeners(sockData | sockEnd | sockDrain)
		req.freeParser()
		if req.pool != nil {
			req.pool.releaseParser(p, req.parserOptions())
		}
	}
}

// onUpgrade hands the socket over on a 101 or a CONNECT answer when someone
// listens, and destroys it otherwise.
func (req *ClientRequest) onUpgrade(s *simnet.Socket, res *IncomingMessage, head []byte) {
	req.res = res
	req.removeSocketListeners(sockData | sockEnd | sockDrain)
	req.removeTimeoutListeners()
	_ = req.parser.Finish()
	req.freeParser()
	name, ev := "upgrade", req.Events.Upgrade()
	if req.method == "CONNECT" {
		name, ev = "connect", req.Events.Connect()
	}
	if ev.ListenerCount() == 0 {
		s.Destroy(nil)
		return
	}
	req.upgraded = true
	if req.pool != nil && req.conn != nil {
		req.pool.agentRemove(req.conn)
		req.conn.req = nil
	}
	req.removeSocketListeners(sockClose | sockError)
	req.attached = false
	s.Pause()
	res.register()
	req.traceStatus(name, res.StatusCode)
	ev.Emit(UpgradedResponse{Res: res, Socket: s, Head: append([]byte(nil), head...)})
	req.destroyed = true
	req.emitClose()
}

func informational(status int) bool { return status >= 100 && status < 200 && status != 101 }

// onHead is parserOnHeadersComplete and parserOnIncomingClient: it makes
// the response and tells the parser what to do with its body.
func (req *ClientRequest) onHead(p *Parser, s *simnet.Socket, h *MessageHead) BodyMode {
	if req.parser != p {
		return BodySkip
	}
	var res *IncomingMessage
	if !req.firstResUsed {
		// Nearly every request has one response: it comes with the request.
		req.firstResUsed = true
		res = &req.firstRes
		res.init(req.loop, s, nil)
		res.r.buf = req.firstChunk[:0]
	} else {
		res = newIncomingMessage(req.loop, s)
	}
	res.Events.rare.makeIn(req.loop)
	res.joinDuplicateHeaders = req.joinDups
	res.setHead(h, headerEntryLimit(req.MaxHeadersCount))
	req.incoming = res
	if req.res != nil {
		// A second response to one request: the server is confused.
		s.Destroy(nil)
		return BodyNormal
	}
	req.res = res
	if res.Upgrade {
		return BodyUpgrade
	}
	if req.method == "CONNECT" {
		res.Upgrade = true
		return BodyUpgrade
	}
	if informational(res.StatusCode) {
		req.res = nil
		if res.StatusCode == 100 {
			req.trace("continue", nil, nil)
			if r := req.Events.rare.ifMade(); r != nil {
				r.cont.Emit(struct{}{})
			}
		}
		req.traceStatus("information", res.StatusCode)
		if r := req.Events.rare.ifMade(); r != nil {
			r.information.Emit(Information{
				StatusCode: res.StatusCode, StatusMessage: res.StatusMessage,
				HTTPVersion: res.HTTPVersion, HTTPVersionMajor: res.HTTPVersionMajor, HTTPVersionMinor: res.HTTPVersionMinor,
				Headers: res.Headers(), RawHeaders: res.RawHeaders,
			})
		}
		return BodySkip
	}
	if req.shouldKeepAlive && !h.KeepAlive && !req.upgraded {
		req.shouldKeepAlive = false
	}
	// In a world with spares the listeners' second slots come from them;
	// without, Add, which inlines, keeps a keep-alive GET's cost.
	if l := req.loop; l.HasSpares() {
		res.Events.End.AddIn(l, (*reqResponseEnd)(req))
		req.OutgoingMessage.Events.Finish.AddIn(l, (*reqFinishKeepAlive)(req))
		req.resTimeoutID = s.Events.Timeout.AddIn(l, (*reqResponseTimeout)(req))
	} else {
		res.Events.End.Add((*reqResponseEnd)(req))
		req.OutgoingMessage.Events.Finish.Add((*reqFinishKeepAlive)(req))
		req.resTimeoutID = s.Events.Timeout.Add((*reqResponseTimeout)(req))
	}
	res.register()
	req.traceStatus("response", res.StatusCode)
	if req.aborted || !req.Events.Response.Emit(res) {
		res.dump()
	}
	switch {
	case req.method == "HEAD":
		return BodySkip
	case res.StatusCode == 304:
		res.Complete = true
		return BodySkip
	}
	return BodyNormal
}

// The request's listeners for its final response, req.res, as Handlers
// that are the request itself: closures would be allocated per request.
type (
	reqResponseEnd     ClientRequest // the response's 'end'
	reqFinishKeepAlive ClientRequest // the request's 'finish'
	reqResponseTimeout ClientRequest // the socket's 'timeout', forwarded to the response
)

func (h *reqResponseEnd) Handle(struct{}) {
	req := (*ClientRequest)(h)
	req.responseOnEnd(req.res)
}

func (h *reqFinishKeepAlive) Handle(struct{}) {
	if req := (*ClientRequest)(h); req.shouldKeepAlive && req.resEnded {
		req.responseKeepAlive()
	}
}

func (h *reqResponseTimeout) Handle(struct{}) {
	(*ClientRequest)(h).res.Events.emitTimeout()
}

func (req *ClientRequest) traceStatus(name string, status int) {
	if req.id != 0 && req.loop.Events().Active() {
		req.loop.Events().Emit(simnet.Event{Obj: "req", ID: req.id, Name: name, Status: status})
	}
}

// responseOnEnd runs first among the response's 'end' listeners: the socket
// goes back to the agent, or is ended when it cannot be kept.
func (req *ClientRequest) responseOnEnd(res *IncomingMessage) {
	s := req.socket
	if s != nil {
		req.removeTimeoutListeners()
	}
	req.resEnded = true
	switch {
	case !req.shouldKeepAlive:
		if s != nil && writable(s) {
			destroySoon(s)
		}
	case req.WritableFinished() && !res.Aborted:
		req.responseKeepAlive()
	}
}

// destroySoon is socket.destroySoon(): end, then destroy once finished.
func destroySoon(s *simnet.Socket) {
	if writable(s) {
		s.End(nil, nil)
	}
	if s.WritableFinished() {
		s.Destroy(nil)
		return
	}
	s.Events.Finish.Once(func(struct{}) { s.Destroy(nil) })
}

// responseKeepAlive detaches the request from its socket and, on the next
// tick, closes the request and frees the socket for the agent.
func (req *ClientRequest) responseKeepAlive() {
	s := req.socket
	if req.timeoutSet {
		s.SetTimeout(0)
		req.removeTimeoutListeners()
		req.timeoutSet = false
	}
	req.removeSocketListeners(sockClose | sockError | sockData | sockEnd)
	req.loop.NextTickWith(emitFreeNT, req)
	req.destroyed = true
	if req.res != nil {
		req.res.socket = nil
	}
}

// emitFreeNT closes the request kept alive and frees its socket.
func emitFreeNT(r any) {
	req := r.(*ClientRequest)
	req.emitClose()
	if req.pool != nil && req.conn != nil {
		req.pool.free(req.conn)
	}
}

// listenSocketTimeout forwards the socket's 'timeout' to the request.
func (req *ClientRequest) listenSocketTimeout(s *simnet.Socket) {
	if req.timeoutSet {
		return
	}
	req.timeoutSet = true
	r := req.rare.get()
	r.timeoutOff = s.Events.Timeout.Once(func(struct{}) {
		r.timeoutOff = nil
		req.trace("timeout", nil, nil)
		req.OutgoingMessage.Events.emitTimeout()
	})
}

// removeTimeoutListeners removes the request's and the response's socket
// 'timeout' listeners, as the socket outlives them when it is kept alive.
func (req *ClientRequest) removeTimeoutListeners() {
	if r := req.rare.ifMade(); r != nil && r.timeoutOff != nil {
		r.timeoutOff()
		r.timeoutOff = nil
	}
	if req.resTimeoutID != 0 {
		req.socket.Events.Timeout.Remove(req.resTimeoutID)
		req.resTimeoutID = 0
	}
}

func connReset(msg string) error {
	return &simnet.Error{Code: "ECONNRESET", Message: msg}
}

// Abort is request.abort() (deprecated in Node): 'abort' on the next tick,
// then the request is destroyed.
func (req *ClientRequest) Abort() {
	if req.aborted {
		return
	}
	req.aborted = true
	req.loop.NextTick(func() {
		req.trace("abort", nil, nil)
		if r := req.Events.rare.ifMade(); r != nil {
			r.abort.Emit(struct{}{})
		}
	})
	req.Destroy(nil)
}

// Destroy is request.destroy(err): the response, if any, is discarded and
// the socket destroyed with err, now or when it is assigned.
func (req *ClientRequest) Destroy(err error) {
	if req.destroyed {
		return
	}
	req.destroyed = true
	if req.res != nil {
		req.res.dump()
	}
	if err != nil {
		req.rare.get().err = err
	}
	if req.socket != nil {
		req.socket.Destroy(err)
	}
}

// SetTimeout is request.setTimeout(d, cb): the socket's idle timeout once
// it is assigned and connected, with cb listening for 'timeout'. A negative
// d is ERR_OUT_OF_RANGE.
func (req *ClientRequest) SetTimeout(d time.Duration, cb func()) error {
	if req.resEnded {
		return nil
	}
	d, err := timerDuration(d, "msecs")
	if err != nil {
		return err
	}
	if req.socket != nil {
		req.listenSocketTimeout(req.socket)
	} else {
		req.OutgoingMessage.Events.Socket().Once(func(s *simnet.Socket) { req.listenSocketTimeout(s) })
	}
	if cb != nil {
		req.OutgoingMessage.Events.Timeout().Once(func(struct{}) { cb() })
	}
	req.deferToConnect(func(s *simnet.Socket) { s.SetTimeout(d) })
	return nil
}

// SetNoDelay is request.setNoDelay(on), applied once the socket connects.
func (req *ClientRequest) SetNoDelay(on bool) {
	req.deferToConnect(func(s *simnet.Socket) { s.SetNoDelay(on) })
}

// SetSocketKeepAlive is request.setSocketKeepAlive(on, initialDelay).
func (req *ClientRequest) SetSocketKeepAlive(on bool, initialDelay time.Duration) {
	req.deferToConnect(func(s *simnet.Socket) { s.SetKeepAlive(on, initialDelay) })
}

// deferToConnect runs fn on the socket once it is assigned and connected.
func (req *ClientRequest) deferToConnect(fn func(*simnet.Socket)) {
	onSocket := func(s *simnet.Socket) {
		if s.Connecting() {
			s.Events.Connect.Once(func(struct{}) { fn(s) })
			return
		}
		fn(s)
	}
	if req.socket == nil {
		req.OutgoingMessage.Events.Socket().Once(onSocket)
		return
	}
	onSocket(req.socket)
}

// Aborted is request.aborted: Abort was called.
func (req *ClientRequest) Aborted() bool { return req.aborted }

// Finished is request.finished: End was called.
func (req *ClientRequest) Finished() bool { return req.finished }

// ReusedSocket is request.reusedSocket: the socket came from the agent's
// pool, so the server may have closed it meanwhile (retry on ECONNRESET).
func (req *ClientRequest) ReusedSocket() bool { return req.reusedSocket }

// Path is request.path.
func (req *ClientRequest) Path() string { return req.path }

// Method is request.method, upper-cased.
func (req *ClientRequest) Method() string { return req.method }

// Host is request.host.
func (req *ClientRequest) Host() string { return req.host }

// Protocol is request.protocol.
func (req *ClientRequest) Protocol() string { return req.protocol }

// Agent is request.agent: nil when CreateConnection replaced it.
func (req *ClientRequest) Agent() *Agent { return req.pool }

// Res is request.res: the response once its head arrived.
func (req *ClientRequest) Res() *IncomingMessage { return req.res }

// keepAliveHeader is the response's Keep-Alive header, for the agent.
func (req *ClientRequest) keepAliveHeader() string {
	if req.res == nil {
		return ""
	}
	v, _ := req.res.header("keep-alive")
	return v
}
