package features

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cucumber/godog"

	"github.com/simhttp/simhttp/httpcore"
	"github.com/simhttp/simhttp/simnet"
)

// clientState is the client side of a scenario: the agent, the requests in
// the order they were made, and how the test client listens.
type clientState struct {
	agentOpts *httpcore.AgentOptions // nil: the host's global agent
	agent     *httpcore.Agent

	specs    []*requestSpec // requests the steps described, in step order
	requests []*reqState    // requests made, numbered as Node numbers them

	traceGlobal bool // the global agent's events are traced too

	controller *httpcore.AbortController
	waiting    int // deferred requests not made yet

	raws       []*rawClient
	rawPending int // raw clients waiting for their trigger to connect
}

func newClientState() clientState {
	return clientState{}
}

// requestSpec is one request as the steps describe it.
type requestSpec struct {
	method, path string
	server       string // server name; "" for the default server
	headers      []httpcore.HeaderField
	body         string
	writes       []string
	onContinue   string // body written with end() on 'continue'
	timeout      *time.Duration
	setTimeout   *time.Duration
	signal       bool
	flushHeaders bool
	noEnd        bool
	strict       bool
	join         bool     // joinDuplicateHeaders
	unique       []string // uniqueHeaders
	insecure     *bool    // insecureHTTPParser
	maxHeader    int      // maxHeaderSize
	setHost      *bool
	noAgent      bool // agent: false
}

// reqState is one request made, and what became of it.
type reqState struct {
	w      *world // for its listeners, which are handlers, not closures
	n      int
	spec   *requestSpec
	req    *httpcore.ClientRequest
	thrown error // what making, writing or ending the request returned
	err    error // the request's 'error'
	resErr error // the response's 'error'
	body   []byte
	closed bool
}

