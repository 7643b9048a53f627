// agent.go: http.Agent, the connection pool of the client, and the global
// agent each runtime has.

package httpcore

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/simhttp/simhttp/internal/samestr"
	"github.com/simhttp/simhttp/simnet"
)

// maxSocketsInfinity stands for Node's Infinity as a socket limit.
const maxSocketsInfinity = math.MaxInt

// AgentOptions are new http.Agent's options; a zero field takes Node's default.
type AgentOptions struct {
	// KeepAlive keeps sockets in the pool when no request waits for them.
	KeepAlive bool
	// KeepAliveMsecs is the TCP keep-alive initial delay of pooled sockets (1 s).
	KeepAliveMsecs time.Duration
	// AgentKeepAliveTimeoutBuffer is taken off a server's Keep-Alive:
	// timeout=N hint to expire a free socket before the server does; nil
	// means 1 s. (Node v20 has no such option: it always takes 1 s off.)
	AgentKeepAliveTimeoutBuffer *time.Duration
	// MaxSockets caps the sockets per origin; zero means no cap.
	MaxSockets int
	// MaxTotalSockets caps the sockets across origins; zero means no cap.
	MaxTotalSockets int
	// MaxFreeSockets caps the free sockets kept per origin (256).
	MaxFreeSockets int
	// Scheduling picks the next free socket: "lifo" (the default) or "fifo".
	Scheduling string
	// Timeout is the idle timeout set on every socket the agent creates.
	Timeout time.Duration
	// DefaultPort is the port of requests that name none (80).
	DefaultPort int
	// Protocol is the only protocol the agent's requests may use ("http:").
	Protocol string

	// CreateConnection replaces Agent.CreateConnection.
	CreateConnection func(a *Agent, opts simnet.ConnectOptions, cb func(*simnet.Socket, error)) (*simnet.Socket, error)
	// KeepSocketAlive replaces Agent.KeepSocketAlive.
	KeepSocketAlive func(a *Agent, s *simnet.Socket) bool
	// ReuseSocket replaces Agent.ReuseSocket.
	ReuseSocket func(a *Agent, s *simnet.Socket, req *ClientRequest)
}

// AgentEvents are the events an Agent emits.
type AgentEvents struct {
	// Free is emitted when a socket is released by its request, after the
	// agent has queued, pooled or destroyed it.
	Free simnet.Emitter[*simnet.Socket]
}

// Agent is http.Agent: it hands requests sockets, creating them up to its
// limits, queueing requests beyond them, and keeping idle sockets alive for
// reuse when KeepAlive is set. It lives on its runtime's loop.
type Agent struct {
	Events AgentEvents

	rt    simnet.Runtime
	id    int // trace number; 0 for the untraced one-off agent of NoAgent
	hooks agentHooks

	keepAlive      bool
	keepAliveMsecs time.Duration
	hintBuffer     time.Duration
	maxSockets     int
	maxTotal       int
	maxFree        int
	fifo           bool
	timeout        time.Duration
	defaultPort    int
	protocol       string

	sockets     namedList[*agentConn]     // in use, by origin name
	freeSockets namedList[*agentConn]     // idle, by origin name
	requests    namedList[*ClientRequest] // waiting for a socket
	totalCount  int                       // totalSocketCount
	conns       map[*simnet.Socket]*agentConn
	names       map[nameKey]string // GetName's answers, built once per origin; the last may be in lastName alone
	lastName    nameMemo           // GetName's last answer, found without hashing
	parsers     []freeParser       // response parsers freed by finished requests
	parsed      headSpares         // what its parsers keep between response heads
	lastHost    hostMemo           // the Host header its last request was given
	lastHint    hintMemo           // the last Keep-Alive header it read a hint from
	heads       headLender         // what its requests render their heads with
}

// agentHooks are the overrides of AgentOptions, the one part of the options
// an agent consults after NewAgent: keeping them rather than the whole
// 120-byte AgentOptions takes an Agent from the 1,408-byte size class to
// the 1,280-byte one, and a sweep seed makes an agent per world.
type agentHooks struct {
	createConnection func(a *Agent, opts simnet.ConnectOptions, cb func(*simnet.Socket, error)) (*simnet.Socket, error)
	keepSocketAlive  func(a *Agent, s *simnet.Socket) bool
	reuseSocket      func(a *Agent, s *simnet.Socket, req *ClientRequest)
}

