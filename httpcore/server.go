package httpcore

// server.go: http.Server — options, listen and close, and the per-connection
// state machine of Node's _http_server: parsing requests off the socket,
// pipelining responses in order, Expect handling, upgrades, the client error
// answers and the three timeouts (idle socket, keep-alive, headers/request).

import (
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/simhttp/simhttp/simnet"
)

// Node v20's server defaults.
const (
	defaultRequestTimeout     = 300 * time.Second
	defaultHeadersTimeout     = 60 * time.Second
	defaultKeepAliveTimeout   = 5 * time.Second
	defaultConnectionsCheck   = 30 * time.Second
	keepAliveTimeoutBuffer    = time.Second // added to keepAliveTimeout for the socket, against ECONNRESET races
	defaultMaxHeaderPairsKept = 2000        // entries (names plus values) of rawHeaders kept when maxHeadersCount is unset
)

// ServerOptions are http.createServer's options. For the durations, zero
// means Node's default and a negative value disables the timeout (Node's 0).
type ServerOptions struct {
	InsecureHTTPParser bool // accept what only Node's lenient parser accepts
	MaxHeaderSize      int  // bytes of a request head; 0 means 16384

	RequestTimeout              time.Duration // whole request received; default 300 s
	HeadersTimeout              time.Duration // request head received; default min(60 s, RequestTimeout)
	KeepAliveTimeout            time.Duration // idle time between requests; default 5 s
	ConnectionsCheckingInterval time.Duration // how often the two above are checked; default 30 s

	KeepAlive             bool          // TCP keep-alive on accepted sockets
	KeepAliveInitialDelay time.Duration // its initial delay
	NoDelay               *bool         // TCP_NODELAY on accepted sockets; nil means true
	HighWaterMark         int           // sockets' and responses' high-water mark; 0 means 16 KiB

	JoinDuplicateHeaders        bool     // join repeated request headers with ", "
	UniqueHeaders               []string // response headers sent once, their values joined with "; "
	RequireHostHeader           *bool    // answer 400 to HTTP/1.1 requests without Host; nil means true
	RejectNonStandardBodyWrites bool     // writing a body to HEAD, 204 or 304 fails instead of being ignored
}

// Exchange is a request and the response to it, as 'request',
// 'checkContinue' and 'checkExpectation' hand them out.
type Exchange struct {
	Req *IncomingMessage
	Res *ServerResponse
}

// ClientError is the payload of 'clientError': what went wrong on a
// connection before a request could be handled, and the connection.
type ClientError struct {
	Err    error
	Socket *simnet.Socket
}

// UpgradeRequest is the payload of 'upgrade', 'connect' and 'dropRequest':
// the request, its socket, and for upgrade and connect the bytes that came
// after the head.
type UpgradeRequest struct {
	Req    *IncomingMessage
	Socket *simnet.Socket
	Head   []byte
}

// ServerEvents are the events an http.Server emits.
type ServerEvents struct {
	Listening        simnet.Emitter[struct{}]
	Connection       simnet.Emitter[*simnet.Socket]
	Request          simnet.Emitter[Exchange]
	CheckContinue    simnet.Emitter[Exchange]
	CheckExpectation simnet.Emitter[Exchange]
	ClientError      simnet.Emitter[ClientError]
	Upgrade          simnet.Emitter[UpgradeRequest]
	Connect          simnet.Emitter[UpgradeRequest]
	DropRequest      simnet.Emitter[UpgradeRequest]
	Timeout          simnet.Emitter[*simnet.Socket]
	Close            simnet.Emitter[struct{}]
	Error            simnet.Emitter[error]
}