func clientSteps() []*stepDef {
	d := func(pattern, example, doc string, bind func(w *world) any) *stepDef {
		return &stepDef{domain: "Clients and requests", pattern: pattern, example: example, doc: doc, bind: bind}
	}
	return []*stepDef{
		d(`^the client sends `+methodRe+` (\S+)$`, "the client sends GET /",
			"makes a request to the server and ends it; the test client listens to every event of req and res",
			func(w *world) any { return w.theClientSends }).sugarFor(`the client sends <METHOD> <path>`),
		d(`^the client sends `+methodRe+` (\S+) to "([^"]*)"$`, `the client sends GET / to "b"`,
			"makes a request to the named server",
			func(w *world) any { return w.theClientSendsTo }).sugarFor(`the client sends <METHOD> <path> to "<server>"`),
		d(`^the client sends `+methodRe+` (\S+) with:$`, "the client sends POST / with:\n        | header | content-length: 5 |\n        | body   | hello             |",
			"makes a request with options: header (name: value), body, write, body on continue, timeout, setTimeout (ms), signal, flushHeaders, strictContentLength, end (no), joinDuplicateHeaders, uniqueHeaders (a, b), insecureHTTPParser, maxHeaderSize, setHost, agent (no: a one-off agent)",
			func(w *world) any { return w.theClientSendsWith }).sugarFor(`the client sends <METHOD> <path> with:`),
		d(`^the client sends `+methodRe+` (\S+) on the agent's (first|second|third) 'free'$`, "the client sends GET /2 on the agent's first 'free'",
			"makes the request in the agent's n-th 'free' listener",
			func(w *world) any { return w.theClientSendsOnFree }).sugarFor(`on the <nth> 'free' of the agent, the client sends <METHOD> <path>`),
		d(`^the client sends `+methodRe+` (\S+) on the turn after the agent's (first|second|third) 'free'$`, "the client sends GET /3 on the turn after the agent's second 'free'",
			"makes the request in a setImmediate scheduled by the agent's n-th 'free'",
			func(w *world) any { return w.theClientSendsAfterFree }).sugarFor(`the turn after the <nth> 'free' of the agent, the client sends <METHOD> <path>`),
		d(`^the client uses an agent with:$`, "the client uses an agent with:\n        | keepAlive  | true |\n        | maxSockets | 1    |",
			"requests go through a new Agent with these options (keepAlive, keepAliveMsecs, maxSockets, maxTotalSockets, maxFreeSockets, scheduling, timeout); without it, the global agent",
			func(w *world) any { return w.theClientUsesAnAgentWith }).sugarFor(`the agent is created with {<option>: <value>, ...}`),
		d(`^the client (destroys|aborts) the request right away$`, "the client destroys the request right away",
			"calls req.destroy() or req.abort() on the last request just after making it, which is then never ended",
			func(w *world) any { return w.theClientActsRightAway }).sugarFor(`the client starts <METHOD> <path> (the request sent last is not ended), then request #<n> marks "destroy-called" and request #<n> calls destroy() (aborts: "abort-called", abort())`),
		d(`^the client (destroys|aborts) the request on '(socket|response|data|timeout|finish)'$`, "the client destroys the request on 'response'",
			"calls req.destroy() or req.abort() in the last request's listener of that event ('data': the response's first body chunk)",
			func(w *world) any { return w.theClientActsOn }).sugarFor(`on '<event>' of request #<n> (for 'data': of response #<n>), the client marks "destroy-called" then request #<n> calls destroy() (aborts: "abort-called", abort())`),
		d(`^the client aborts the signal before sending$`, "the client aborts the signal before sending",
			"aborts the scenario's AbortController before the next request is made",
			func(w *world) any { return w.theClientAbortsTheSignalBeforeSending }).sugarFor(`the client aborts the signal`),
		d(`^the client aborts the signal right away$`, "the client aborts the signal right away",
			"aborts the AbortController just after making the last request, which is then never ended",
			func(w *world) any { return w.theClientAbortsTheSignalRightAway }).sugarFor(`the client starts <METHOD> <path> (the request sent last is not ended), then when request #<n> is made, the client aborts the signal`),
		d(`^the client aborts the signal on '(socket|response)'$`, "the client aborts the signal on 'response'",
			"aborts the AbortController in the last request's listener of that event",
			func(w *world) any { return w.theClientAbortsTheSignalOn }).sugarFor(`on '<event>' of request #<n>, the client aborts the signal`),
		d(`^the client does not listen for '(response|upgrade|connect)'$`, "the client does not listen for 'upgrade'",
			"leaves that event without a listener, for Node's behaviour when nobody listens",
			func(w *world) any { return w.theClientDoesNotListenFor }).sugarFor(`every request does not listen for '<event>'`),
		d(`^the client leaves the response unread$`, "the client leaves the response unread",
			"listens for 'response' but never reads the response",
			func(w *world) any { return w.theClientLeavesTheResponseUnread }).sugarFor(`every response does not listen for 'data' (nor for 'end', 'error', 'aborted', 'close')`),
		d(`^the client marks which socket each request gets$`, "the client marks which socket each request gets",
			"puts test:mark:req-socket {req, socket} in the trace on each 'socket'",
			func(w *world) any { return w.theClientMarksSockets }).sugarFor(markSockets),
		d(`^the client marks the Keep-Alive header of each response$`, "the client marks the Keep-Alive header of each response",
			"puts test:mark:keep-alive {value} in the trace on each 'response'",
			func(w *world) any { return w.theClientMarksKeepAlive }).sugarFor(markKeepAlive),
		d(`^the client marks the trailers of each response$`, "the client marks the trailers of each response",
			"puts test:mark:trailers {trailers, rawTrailers} in the trace on each response 'end'",
			func(w *world) any { return w.theClientMarksTrailers }).sugarFor(markTrailers),
		d(`^the client traces the global agent$`, "the client traces the global agent",
			"puts the global agent's events ('free') in the trace; an agent the scenario creates is always traced",
			func(w *world) any { return w.theClientTracesTheGlobalAgent }),
		d(`^the client marks the agent's state when request #(\d+) gets its socket$`, "the client marks the agent's state when request #2 gets its socket",
			"puts test:mark:agent-state {totalSocketCount, freeSockets} in the trace in that request's 'socket' listener",
			func(w *world) any { return w.theClientMarksTheAgentState }).sugarFor(`when request #<n> gets its socket, ` + markAgentState),
		d(`^the client retries a request that fails with ECONNRESET on a reused socket$`, "the client retries a request that fails with ECONNRESET on a reused socket",
			"Node's documented retry: on 'error' with reusedSocket and ECONNRESET, make the request again (test:mark:retry)",
			func(w *world) any { return w.theClientRetries }).sugarFor(retryMark + `; ` + retrySend),
		d(`^the trace stops (\d+) ms after the response$`, "the trace stops 50 ms after the response",
			"records test:mark:stop that long after the first response, then stops recording and tears down",
			func(w *world) any { return w.theTraceStopsAfterTheResponse }).sugarFor(`<n> ms after request #1 gets its response, the client stops the trace`),
		d(`^the client destroys the request when the server receives the first body data$`, "the client destroys the request when the server receives the first body data",
			"calls req.destroy() on the last request in the server request's first 'data' listener",
			func(w *world) any { return w.theClientDestroysOnServerData }).sugarFor(`on 'data' of server request #1, the client marks "destroy-called"; on 'data' of server request #1, request #<n> calls destroy()`),
	}
}