// nameKey is what an origin's name is made of.
type nameKey struct {
	host, localAddress string
	port, family       int
}

// of reports whether k is the key of opts, in line and with each string's
// length and bytes compared only when its address differs: a request's
// options mostly carry the very strings the last one did, and == on a key
// made from them called memequal for each, some forty instructions a
// request.
func (k *nameKey) of(opts *simnet.ConnectOptions) bool {
	return k.port == opts.Port && k.family == opts.Family &&
		samestr.Equal(k.host, opts.Host) && samestr.Equal(k.localAddress, opts.LocalAddress)
}

// nameMemo is an origin's name with its key: an agent's requests mostly
// go to one origin, and comparing the key costs less than hashing it.
type nameMemo struct {
	key  nameKey
	name string // "": none yet
}

// agentConn is the agent's record of one of its sockets.
type agentConn struct {
	s         *simnet.Socket
	name      string
	opts      simnet.ConnectOptions // made with; reused for queued requests
	req       *ClientRequest        // socket._httpMessage: the request on it
	onClose   simnet.ListenerID     // the agent's socket listeners; 0: removed
	onTimeout simnet.ListenerID
	agent     *Agent
	freeErr   simnet.ListenerID // the error listener of a free socket; 0: none
	// live is conns[s] == this record, kept so that what every request
	// does with its socket asks no map.
	live bool
}

// NewAgent is new http.Agent(options) on runtime rt. Invalid options get
// Node's ERR_INVALID_ARG_VALUE or ERR_OUT_OF_RANGE.
func NewAgent(rt simnet.Runtime, opts AgentOptions) (*Agent, error) {
	a, err := newAgent(rt, opts)
	if err != nil {
		return nil, err
	}
	a.id = rt.Loop().Events().NewID("agent")
	return a, nil
}

func newAgent(rt simnet.Runtime, opts AgentOptions) (*Agent, error) {
	a := simnet.Alloc[Agent](rt.Loop())
	*a = Agent{
		rt:             rt,
		hooks:          agentHooks{opts.CreateConnection, opts.KeepSocketAlive, opts.ReuseSocket},
		keepAlive:      opts.KeepAlive,
		keepAliveMsecs: cmpOr(opts.KeepAliveMsecs, time.Second),
		hintBuffer:     time.Second,
		maxSockets:     cmpOr(opts.MaxSockets, maxSocketsInfinity),
		maxTotal:       cmpOr(opts.MaxTotalSockets, maxSocketsInfinity),
		maxFree:        cmpOr(opts.MaxFreeSockets, 256),
		timeout:        opts.Timeout,
		defaultPort:    cmpOr(opts.DefaultPort, 80),
		protocol:       cmpOr(opts.Protocol, "http:"),
		conns:          map[*simnet.Socket]*agentConn{},
		names:          map[nameKey]string{},
		parsed:         headSpares{loop: rt.Loop()},
	}
	switch opts.Scheduling {
	case "", "lifo":
	case "fifo":
		a.fifo = true
	default:
		return nil, &Error{Code: "ERR_INVALID_ARG_VALUE",
			Message: fmt.Sprintf("The argument 'scheduling' must be one of: 'fifo', 'lifo'. Received '%s'", opts.Scheduling)}
	}
	for _, c := range []struct {
		name string
		v    int
	}{{"maxSockets", opts.MaxSockets}, {"maxTotalSockets", opts.MaxTotalSockets}, {"maxFreeSockets", opts.MaxFreeSockets}} {
		if c.v < 0 {
			return nil, outOfRange(c.name, ">= 1", strconv.Itoa(c.v))
		}
	}
	if opts.KeepAliveMsecs < 0 {
		return nil, outOfRange("keepAliveMsecs", "a non-negative finite number", formatMs(opts.KeepAliveMsecs))
	}
	if opts.Timeout < 0 {
		return nil, outOfRange("timeout", "a non-negative finite number", formatMs(opts.Timeout))
	}
	if b := opts.AgentKeepAliveTimeoutBuffer; b != nil {
		if *b < 0 {
			return nil, outOfRange("agentKeepAliveTimeoutBuffer", "a non-negative finite number", formatMs(*b))
		}
		a.hintBuffer = *b
	}
	return a, nil
}