// Server is Node's http.Server on a runtime. Its exported fields are the
// properties Node lets a program change at any time.
type Server struct {
	Events ServerEvents

	// Timeout is server.timeout: a socket idle this long emits 'timeout'
	// and is destroyed when nobody listens; 0 means none.
	Timeout time.Duration
	// KeepAliveTimeout is server.keepAliveTimeout: how long a finished
	// connection may idle; it is also announced as "Keep-Alive: timeout=N".
	KeepAliveTimeout time.Duration
	// HeadersTimeout and RequestTimeout bound how long receiving a
	// request's head, and the whole request, may take (0 means no bound);
	// they are checked every ConnectionsCheckingInterval, so they fire up
	// to one interval late, as in Node.
	HeadersTimeout time.Duration
	RequestTimeout time.Duration
	// MaxHeadersCount is server.maxHeadersCount: 0 keeps Node's default
	// (2000 raw entries, so 1000 headers), a negative value means no limit.
	MaxHeadersCount int
	// MaxRequestsPerSocket is server.maxRequestsPerSocket; 0 means no limit.
	MaxRequestsPerSocket int

	rt       simnet.Runtime
	loop     *simnet.Loop
	id       int
	opts     ServerOptions
	checking time.Duration
	unique   map[string]bool

	listener  simnet.Listener
	listening bool
	conns     []*serverConn // every connection whose parser is alive, oldest first
	live      int           // Node's server._connections: sockets not destroyed yet
	checker   *simnet.Timer
	heads     headLender       // what responses render their heads with
	slab      []serverExchange // exchanges allocated together and not handed out yet
	slabSize  int              // how many the last slab held

	parsed headSpares // the arrays request heads are collected in, between heads
	date   dateCache  // the Date its responses send, for the current second
}

// CreateServer is http.createServer(options, handler): handler, if not nil,
// listens for 'request'. Options Node refuses are refused here with Node's
// error.
func CreateServer(rt simnet.Runtime, opts ServerOptions, handler func(*IncomingMessage, *ServerResponse)) (*Server, error) {
	s := simnet.Alloc[Server](rt.Loop())
	*s = Server{rt: rt, loop: rt.Loop(), opts: opts, parsed: headSpares{loop: rt.Loop()}}
	s.RequestTimeout = pickDuration(opts.RequestTimeout, defaultRequestTimeout)
	s.HeadersTimeout = pickDuration(opts.HeadersTimeout, min(defaultHeadersTimeout, s.RequestTimeout))
	if s.RequestTimeout > 0 && s.HeadersTimeout > 0 && s.HeadersTimeout > s.RequestTimeout {
		return nil, &Error{Code: "ERR_OUT_OF_RANGE", Message: "The value of \"headersTimeout\" is out of range. It must be <= requestTimeout. Received " +
			strconv.FormatInt(s.HeadersTimeout.Milliseconds(), 10)}
	}
	s.KeepAliveTimeout = pickDuration(opts.KeepAliveTimeout, defaultKeepAliveTimeout)
	s.checking = pickDuration(opts.ConnectionsCheckingInterval, defaultConnectionsCheck)
	if opts.MaxHeaderSize < 0 {
		return nil, &Error{Code: "ERR_OUT_OF_RANGE", Message: "The value of \"maxHeaderSize\" is out of range. It must be >= 0 && <= 9007199254740991. Received " + strconv.Itoa(opts.MaxHeaderSize)}
	}
	if len(opts.UniqueHeaders) > 0 {
		s.unique = make(map[string]bool, len(opts.UniqueHeaders))
		for _, h := range opts.UniqueHeaders {
			s.unique[strings.ToLower(h)] = true
		}
	}
	s.id = s.loop.Events().NewID("server")
	if handler != nil {
		s.Events.Request.On(func(e Exchange) { handler(e.Req, e.Res) })
	}
	return s, nil
}

func pickDuration(d, dflt time.Duration) time.Duration {
	switch {
	case d == 0:
		return dflt
	case d < 0:
		return 0
	}
	return d
}

func (s *Server) trace(name string) {
	if s.loop.Events().Active() {
		s.loop.Events().Emit(simnet.Event{Obj: "server", ID: s.id, Name: name})
	}
}

// Listen is server.listen(port, host, cb): cb runs on 'listening'. Failing
// to bind (EADDRINUSE...) is reported through 'error' on the next tick, as
// in Node; only calling Listen twice fails at once.
func (s *Server) Listen(port int, host string, cb func()) error {
	return s.ListenOptions(simnet.ListenOptions{Host: host, Port: port}, cb)
}