// methodRe is the request methods a step accepts.
const methodRe = `(GET|HEAD|POST|PUT|DELETE|PATCH|OPTIONS|CONNECT|TRACE)`

// The sending sentences are sugar: each is the grammar sentence it names.

func (w *world) theClientSends(method, path string) error {
	return w.sugarOf(nil, "the client sends ", method, " ", path)
}

func (w *world) theClientSendsTo(method, path, server string) error {
	return w.sugar(fmt.Sprintf("the client sends %s %s to %q", method, path, server), nil)
}

func (w *world) theClientSendsWith(method, path string, table *godog.Table) error {
	return w.sugarOf(table, "the client sends ", method, " ", path, " with:")
}

// set applies one option row of "the client sends ... with:".
func (sp *requestSpec) set(option, value string) error {
	opt := requestOptions[option]
	if opt == nil {
		return fmt.Errorf("unknown request option %q (want %s)", option, strings.Join(names(requestOptions), ", "))
	}
	return opt(sp, option, value)
}

// requestOptions are the rows "the client sends ... with:" takes, each
// setting its part of the request from the row's value.
var requestOptions = map[string]func(sp *requestSpec, option, value string) error{
	"header": func(sp *requestSpec, _, value string) error {
		name, v, ok := strings.Cut(value, ":")
		if !ok {
			return fmt.Errorf("header %q: want \"name: value\"", value)
		}
		name, v = strings.TrimSpace(name), strings.TrimSpace(v)
		for i := range sp.headers {
			if sp.headers[i].Name == name {
				sp.headers[i].Values = append(sp.headers[i].Values, v)
				return nil
			}
		}
		sp.headers = append(sp.headers, httpcore.HeaderField{Name: name, Values: []string{v}})
		return nil
	},
	"body":             textOption(func(sp *requestSpec, s string) { sp.body = s }),
	"write":            textOption(func(sp *requestSpec, s string) { sp.writes = append(sp.writes, s) }),
	"body on continue": textOption(func(sp *requestSpec, s string) { sp.onContinue = s }),
	// Negative times go through, for Node to refuse them.
	"timeout":              millisOption(func(sp *requestSpec, d *time.Duration) { sp.timeout = d }),
	"setTimeout":           millisOption(func(sp *requestSpec, d *time.Duration) { sp.setTimeout = d }),
	"signal":               flagOption(func(sp *requestSpec, on bool) { sp.signal = on }),
	"flushHeaders":         flagOption(func(sp *requestSpec, on bool) { sp.flushHeaders = on }),
	"strictContentLength":  flagOption(func(sp *requestSpec, on bool) { sp.strict = on }),
	"joinDuplicateHeaders": flagOption(func(sp *requestSpec, on bool) { sp.join = on }),
	"insecureHTTPParser":   flagOption(func(sp *requestSpec, on bool) { sp.insecure = &on }),
	"setHost":              flagOption(func(sp *requestSpec, on bool) { sp.setHost = &on }),
	"agent":                flagOption(func(sp *requestSpec, on bool) { sp.noAgent = !on }),
	"end":                  flagOption(func(sp *requestSpec, on bool) { sp.noEnd = !on }),
	"uniqueHeaders": func(sp *requestSpec, _, value string) error {
		for _, n := range strings.Split(value, ",") {
			sp.unique = append(sp.unique, strings.TrimSpace(n))
		}
		return nil
	},
	"maxHeaderSize": func(sp *requestSpec, option, value string) error {
		n, err := count(option, value)
		sp.maxHeader = n
		return err
	},
}