func cmpOr[T comparable](v, dflt T) T {
	var zero T
	if v == zero {
		return dflt
	}
	return v
}

// globalAgentsKey keys the loop's table of global agents, one per runtime.
type globalAgentsKey struct{}

// GlobalAgent is http.globalAgent for runtime rt: one per runtime, made on
// first use with Node v20's options (keepAlive, lifo, a 5 s timeout).
func GlobalAgent(rt simnet.Runtime) *Agent {
	agents := rt.Loop().Global(globalAgentsKey{}, func() any { return map[simnet.Runtime]*Agent{} }).(map[simnet.Runtime]*Agent)
	a := agents[rt]
	if a == nil {
		// These options are valid, so NewAgent cannot fail.
		a, _ = NewAgent(rt, AgentOptions{KeepAlive: true, Scheduling: "lifo", Timeout: 5 * time.Second})
		agents[rt] = a
	}
	return a
}

// oneOffAgent is the agent of agent: false: default options, and not
// traced, as Node's reference tracer never sees it.
func oneOffAgent(rt simnet.Runtime) *Agent {
	a, _ := newAgent(rt, AgentOptions{})
	return a
}

// GetName is agent.getName(options): the origin key host:port:localAddress,
// with :family appended when it is 4 or 6.
func (a *Agent) GetName(opts simnet.ConnectOptions) string {
	if a.lastName.name != "" && a.lastName.key.of(&opts) {
		return a.lastName.name
	}
	key := nameKey{host: opts.Host, localAddress: opts.LocalAddress, port: opts.Port, family: opts.Family}
	name, ok := a.names[key]
	if !ok {
		name = cmpOr(opts.Host, "localhost") + ":"
		if opts.Port != 0 {
			name += strconv.Itoa(opts.Port)
		}
		name += ":" + opts.LocalAddress
		if opts.Family == 4 || opts.Family == 6 {
			name += ":" + strconv.Itoa(opts.Family)
		}
	}
	// The map takes an answer only when another takes the memo, so an
	// agent that talks to one origin, as most do, never grows it (a map's
	// first entry costs a table of eight 64-byte slots, 576 bytes).
	if a.lastName.name != "" {
		a.names[a.lastName.key] = a.lastName.name
	}
	a.lastName = nameMemo{key, name}
	return name
}

// KeepAlive is agent.keepAlive.
func (a *Agent) KeepAlive() bool { return a.keepAlive }

// MaxSockets is agent.maxSockets; math.MaxInt stands for Infinity.
func (a *Agent) MaxSockets() int { return a.maxSockets }

// TotalSocketCount is agent.totalSocketCount.
func (a *Agent) TotalSocketCount() int { return a.totalCount }

// Sockets is agent.sockets: the sockets in use, by origin name.
func (a *Agent) Sockets() map[string][]*simnet.Socket { return connSockets(&a.sockets) }

// FreeSockets is agent.freeSockets: the idle sockets kept for reuse.
func (a *Agent) FreeSockets() map[string][]*simnet.Socket { return connSockets(&a.freeSockets) }

// Requests is agent.requests: the requests waiting for a socket.
func (a *Agent) Requests() map[string][]*ClientRequest {
	out := make(map[string][]*ClientRequest, len(a.requests.lists))
	for _, e := range a.requests.lists {
		out[e.name] = slices.Clone(e.vs)
	}
	return out
}

// Destroy is agent.destroy(): it destroys every free and in-use socket.
func (a *Agent) Destroy() {
	for _, l := range []*namedList[*agentConn]{&a.freeSockets, &a.sockets} {
		names := make([]string, len(l.lists))
		for i, e := range l.lists {
			names[i] = e.name
		}
		for _, k := range names {
			for _, c := range slices.Clone(l.get(k)) {
				c.s.Destroy(nil)
			}
		}
	}
}

// RemoveSocket is socket.emit('agentRemove'): the agent forgets s, so a
// request can keep it (an upgrade, a long poll) without holding a pool slot.
func (a *Agent) RemoveSocket(s *simnet.Socket) {
	if c := a.conns[s]; c != nil {
		a.agentRemove(c)
	}
}