// ListenOptions is server.listen(options, cb).
func (s *Server) ListenOptions(opts simnet.ListenOptions, cb func()) error {
	if s.listener != nil {
		return &Error{Code: "ERR_SERVER_ALREADY_LISTEN", Message: "Listen method has been called more than once without closing."}
	}
	// The HTTP server reads a half-closed connection to its end itself.
	opts.AllowHalfOpen = true
	l, err := s.rt.Listen(opts, s.onConnection)
	if err != nil {
		s.loop.NextTick(func() {
			if !s.Events.Error.Emit(err) {
				panic(err)
			}
		})
		return nil
	}
	s.listener, s.listening = l, true
	if cb != nil {
		s.Events.Listening.Once(func(struct{}) { cb() })
	}
	s.loop.NextTick(func() {
		if !s.listening {
			return
		}
		s.startChecking()
		s.Events.Listening.Emit(struct{}{})
	})
	return nil
}

// startChecking arms the timer that checks headersTimeout and
// requestTimeout, as Node does on 'listening'. It does not keep the loop
// alive.
func (s *Server) startChecking() {
	if s.checker != nil {
		s.checker.Clear()
	}
	s.checker = s.loop.SetInterval(s.checking, s.checkConnections)
	s.checker.Unref()
}

// Listening is server.listening.
func (s *Server) Listening() bool { return s.listening }

// Address is server.address(); ok is false when the server is not listening.
func (s *Server) Address() (addr netip.AddrPort, ok bool) {
	if s.listener == nil {
		return netip.AddrPort{}, false
	}
	return s.listener.Addr(), true
}

// Ref makes the listening server keep the loop alive (the default).
func (s *Server) Ref() {
	if s.listener != nil {
		s.listener.Ref()
	}
}

// Unref lets the loop finish while the server still listens.
func (s *Server) Unref() {
	if s.listener != nil {
		s.listener.Unref()
	}
}

// SetTimeout is server.setTimeout(d, cb): the idle timeout of sockets
// accepted from now on; cb listens for 'timeout'.
func (s *Server) SetTimeout(d time.Duration, cb func(*simnet.Socket)) {
	s.Timeout = d
	if cb != nil {
		s.Events.Timeout.On(cb)
	}
}

// Close is server.close(cb): stop listening, close idle connections (as
// Node v20 does) and emit 'close' once every connection is gone. cb gets
// ERR_SERVER_NOT_RUNNING when the server was not listening.
func (s *Server) Close(cb func(error)) {
	if s.listener != nil {
		// Node's server._connections already left out every socket
		// destroyed so far, however it was destroyed.
		for _, c := range append([]*serverConn(nil), s.conns...) {
			c.checkGone()
		}
	}
	s.CloseIdleConnections()
	if s.checker != nil {
		s.checker.Clear()
	}
	if cb != nil {
		if s.listener == nil {
			s.Events.Close.Once(func(struct{}) {
				cb(&Error{Code: "ERR_SERVER_NOT_RUNNING", Message: "Server is not running."})
			})
		} else {
			s.Events.Close.Once(func(struct{}) { cb(nil) })
		}
	}
	if s.listener != nil {
		s.listener.Close()
		s.listener = nil
	}
	s.listening = false
	s.emitCloseIfDrained()
}

// emitCloseIfDrained emits 'close' on the next tick once the server stopped
// listening and its last connection is gone.
func (s *Server) emitCloseIfDrained() {
	if s.listener != nil || s.live > 0 {
		return
	}
	s.loop.NextTick(func() {
		s.trace("close")
		s.Events.Close.Emit(struct{}{})
	})
}

// CloseAllConnections is server.closeAllConnections().
func (s *Server) CloseAllConnections() {
	for _, c := range append([]*serverConn(nil), s.conns...) {
		c.destroy(nil)
	}
}

// CloseIdleConnections is server.closeIdleConnections(): it destroys the
// connections that are between requests and not writing a response.
func (s *Server) CloseIdleConnections() {
	for _, c := range append([]*serverConn(nil), s.conns...) {
		if !c.idle {
			continue
		}
		if c.current != nil && !c.current.finished {
			continue
		}
		c.destroy(nil)
	}
}

// checkConnections destroys, with 408, the connections whose request head
// or request took too long (Node's ConnectionsList.expired).
func (s *Server) checkConnections() {
	if s.HeadersTimeout == 0 && s.RequestTimeout == 0 {
		return
	}
	now := s.loop.Now()
	var expired []*serverConn
	for _, c := range s.conns {
		if !c.active {
			continue
		}
		headersLate := !c.headersCompleted && s.HeadersTimeout > 0 && now > s.HeadersTimeout && c.messageStart < now-s.HeadersTimeout
		requestLate := s.RequestTimeout > 0 && now > s.RequestTimeout && c.messageStart < now-s.RequestTimeout
		if headersLate || requestLate {
			c.active = false
			expired = append(expired, c)
		}
	}
	for _, c := range expired {
		c.onError(&Error{Code: "ERR_HTTP_REQUEST_TIMEOUT", Message: "Request timeout"})
	}
}