// textOption is a request option whose value is bytes, with \r \n \t escapes.
func textOption(set func(sp *requestSpec, s string)) func(*requestSpec, string, string) error {
	return func(sp *requestSpec, _, value string) error {
		set(sp, simnet.Unescape(value))
		return nil
	}
}

// millisOption is a request option whose value is a whole number of
// milliseconds, negative ones included.
func millisOption(set func(sp *requestSpec, d *time.Duration)) func(*requestSpec, string, string) error {
	return func(sp *requestSpec, option, value string) error {
		n, err := strconv.Atoi(value)
		if err != nil {
			return fmt.Errorf("%s: %q is not a number of milliseconds", option, value)
		}
		d := time.Duration(n) * time.Millisecond
		set(sp, &d)
		return nil
	}
}

// flagOption is a request option whose value is yes or no.
func flagOption(set func(sp *requestSpec, on bool)) func(*requestSpec, string, string) error {
	return func(sp *requestSpec, option, value string) error {
		on, err := yesNo(option, value)
		if err == nil {
			set(sp, on)
		}
		return err
	}
}

func (w *world) theClientSendsOnFree(method, path, nth string) error {
	return w.sugarOf(nil, "on the ", nth, " 'free' of the agent, the client sends ", method, " ", path)
}

func (w *world) theClientSendsAfterFree(method, path, nth string) error {
	return w.sugar(fmt.Sprintf("the turn after the %s 'free' of the agent, the client sends %s %s", nth, method, path), nil)
}

// lastSpec is the request the acting steps apply to.
func (w *world) lastSpec() (*requestSpec, error) {
	if len(w.client.specs) == 0 {
		return nil, errors.New("no request yet: a step that acts on the request must follow the step that sends it")
	}
	return w.client.specs[len(w.client.specs)-1], nil
}

func (w *world) theClientActsRightAway(verb string) error {
	n, err := w.startedRightAway()
	if err != nil {
		return err
	}
	mark, call := "destroy-called", "destroy()"
	if verb == "aborts" {
		mark, call = "abort-called", "abort()"
	}
	if err := w.sugar(fmt.Sprintf("request #%d marks %q", n, mark), nil); err != nil {
		return err
	}
	return w.sugar(fmt.Sprintf("request #%d calls %s", n, call), nil)
}

// startedRightAway turns the request sent last into one started (made,
// not ended), for a sentence acting on it right away, and returns its
// number: the request's natural moment is right after http.request().
func (w *world) startedRightAway() (int, error) {
	sp, err := w.lastSpec()
	if err != nil {
		return 0, err
	}
	if len(sp.writes) > 0 || sp.flushHeaders {
		return 0, errors.New("right away comes before the request's writes and flushHeaders, which would then never go out: start the request (\"the client starts ...\") and write the steps that act on it")
	}
	sp.noEnd = true
	return len(w.client.specs), nil
}