// CreateConnection is agent.createConnection: net.connect on the agent's
// runtime, with Node's noDelay and, for a keep-alive agent, TCP keep-alive
// once connected. It answers synchronously; cb is not used.
func (a *Agent) CreateConnection(opts simnet.ConnectOptions, cb func(*simnet.Socket, error)) (*simnet.Socket, error) {
	s, err := a.rt.Connect(opts)
	if err != nil {
		return nil, err
	}
	s.Events.Connect.Once(func(struct{}) {
		s.SetNoDelay(true)
		if a.keepAlive {
			s.SetKeepAlive(true, a.keepAliveMsecs)
		}
	})
	return s, nil
}

// keepAliveHint reads the N of a Keep-Alive header starting "timeout=N",
// as Node's /^timeout=(\d+)/ does; ok is false when there is none.
func keepAliveHint(v string) (secs int64, ok bool) {
	digits, found := strings.CutPrefix(v, "timeout=")
	if !found {
		return 0, false
	}
	n := 0
	for n < len(digits) && digits[n] >= '0' && digits[n] <= '9' {
		n++
	}
	if n == 0 {
		return 0, false
	}
	secs, err := strconv.ParseInt(digits[:n], 10, 64)
	if err != nil || secs > math.MaxInt64/int64(time.Second) {
		// More seconds than a Duration holds: longer than any timeout.
		secs = math.MaxInt64 / int64(time.Second)
	}
	return secs, true
}

// hintMemo is a Keep-Alive header value with its keepAliveHint: a server
// sends the same one with every response, and parsing it cost a
// keep-alive GET about 190 instructions.
type hintMemo struct {
	value string
	secs  int64 // -1: no hint
}

// hint is keepAliveHint(v), from the agent's memo when v is the value it
// read last.
func (a *Agent) hint(v string) (int64, bool) {
	if v == "" {
		return 0, false
	}
	if !samestr.Equal(v, a.lastHint.value) {
		secs, ok := keepAliveHint(v)
		if !ok {
			secs = -1
		}
		a.lastHint = hintMemo{v, secs}
	}
	return a.lastHint.secs, a.lastHint.secs >= 0
}

// KeepSocketAlive is agent.keepSocketAlive(socket), called when a socket
// could go back to the pool: it enables TCP keep-alive, unrefs the socket
// and sets the agent's timeout, shortened to the server's Keep-Alive hint
// less AgentKeepAliveTimeoutBuffer. It refuses (false) when the hint leaves
// no time at all.
func (a *Agent) KeepSocketAlive(s *simnet.Socket) bool { return a.keepConnAlive(s, a.conns[s]) }

// keepConnAlive is KeepSocketAlive of s, whose record c is (nil: none).
func (a *Agent) keepConnAlive(s *simnet.Socket, c *agentConn) bool {
	s.SetKeepAlive(true, a.keepAliveMsecs)
	s.Unref()
	timeout, keep := a.timeout, true
	if c != nil && c.req != nil {
		if secs, ok := a.hint(c.req.keepAliveHeader()); ok {
			hint := time.Duration(secs)*time.Second - a.hintBuffer
			switch {
			case hint <= 0:
				keep = false
			case hint < timeout:
				timeout = hint
			}
		}
	}
	if s.TimeoutDuration() != timeout {
		s.SetTimeout(timeout)
	}
	return keep
}

// ReuseSocket is agent.reuseSocket(socket, request), called when a free
// socket is handed to req: it marks req.reusedSocket and refs the socket.
func (a *Agent) ReuseSocket(s *simnet.Socket, req *ClientRequest) { a.reuseConn(s, a.conns[s], req) }

// reuseConn is ReuseSocket of s, whose record c is (nil: none).
func (a *Agent) reuseConn(s *simnet.Socket, c *agentConn, req *ClientRequest) {
	if c != nil && c.freeErr != 0 {
		s.Events.Error.Remove(c.freeErr)
		c.freeErr = 0
	}
	req.reusedSocket = true
	s.Ref()
}

func (a *Agent) keepSocketAlive(c *agentConn) bool {
	if a.hooks.keepSocketAlive != nil {
		return a.hooks.keepSocketAlive(a, c.s)
	}
	return a.keepConnAlive(c.s, a.record(c))
}