// onConnection is Node's connectionListener: it wires a new socket to a
// request parser, then emits 'connection'.
func (s *Server) onConnection(sock *simnet.Socket) {
	s.live++
	c := simnet.Alloc[serverConn](s.loop)
	*c = serverConn{srv: s, sock: sock}
	c.hwm = s.opts.HighWaterMark
	if c.hwm <= 0 {
		c.hwm = simnet.DefaultHighWaterMark
	}
	if s.opts.NoDelay == nil || *s.opts.NoDelay {
		sock.SetNoDelay(true)
	}
	if s.opts.KeepAlive {
		sock.SetKeepAlive(true, s.opts.KeepAliveInitialDelay)
	}
	// Node counts a connection until its socket is destroyed, upgraded or
	// not, and learns of it at once. A socket tells only of its 'close', so
	// the server also looks right after the moments a socket destroys
	// itself: its 'end', 'finish' and 'error'.
	c.watchGone()
	s.trace("connection")
	c.start()
	s.Events.Connection.Emit(sock)
}

// serverConn is the state of one accepted connection (Node's per-socket
// state object plus the parser's entry in the ConnectionsList).
type serverConn struct {
	srv    *Server
	sock   *simnet.Socket
	parser *Parser
	hwm    int

	incoming []*IncomingMessage // requests not yet answered, oldest first
	outgoing []*ServerResponse  // responses waiting for the socket
	current  *ServerResponse    // the response that owns the socket
	reading  *IncomingMessage   // the request whose body the parser is reading

	outgoingData     int // bytes buffered by responses waiting their turn
	requestsCount    int // for maxRequestsPerSocket
	maxHeaderEntries int // rawHeaders entries kept; 0 means all

	// ConnectionsList bookkeeping: a connection is active from the first
	// byte of a request (or from being accepted) until the request is
	// complete, and idle only between complete requests.
	active           bool
	inMessage        bool
	idle             bool
	headersCompleted bool
	messageStart     time.Duration

	// The flags fill the four bytes the listener ids leave of their
	// words, which keeps a connection in Go's 176-byte size class instead
	// of 192 (TestServerConnKeepsItsSizeClass).
	gone                bool // destroyed: no longer counted in server._connections
	detached            bool // upgraded or closed: the parser is gone
	keepAliveTimeoutSet bool // the socket's timeout is the keep-alive one
	paused              bool // reading stopped until responses catch up
	listeners           connListeners
	upgradeTo           *IncomingMessage // set when a head asked to upgrade and someone listens
}

func (c *serverConn) start() {
	s := c.srv
	if s.Timeout > 0 {
		c.sock.SetTimeout(s.Timeout)
	}
	c.maxHeaderEntries = headerEntryLimit(s.MaxHeadersCount)
	c.parser = newParser(s.loop, ParseRequest, ParserOptions{MaxHeaderSize: s.opts.MaxHeaderSize, Lenient: s.opts.InsecureHTTPParser})
	c.parser.hooks = (*connParserHooks)(c)
	c.parser.spares = &s.parsed
	s.conns = append(s.conns, c)
	c.active, c.messageStart = true, s.loop.Now()
	c.listen()
}

// destroy destroys the socket and counts the connection as gone at once, as
// Node's server._connections does.
func (c *serverConn) destroy(err error) {
	c.sock.Destroy(err)
	c.markGone()
}

func (c *serverConn) readStop() { c.sock.Pause() }

func (c *serverConn) socketDestroyed() { c.checkGone() }

// checkGone counts the connection as gone if its socket was destroyed.
func (c *serverConn) checkGone() {
	if c.sock.Destroyed() {
		c.markGone()
	}
}

func (c *serverConn) markGone() {
	if c.gone {
		return
	}
	c.gone = true
	c.srv.live--
	c.srv.emitCloseIfDrained()
}