func (w *world) theClientActsOn(verb, event string) error {
	if _, err := w.lastSpec(); err != nil {
		return err
	}
	n := strconv.Itoa(len(w.client.specs))
	on, of := "on '", "' of request #"
	if event == "data" {
		event, of = "data", "' of response #"
	}
	mark, call := `"destroy-called"`, "destroy()"
	if verb == "aborts" {
		mark, call = `"abort-called"`, "abort()"
	}
	if err := w.sugarOf(nil, on, event, of, n, ", the client marks ", mark); err != nil {
		return err
	}
	return w.sugarOf(nil, on, event, of, n, ", request #", n, " calls ", call)
}

func (w *world) theClientAbortsTheSignalBeforeSending() error {
	return w.sugar("the client aborts the signal", nil)
}

func (w *world) theClientAbortsTheSignalRightAway() error {
	n, err := w.startedRightAway()
	if err != nil {
		return err
	}
	return w.sugar(fmt.Sprintf("when request #%d is made, the client aborts the signal", n), nil)
}

func (w *world) theClientAbortsTheSignalOn(event string) error {
	if _, err := w.lastSpec(); err != nil {
		return err
	}
	return w.sugar(fmt.Sprintf("on '%s' of request #%d, the client aborts the signal", event, len(w.client.specs)), nil)
}

func (w *world) abortSignal() {
	w.mark("signal-aborted", nil)
	w.controller().Abort(nil)
}

// controller is the scenario's one AbortController, made on first use.
func (w *world) controller() *httpcore.AbortController {
	if w.client.controller == nil {
		w.client.controller = httpcore.NewAbortController()
	}
	return w.client.controller
}

func (w *world) theClientDoesNotListenFor(event string) error {
	return w.sugar(fmt.Sprintf("every request does not listen for '%s'", event), nil)
}

func (w *world) theClientLeavesTheResponseUnread() error {
	for _, event := range noListenable[actorResponse] {
		if err := w.sugar(fmt.Sprintf("every response does not listen for '%s'", event), nil); err != nil {
			return err
		}
	}
	return nil
}

// The marking sentences put the details the reference scripts' marks
// carry, read from the world.
const (
	markSockets    = `on 'socket' of every request, it marks "req-socket" with {req: its number, socket: its socket's id}`
	markKeepAlive  = `every response marks "keep-alive" with {value: its headers["keep-alive"]}`
	markTrailers   = `on 'end' of every response, it marks "trailers" with {trailers: its trailers, rawTrailers: its rawTrailers}`
	markAgentState = `the agent marks "agent-state" with {totalSocketCount: its totalSocketCount, freeSockets: its freeSockets}`
)

func (w *world) theClientMarksSockets() error { return w.sugar(markSockets, nil) }

func (w *world) theClientMarksKeepAlive() error { return w.sugar(markKeepAlive, nil) }

func (w *world) theClientMarksTrailers() error { return w.sugar(markTrailers, nil) }

func (w *world) theClientTracesTheGlobalAgent() error {
	w.client.traceGlobal = true
	return nil
}

func (w *world) theClientMarksTheAgentState(n int) error {
	return w.sugar(fmt.Sprintf("when request #%d gets its socket, %s", n, markAgentState), nil)
}

// The retry sentence is Node's documented retry of a request that failed
// on a socket the server had closed.
const (
	retryIf   = `on 'error' of every request, if the error's code is "ECONNRESET" and its reusedSocket is true, `
	retryMark = retryIf + `it marks "retry"`
	retrySend = retryIf + `the client sends it again`
)

func (w *world) theClientRetries() error {
	if err := w.sugar(retryMark, nil); err != nil {
		return err
	}
	return w.sugar(retrySend, nil)
}

func (w *world) theTraceStopsAfterTheResponse(ms int) error {
	return w.sugar(fmt.Sprintf("%d ms after request #1 gets its response, the client stops the trace", ms), nil)
}

func (w *world) theClientDestroysOnServerData() error {
	if _, err := w.lastSpec(); err != nil {
		return err
	}
	n := len(w.client.specs)
	if err := w.sugar(`on 'data' of server request #1, the client marks "destroy-called"`, nil); err != nil {
		return err
	}
	return w.sugar(fmt.Sprintf("on 'data' of server request #1, request #%d calls destroy()", n), nil)
}