func (a *Agent) reuseSocket(c *agentConn, req *ClientRequest) {
	if a.hooks.reuseSocket != nil {
		a.hooks.reuseSocket(a, c.s, req)
		return
	}
	a.reuseConn(c.s, a.record(c), req)
}

// record is conns[c.s], asked of the map only when c is not that record
// (the agent forgot its socket, which a list may still hold).
func (a *Agent) record(c *agentConn) *agentConn {
	if c.live {
		return c
	}
	return a.conns[c.s]
}

func (a *Agent) createConnection(opts simnet.ConnectOptions, cb func(*simnet.Socket, error)) (*simnet.Socket, error) {
	if a.hooks.createConnection != nil {
		return a.hooks.createConnection(a, opts, cb)
	}
	return a.CreateConnection(opts, cb)
}

// addRequest is agent.addRequest(req, options): a free socket if there is
// one, else a new socket within the limits, else the queue. An error is
// what net.connect would throw, for http.request to return.
func (a *Agent) addRequest(req *ClientRequest, opts simnet.ConnectOptions) error {
	opts.Timeout = a.timeout
	name := a.GetName(opts)
	// The positions found here serve until the hooks below, which may
	// change the lists, run.
	si := a.sockets.ensure(name)
	var c *agentConn
	var free []*agentConn
	if fi := a.freeSockets.find(name); fi >= 0 {
		free = a.freeSockets.lists[fi].vs
		for len(free) > 0 && free[0].s.Destroyed() {
			free = free[1:]
		}
		if len(free) > 0 {
			if a.fifo {
				c, free = free[0], free[1:]
			} else {
				c, free = free[len(free)-1], free[:len(free)-1]
			}
		}
		a.freeSockets.setAt(fi, free)
	}
	sockLen := len(free) + len(a.sockets.lists[si].vs)
	switch {
	case c != nil:
		a.reuseSocket(c, req)
		a.setRequestSocket(req, c)
		a.sockets.push(name, c)
	case sockLen < a.maxSockets && a.totalCount < a.maxTotal:
		return a.createSocket(opts, func(c *agentConn, err error) {
			if err != nil {
				req.onSocket(nil, err)
				return
			}
			a.setRequestSocket(req, c)
		})
	default:
		queued := opts
		req.rare.get().queuedOpts = &queued
		a.requests.push(name, req)
	}
	return nil
}

// createSocket makes a socket for opts and records it; cb gets it once the
// connection function answers, synchronously or not.
func (a *Agent) createSocket(opts simnet.ConnectOptions, cb func(*agentConn, error)) error {
	opts.Timeout = a.timeout
	ask := simnet.Alloc[socketAsk](a.rt.Loop())
	*ask = socketAsk{agent: a, cb: cb, name: a.GetName(opts), opts: opts}
	s, err := a.createConnection(opts, ask.answer)
	if err != nil {
		ask.answered = true
		return err
	}
	if s != nil {
		ask.answer(s, nil)
	}
	return nil
}

// socketAsk is createSocket's question to the connection function, until
// its first answer. From the world's spares: a closure holding the same
// was garbage once the world passed, about 120 bytes per socket of a
// sweep seed; the method value handed on holds only the pointer.
type socketAsk struct {
	agent    *Agent
	cb       func(*agentConn, error)
	name     string
	opts     simnet.ConnectOptions
	answered bool
}

// answer records the socket the connection function answered with, or
// passes its error on; later answers are ignored.
func (k *socketAsk) answer(s *simnet.Socket, err error) {
	if k.answered {
		return
	}
	k.answered = true
	if err != nil {
		k.cb(nil, err)
		return
	}
	a := k.agent
	c := simnet.Alloc[agentConn](a.rt.Loop())
	*c = agentConn{s: s, name: k.name, opts: k.opts, agent: a}
	a.sockets.push(k.name, c)
	a.totalCount++
	a.install(c)
	k.cb(c, nil)
}

// install adds the agent's listeners to a socket it made: a closed socket
// leaves the pool, and a free one that idles past its timeout is destroyed.
func (a *Agent) install(c *agentConn) {
	if old := a.conns[c.s]; old != nil {
		old.live = false
	}
	a.conns[c.s], c.live = c, true
	c.onClose = c.s.Events.Close.Add((*agentConnClose)(c))
	c.onTimeout = c.s.Events.Timeout.Add((*agentConnTimeout)(c))
}