// forget takes the connection out of the server's list (Node frees the
// parser when the socket closes or upgrades).
func (c *serverConn) forget() {
	c.detached = true
	c.active = false
	s := c.srv
	for i, x := range s.conns {
		if x == c {
			s.conns = append(s.conns[:i:i], s.conns[i+1:]...)
			break
		}
	}
}

func (c *serverConn) beginMessage() {
	c.inMessage, c.active, c.headersCompleted, c.idle = true, true, false, false
	c.messageStart = c.srv.loop.Now()
}

func (c *serverConn) onData(d []byte) {
	if c.detached {
		return
	}
	n, err := c.parser.Execute(d)
	if err == nil && !c.inMessage && c.parser.Pending() {
		c.beginMessage()
	}
	c.afterExecute(n, err, d)
}

// afterExecute is Node's onParserExecuteCommon: parse errors go to
// clientError, an upgrade hands the socket over.
func (c *serverConn) afterExecute(n int, err error, d []byte) {
	if err != nil {
		c.onError(err)
		return
	}
	req := c.upgradeTo
	if req == nil {
		if c.parser.Upgraded() {
			// The head asked to upgrade but nobody listens, so it was
			// answered as a plain request. Like Node, drop the rest of
			// this chunk and parse what comes next afresh.
			c.parser.Reset(ParseRequest)
		}
		return
	}
	s := c.srv
	c.unlisten()
	c.forget()
	head := append([]byte(nil), d[min(n, len(d)):]...)
	if req.Method == "CONNECT" {
		if s.Events.Connect.ListenerCount() == 0 {
			c.destroy(nil)
			return
		}
		req.register()
		s.trace("connect")
		s.Events.Connect.Emit(UpgradeRequest{Req: req, Socket: c.sock, Head: head})
		return
	}
	req.register()
	s.trace("upgrade")
	s.Events.Upgrade.Emit(UpgradeRequest{Req: req, Socket: c.sock, Head: head})
}

// onHead is Node's parserOnHeadersComplete and parserOnIncoming: it makes the
// request and its response and decides who answers.
func (c *serverConn) onHead(h *MessageHead) BodyMode {
	s := c.srv
	if !c.inMessage {
		c.beginMessage()
	}
	c.headersCompleted = true
	x := s.newExchange()
	req := &x.req
	req.init(s.loop, c.sock, c)
	req.joinDuplicateHeaders = s.opts.JoinDuplicateHeaders
	req.setHead(h, c.maxHeaderEntries)
	c.reading = req

	if c.keepAliveTimeoutSet {
		c.sock.SetTimeout(s.Timeout)
		c.keepAliveTimeoutSet = false
	}
	if req.Upgrade {
		req.Upgrade = req.Method == "CONNECT" || s.Events.Upgrade.ListenerCount() > 0
		if req.Upgrade {
			c.upgradeTo = req
			return BodyUpgrade
		}
	}
	c.incoming = append(c.incoming, req)
	if !c.paused && (c.sock.WritableNeedDrain() || c.outgoingData >= c.hwm) {
		c.paused = true
		c.sock.Pause()
	}
	res := &x.res
	initServerResponse(res, s, c, req, h.KeepAlive)
	if c.current != nil {
		c.outgoing = append(c.outgoing, res)
	} else {
		res.assignSocket()
	}
	res.Events.Finish.Add((*exchangeFinish)(x))

	if h.VersionMajor == 1 && h.VersionMinor == 1 {
		host, expect, hasExpect := req.hostAndExpect()
		if !host && (s.opts.RequireHostHeader == nil || *s.opts.RequireHostHeader) {
			if err := res.WriteHead(400, "", []string{"Connection", "close"}); err == nil {
				_ = res.End(nil, nil)
			}
			return BodyNormal
		}
		if s.MaxRequestsPerSocket > 0 {
			c.requestsCount++
			res.maxRequestsOnConnectionReached = s.MaxRequestsPerSocket <= c.requestsCount
			if s.MaxRequestsPerSocket < c.requestsCount {
				req.register()
				s.trace("dropRequest")
				s.Events.DropRequest.Emit(UpgradeRequest{Req: req, Socket: c.sock})
				if err := res.WriteHead(503, "", nil); err == nil {
					_ = res.End(nil, nil)
				}
				return BodyNormal
			}
		}
		if hasExpect {
			c.expect(req, res, expect)
			return BodyNormal
		}
	}
	s.emitExchange("request", &s.Events.Request, req, res)
	return BodyNormal
}