func (w *world) theClientUsesAnAgentWith(table *godog.Table) error {
	rows, err := pairs(table)
	if err != nil {
		return err
	}
	options, err := optionsLiteral("agent", agentOptions, rows)
	if err != nil {
		return err
	}
	return w.sugar("the agent is created with "+options, nil)
}

// startClient makes the agent once the world exists.
func (w *world) startClient() error {
	c := &w.client
	h := w.clientRuntime()
	if c.agentOpts != nil {
		a, err := httpcore.NewAgent(h, *c.agentOpts)
		if err != nil {
			return fmt.Errorf("the agent's options: %w", err)
		}
		c.agent = a
	} else {
		c.agent = httpcore.GlobalAgent(h)
	}
	w.born(actorKey{kind: actorAgent}, worldNew(w, target{agent: c.agent}))
	return nil
}

// makeRequest is http.request plus the test client's listeners, then
// whatever the scenario does right away, else req.end().
func (w *world) makeRequest(sp *requestSpec) {
	c := &w.client
	r := worldNew(w, reqState{w: w, n: len(c.requests) + 1, spec: sp})
	c.requests = append(c.requests, r)
	addr, port, err := w.serverAddr(sp.server)
	if err != nil {
		r.thrown = err
		w.fail(err)
		return
	}
	opts := httpcore.RequestOptions{
		Agent: c.agent, Host: addr, Port: port, Method: sp.method, Path: sp.path,
		Headers: sp.headers, Timeout: sp.timeout,
		JoinDuplicateHeaders: sp.join, UniqueHeaders: sp.unique, InsecureHTTPParser: sp.insecure,
		MaxHeaderSize: sp.maxHeader, SetHost: sp.setHost, NoAgent: sp.noAgent,
	}
	if sp.noAgent {
		opts.Agent = nil
	}
	if sp.signal {
		opts.Signal = w.controller().Signal()
	}
	req, err := httpcore.Request(w.clientRuntime(), "", opts, nil)
	if err != nil {
		r.thrown = err
		w.requestGone()
		return
	}
	r.req = req
	req.StrictContentLength = sp.strict
	w.listenAll(r)
	if sp.setTimeout != nil {
		if err := req.SetTimeout(*sp.setTimeout, nil); err != nil {
			r.thrown = err
		}
	}
	w.born(actorKey{kind: actorRequest, n: r.n}, worldNew(w, target{req: r}))
	if sp.flushHeaders {
		if err := req.FlushHeaders(); err != nil {
			r.thrown = err
		}
	}
	for _, p := range sp.writes {
		if _, err := req.Write([]byte(p), nil); err != nil {
			r.thrown = err
		}
	}
	if sp.noEnd || sp.onContinue != "" {
		return
	}
	var body []byte
	if sp.body != "" {
		body = []byte(sp.body)
	}
	if err := req.End(body, nil); err != nil {
		r.thrown = err
	}
}

// listenAll makes the test client listen to every event of req and res, as
// the reference scripts' T.listenAll does: what Node does can depend on
// whether anyone listens.
func (w *world) listenAll(r *reqState) {
	req := r.req
	ev := &req.Events
	ev.Socket().On(func(*simnet.Socket) {})
	on := func(event string) bool { return w.autoListens(actorRequest, r.n, event) }
	if on("continue") {
		ev.Continue().Add((*reqContinue)(r))
	}
	if on("information") {
		ev.Information().On(func(httpcore.Information) {})
	}
	if on("timeout") {
		ev.Timeout().On(func(struct{}) {})
	}
	if on("finish") {
		ev.Finish.On(func(struct{}) {})
	}
	if on("abort") {
		ev.Abort().On(func(struct{}) {})
	}
	if on("drain") {
		ev.Drain().On(func(struct{}) {})
	}
	ev.Error.Add((*reqError)(r))
	ev.Close.Add((*reqClose)(r))
	if on("upgrade") {
		ev.Upgrade().On(func(u httpcore.UpgradedResponse) { u.Socket.Destroy(nil) })
	}
	if on("connect") {
		ev.Connect().On(func(u httpcore.UpgradedResponse) { u.Socket.Destroy(nil) })
	}
	if !on("response") {
		return
	}
	ev.Response.Add((*reqResponse)(r))
}