// The agent listens to a socket as its agentConn, under one type per
// listener: a pointer held as a simnet.Handler costs no allocation, where
// closures and their removers stayed with every pooled socket
// (BenchmarkIdleHTTPConns).
type (
	agentConnClose   agentConn
	agentConnTimeout agentConn
)

func (c *agentConnClose) Handle(bool) { c.agent.forget((*agentConn)(c)) }

func (c *agentConnTimeout) Handle(struct{}) {
	if c.agent.freeSockets.contains(c.name, (*agentConn)(c)) {
		c.s.Destroy(nil)
	}
}

// agentRemove is the 'agentRemove' listener: the socket leaves the agent,
// which stops listening to it.
func (a *Agent) agentRemove(c *agentConn) {
	if !c.live {
		return
	}
	a.forget(c)
	c.s.Events.Close.Remove(c.onClose)
	c.s.Events.Timeout.Remove(c.onTimeout)
	c.onClose, c.onTimeout = 0, 0
}

// forget takes a socket out of the agent's count, lists and records, as
// its closing or 'agentRemove' does.
func (a *Agent) forget(c *agentConn) {
	a.totalCount--
	a.removeSocket(c)
	if cur := a.conns[c.s]; cur != nil {
		cur.live = false
		delete(a.conns, c.s)
	}
}

// setRequestSocket gives req the socket of c, applying the request's own
// timeout when it differs from the agent's.
func (a *Agent) setRequestSocket(req *ClientRequest, c *agentConn) {
	req.conn = c
	req.onSocket(c.s, nil)
	if !req.hasTimeout || req.rare.made.timeout == a.timeout {
		return
	}
	c.s.SetTimeout(req.rare.made.timeout)
}

// free is the socket's 'free' event, forwarded as the agent's: the socket
// goes to the next queued request of its origin, into the pool, or away.
func (a *Agent) free(c *agentConn) {
	if !c.live {
		return
	}
	if events := a.rt.Loop().Events(); a.id != 0 && events.Active() {
		events.Emit(simnet.Event{Obj: "agent", ID: a.id, Name: "free", Detail: freeDetail(c.s.ID())})
	}
	a.onFree(c)
	a.Events.Free.Emit(c.s)
}

func (a *Agent) onFree(c *agentConn) {
	s := c.s
	if !writable(s) {
		s.Destroy(nil)
		return
	}
	if q := a.requests.get(c.name); len(q) > 0 {
		req := q[0]
		a.requests.set(c.name, q[1:])
		a.setRequestSocket(req, c)
		return
	}
	req := c.req
	if req == nil || !req.shouldKeepAlive || !a.keepAlive {
		s.Destroy(nil)
		return
	}
	freeLen := len(a.freeSockets.get(c.name))
	count := freeLen + len(a.sockets.get(c.name))
	if a.totalCount > a.maxTotal || count > a.maxSockets || freeLen >= a.maxFree || !a.keepSocketAlive(c) {
		s.Destroy(nil)
		return
	}
	a.freeSockets.push(c.name, c)
	c.req = nil
	a.removeSocket(c)
	c.freeErr = s.Events.Error.AddOnce((*freeSocketError)(c))
}

// freeSocketError is a free socket's record as its 'error' listener, which
// destroys it and forgets it: one is added each time the socket is freed.
type freeSocketError agentConn

func (h *freeSocketError) Handle(error) {
	c := (*agentConn)(h)
	c.s.Destroy(nil)
	c.agent.agentRemove(c)
}