// maxExchangeSlab is how many exchanges are allocated at once, at most.
// An exchange is 856 bytes, so the allocator fetched a new span every
// ninth request when each had its own; a slab of n is one allocation
// of n*856 bytes plus the 8-byte type header Go puts before a pointerful
// object. Slabs of 1, 2, 4 and 8 take the 896-, 1,792-, 3,456- and
// 6,912-byte size classes; a slab of 11 takes Go's 9,472-byte class,
// 861 bytes an exchange, where 12 would take 10,880, 907 an exchange
// (TestExchangeSlabsKeepTheirSizeClasses).
// Slabs of 32 took as many instructions per request and missed the L1
// cache 30% more often (valgrind's cache simulation of BenchmarkSimServer):
// the slab is cleared in one go, and the longer it waits to be used, the
// less of it is still in the cache. Slabs double from one:
// most servers of a feature run or a sweep seed answer a request or two,
// and a full slab would be mostly garbage. What a slab costs: a request
// or response a program keeps keeps its slab's memory alive.
const maxExchangeSlab = 11

// newExchange hands out the next unused exchange of the server's slab.
func (s *Server) newExchange() *serverExchange {
	if len(s.slab) == 0 {
		s.slabSize = min(max(2*s.slabSize, 1), maxExchangeSlab)
		s.slab = simnet.AllocSlice[serverExchange](s.loop, s.slabSize)
	}
	x := &s.slab[0]
	s.slab = s.slab[1:]
	return x
}

// expect answers a request with an Expect header: 100-continue goes to
// 'checkContinue' (or is granted at once), anything else to
// 'checkExpectation' (or refused with 417).
func (c *serverConn) expect(req *IncomingMessage, res *ServerResponse, expect string) {
	s := c.srv
	if hasToken(expect, "100-continue") {
		res.expectContinue = true
		if s.Events.CheckContinue.ListenerCount() > 0 {
			s.emitExchange("checkContinue", &s.Events.CheckContinue, req, res)
			return
		}
		res.WriteContinue(nil)
		s.emitExchange("request", &s.Events.Request, req, res)
		return
	}
	if s.Events.CheckExpectation.ListenerCount() > 0 {
		s.emitExchange("checkExpectation", &s.Events.CheckExpectation, req, res)
		return
	}
	if err := res.WriteHead(417, "", nil); err == nil {
		_ = res.End(nil, nil)
	}
}

func (s *Server) emitExchange(name string, e *simnet.Emitter[Exchange], req *IncomingMessage, res *ServerResponse) {
	req.register()
	res.register()
	s.trace(name)
	e.Emit(Exchange{Req: req, Res: res})
}

func (c *serverConn) onBody(b []byte) {
	if req := c.reading; req != nil {
		req.pushBody(b)
	}
	// Node's server parser reads the socket in C++ and hands each body
	// chunk to JavaScript as a callback of its own, whose queued ticks run
	// before parsing goes on: a parse error right after the body reaches
	// clientError after the body's 'data' (fixtures/node case
	// api-request-body-longer-than-length).
	c.srv.loop.DrainTicks()
}

func (c *serverConn) onComplete(rawTrailers []string) {
	c.inMessage, c.active, c.idle = false, false, true
	if req := c.reading; req != nil {
		req.finishMessage(rawTrailers)
	}
	c.readStart()
}

// readStart lets the socket flow again unless responses are behind.
func (c *serverConn) readStart() {
	if !c.paused && !c.sock.Destroyed() && !c.sock.ReadableEnded() {
		c.sock.Resume()
	}
}