// The test client's listeners on a request and its response's 'data' and
// 'error', as handlers of the request's state: a closure per listener was
// garbage once the world passed, several per request of a sweep seed.
type (
	reqContinue reqState
	reqError    reqState
	reqClose    reqState
	reqResponse reqState
	resData     reqState
	resError    reqState
)

// Handle ends the request with the body it keeps for 'continue', if any.
func (h *reqContinue) Handle(struct{}) {
	r := (*reqState)(h)
	if r.spec.onContinue != "" {
		if err := r.req.End([]byte(r.spec.onContinue), nil); err != nil {
			r.thrown = err
		}
	}
}

// Handle records the request's 'error'.
func (h *reqError) Handle(err error) { h.err = err }

// Handle records the request's 'close'.
func (h *reqClose) Handle(struct{}) {
	h.closed = true
	h.w.requestGone()
}

// Handle keeps a chunk of the response's body.
func (h *resData) Handle(p []byte) { h.body = append(h.body, p...) }

// Handle records the response's 'error'.
func (h *resError) Handle(err error) { h.resErr = err }

// Handle listens to the response and makes it an actor.
func (h *reqResponse) Handle(res *httpcore.IncomingMessage) {
	r := (*reqState)(h)
	r.w.listenToResponse(r, res)
	r.w.born(actorKey{kind: actorResponse, n: r.n}, worldNew(r.w, target{res: res}))
}

// listenToResponse puts the test client's listeners on a response, but
// those the scenario turned off.
func (w *world) listenToResponse(r *reqState, res *httpcore.IncomingMessage) {
	on := func(event string) bool { return w.autoListens(actorResponse, r.n, event) }
	if on("data") {
		res.Events.Data.Add((*resData)(r))
	}
	if on("end") {
		res.Events.End.On(func(struct{}) {})
	}
	if on("error") {
		res.Events.Error.Add((*resError)(r))
	}
	if on("aborted") {
		res.Events.Aborted().On(func(struct{}) {})
	}
	if on("close") {
		res.Events.Close.On(func(struct{}) {})
	}
}

// stopTrace ends the trace (test:mark:stop), then tears the scenario
// down unrecorded, as the reference scripts do.
func (w *world) stopTrace() {
	w.mark("stop", nil)
	w.recording = false
	for _, r := range w.client.requests {
		if r.req != nil {
			r.req.Destroy(nil)
		}
	}
	w.closeServers()
}

// requestGone runs when a request closed or could not be made: once none
// is open or still to be made, the teardown closes the servers.
func (w *world) requestGone() {
	c := &w.client
	if c.waiting > 0 {
		return
	}
	for _, r := range c.requests {
		if r.req != nil && !r.closed {
			return
		}
	}
	if w.teardown == teardownAllRequests {
		w.closeServers()
	}
}

// request returns request n (1-based) as made, or an error naming what
// there is.
func (w *world) request(n int) (*reqState, error) {
	if n < 1 || n > len(w.client.requests) {
		return nil, fmt.Errorf("there is no request #%d: the scenario made %d", n, len(w.client.requests))
	}
	return w.client.requests[n-1], nil
}

// nth reads an optional "#N" capture; absent means 1.
func nth(s string) (int, error) {
	if s == "" {
		return 1, nil
	}
	return strconv.Atoi(s)
}

// headerMap is a Headers value as a trace detail.
func headerMap(h httpcore.Headers) map[string]any {
	m := map[string]any{}
	for _, k := range h.Keys() {
		m[k], _ = h.Get(k)
	}
	return m
}