// removeSocket takes c out of the in-use lists (and the free lists once it
// cannot write), then, if a request waits for its origin or for an origin
// with no socket at all, makes it a socket.
func (a *Agent) removeSocket(c *agentConn) {
	a.sockets.remove(c.name, c)
	if !writable(c.s) {
		a.freeSockets.remove(c.name, c)
	}
	var req *ClientRequest
	opts := c.opts
	if q := a.requests.get(c.name); len(q) > 0 {
		req = q[0]
	} else if len(a.requests.lists) > 0 {
		// Like Node's removeSocket, only the oldest waiting origin is
		// considered, and only while it holds no socket of its own.
		if e := a.requests.lists[0]; len(a.sockets.get(e.name)) == 0 {
			req = e.vs[0]
			opts = *req.rare.made.queuedOpts
		}
	}
	if req == nil {
		return
	}
	err := a.createSocket(opts, func(nc *agentConn, err error) {
		if err != nil {
			req.onSocket(nil, err)
			return
		}
		a.free(nc)
	})
	if err != nil {
		req.onSocket(nil, err)
	}
}

// writable is socket.writable: not destroyed and not ended.
func writable(s *simnet.Socket) bool { return !s.Destroyed() && !s.WritableEnded() }

// namedList is a map of lists whose names keep their insertion order, as
// the keys of a JavaScript object do; an emptied list loses its name. The
// lists are kept in a slice and found by comparing names: an agent talks
// to a few origins, and a keep-alive socket leaves its list and comes back
// on every request, which in a Go map cost an insertion, a deletion and
// their hashing each time.
type namedList[T comparable] struct {
	lists []namedEntry[T] // in the order their names were added
	// spare is the cleared backing of the last list emptied, for the
	// next push onto an empty list.
	spare []T
}

type namedEntry[T comparable] struct {
	name string
	vs   []T
}

// find returns the position of name's list, or -1.
func (l *namedList[T]) find(name string) int {
	for i := range l.lists {
		if samestr.Equal(l.lists[i].name, name) {
			return i
		}
	}
	return -1
}

// get returns name's list, nil when it has none.
func (l *namedList[T]) get(name string) []T {
	if i := l.find(name); i >= 0 {
		return l.lists[i].vs
	}
	return nil
}

// ensure creates an empty list for name, as Node's `sockets[name] ||= []`,
// and returns its position.
func (l *namedList[T]) ensure(name string) int {
	if i := l.find(name); i >= 0 {
		return i
	}
	l.lists = append(l.lists, namedEntry[T]{name: name})
	return len(l.lists) - 1
}

func (l *namedList[T]) push(name string, v T) {
	e := &l.lists[l.ensure(name)]
	if e.vs == nil && l.spare != nil {
		e.vs, l.spare = l.spare, nil
	}
	e.vs = append(e.vs, v)
}

// set replaces the list of name, dropping the name when it is empty.
func (l *namedList[T]) set(name string, vs []T) {
	if len(vs) > 0 {
		l.lists[l.ensure(name)].vs = vs
		return
	}
	if i := l.find(name); i >= 0 {
		l.setAt(i, vs)
	}
}

// setAt replaces the list at position i, dropping it when vs is empty.
func (l *namedList[T]) setAt(i int, vs []T) {
	if len(vs) > 0 {
		l.lists[i].vs = vs
		return
	}
	if old := l.lists[i].vs; cap(old) > 0 {
		// Every caller has read what it needs of the list by now.
		zeroAll(old[:cap(old)])
		l.spare = old[:0]
	}
	// In place: every reader of the lists finishes, or copies them,
	// before a list is set again.
	l.lists = deleteAt(l.lists, i)
}

func (l *namedList[T]) remove(name string, v T) {
	i := l.find(name)
	if i < 0 {
		return
	}
	vs := l.lists[i].vs
	if len(vs) == 1 {
		// A keep-alive socket leaves its origin's list alone, once a
		// request: emptying the list outright skips the append that
		// joins the entries either side, a runtime call each time.
		if vs[0] == v {
			l.setAt(i, nil)
		}
		return
	}
	for j, x := range vs {
		if x == v {
			l.setAt(i, append(vs[:j:j], vs[j+1:]...))
			return
		}
	}
}

func (l *namedList[T]) contains(name string, v T) bool {
	return slices.Contains(l.get(name), v)
}

// connSockets copies lists of connections into a map of their sockets.
func connSockets(l *namedList[*agentConn]) map[string][]*simnet.Socket {
	out := make(map[string][]*simnet.Socket, len(l.lists))
	for _, e := range l.lists {
		ss := make([]*simnet.Socket, 0, len(e.vs))
		for _, c := range e.vs {
			ss = append(ss, c.s)
		}
		out[e.name] = ss
	}
	return out
}