// onResponseFinish is Node's resOnFinish: the response is done, so the next
// one in line gets the socket, or the connection idles or ends.
func (c *serverConn) onResponseFinish(x *serverExchange) {
	req, res := &x.req, &x.res
	s := c.srv
	if len(c.incoming) > 0 && c.incoming[0] == req {
		// Shifted in place, so a keep-alive connection reuses the queue.
		c.incoming = deleteAt(c.incoming, 0)
	}
	if !req.consuming && !req.r.resumeScheduled {
		req.dump()
	}
	res.detachSocket()
	if c.reading == req {
		if req.r.endEmitted {
			c.reading = nil
		} else {
			req.Events.End.AddOnce((*exchangeReadEnd)(x))
		}
	}
	s.loop.NextTickWith(serverResponseEmitClose, res)
	switch {
	case res.last:
		c.destroySoon()
	case len(c.outgoing) == 0:
		if s.KeepAliveTimeout > 0 {
			c.sock.SetTimeout(s.KeepAliveTimeout + keepAliveTimeoutBuffer)
			c.keepAliveTimeoutSet = true
		}
	default:
		next := c.outgoing[0]
		c.outgoing = c.outgoing[1:]
		next.assignSocket()
	}
}

// destroySoon ends the socket and destroys it once everything was written.
func (c *serverConn) destroySoon() {
	sock := c.sock
	if !sock.WritableEnded() && !sock.Destroyed() {
		sock.End(nil, nil)
	}
	if sock.WritableFinished() {
		c.destroy(nil)
		return
	}
	sock.Events.Finish.Once(func(struct{}) { c.destroy(nil) })
}

// onError is Node's socketOnError: the first error of a connection goes to
// 'clientError'; with nobody listening the server answers 400, 408, 413 or
// 431 when it still can, and destroys the socket.
func (c *serverConn) onError(err error) {
	s := c.srv
	if c.stopErrorListener() {
		// Later errors of this socket are expected and ignored.
		c.sock.Events.Error.On(func(error) {})
	}
	s.loop.Events().Emit(simnet.Event{Obj: "server", ID: s.id, Name: "clientError", Code: simnet.CodeOf(err)})
	if s.Events.ClientError.Emit(ClientError{Err: err, Socket: c.sock}) {
		return
	}
	if socketWritable(c.sock) && (c.current == nil || !c.current.headerSent) {
		c.sock.Write([]byte(clientErrorResponse(simnet.CodeOf(err))), nil)
	}
	c.destroy(err)
}

// clientErrorResponse is the canned answer Node writes for a client error.
func clientErrorResponse(code string) string {
	status := 400
	switch code {
	case "HPE_HEADER_OVERFLOW":
		status = 431
	case "HPE_CHUNK_EXTENSIONS_OVERFLOW":
		status = 413
	case "ERR_HTTP_REQUEST_TIMEOUT":
		status = 408
	}
	return "HTTP/1.1 " + strconv.Itoa(status) + " " + StatusText(status) + "\r\nConnection: close\r\n\r\n"
}

// onEnd is Node's socketOnEnd: a request cut short is a client error;
// otherwise the server ends its side too.
func (c *serverConn) onEnd() {
	if err := c.parser.Finish(); err != nil {
		c.onError(err)
		return
	}
	c.sock.End(nil, nil)
}

// onClose is Node's socketOnClose and onServerResponseClose: requests still
// unanswered are aborted, and the response owning the socket closes.
func (c *serverConn) onClose() {
	c.forget()
	incoming := c.incoming
	c.incoming = nil
	for _, req := range incoming {
		req.Destroy(&simnet.Error{Code: "ECONNRESET", Message: "aborted"})
	}
	if res := c.current; res != nil {
		res.emitClose()
	}
}

func (c *serverConn) onDrain() {
	if c.paused && c.outgoingData <= c.hwm {
		c.paused = false
		c.sock.Resume()
	}
	if m := c.current; m != nil && !m.finished && m.needDrain {
		m.needDrain = false
		m.emitDrain()
	}
}

func (c *serverConn) updateOutgoingData(delta int) {
	c.outgoingData += delta
	c.onDrain()
}

// onTimeout is Node's socketOnTimeout: the request, the response and the
// server hear of it, and with nobody listening the socket is destroyed.
func (c *serverConn) onTimeout() {
	s := c.srv
	heard := false
	if req := c.reading; req != nil && !req.Complete {
		req.trace(simnet.Event{Name: "timeout"})
		heard = req.Events.emitTimeout()
	}
	if res := c.current; res != nil {
		res.trace("timeout", nil)
		heard = res.Events.emitTimeout() || heard
	}
	s.trace("timeout")
	if s.Events.Timeout.Emit(c.sock) || heard {
		return
	}
	c.destroy(nil)
}
