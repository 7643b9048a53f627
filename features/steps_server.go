package features

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/cucumber/godog"

	"github.com/simhttp/simhttp/httpcore"
	"github.com/simhttp/simhttp/simnet"
)

// serverState is one server of a scenario: its options and listeners, and
// the script its handler runs for each request.
type serverState struct {
	name string // as the steps name it; "" for the default server
	host string
	port int

	opts     httpcore.ServerOptions
	settings []func(*httpcore.Server) error // server.x = y after creation

	script        []serverAction // what the handler does, in order
	resetOnSecond bool           // reset a connection's second request
	checkContinue bool           // the script answers 'checkContinue'
	checkExpect   bool           // the script answers 'checkExpectation'
	onUpgrade     []serverAction // the 'upgrade' listener's script
	onConnect     []serverAction // the 'connect' listener's script
	hold          int            // hold responses until this many requests arrived
	holdBody      string         // then end them with this body, one per agent 'free'
	rawReply      string         // a raw net server: answers the first bytes with this

	srv          *httpcore.Server
	raw          simnet.Listener
	rawID        int  // trace id of a raw server
	rawLive      int  // its connections not yet gone
	rawCloseSent bool // its 'close' was emitted
	closed       bool
	received     []*httpcore.IncomingMessage // requests, in order of arrival
	bodies       [][]byte                    // their bodies as read
	sent         [][]byte                    // the bodies the handler wrote, per request
	thrown       []error                     // errors the handler's calls returned
	held         []*exchange
	released     bool                   // the held responses were let go; later ones end at once
	perConn      map[*simnet.Socket]int // requests seen per connection
}

// serverAction is one step of a handler script; it calls next when done,
// at once or later (a wait).
type serverAction func(x *exchange, next func())

// exchange is one request the server handles.
type exchange struct {
	w   *world
	s   *serverState
	n   int // 1-based, in order of arrival on this server
	req *httpcore.IncomingMessage
	res *httpcore.ServerResponse

	reading bool // the handler listens for the request's 'data'
}

// teardown says when the servers close, as the reference scripts'
// teardown does, so server.close() is part of the trace.
type teardown int

const (
	teardownAllRequests teardown = iota // once every request has closed
	teardownRawClient                   // once the raw client's socket closes
	teardownNever
)

func serverSteps() []*stepDef {
	d := func(pattern, example, doc string, bind func(w *world) any) *stepDef {
		return &stepDef{domain: "Servers and handlers", pattern: pattern, example: example, doc: doc, bind: bind}
	}
	return []*stepDef{
		d(`^a server$`, "a server",
			"an http.Server on the host \"server\", port 80; the handler does what the \"the server ...\" steps say, in order, for each request",
			func(w *world) any { return w.aServer }),
		d(`^a server "([a-z][a-z0-9-]*)"$`, `a server "b"`,
			"another server, on its own host of that name",
			func(w *world) any { return w.aNamedServer }),
		d(`^a server that responds with status (\d+) and no body$`, "a server that responds with status 200 and no body",
			"a server whose handler sets the status and calls res.end()",
			func(w *world) any { return w.aServerThatRespondsEmpty }).sugarFor(`a server; for each request, the server response sets statusCode to <status>; for each request, the server response calls end()`),
		d(`^a server that responds with status (\d+) and body "([^"]*)"$`, `a server that responds with status 200 and body "hello"`,
			"a server whose handler sets the status and calls res.end(body)",
			func(w *world) any { return w.aServerThatResponds }).sugarFor(`a server; for each request, the server response sets statusCode to <status>; for each request, the server response calls end("<body>")`),
		d(`^a server "([a-z][a-z0-9-]*)" that responds with status (\d+) and body "([^"]*)"$`, `a server "b" that responds with status 200 and body "hello"`,
			"a named server on its own host that responds with res.end(body)",
			func(w *world) any { return w.aNamedServerThatResponds }).sugarFor(`a server "<name>"; for each request to server "<name>", the server response sets statusCode to <status>; for each request to server "<name>", the server response calls end("<body>")`),
		d(`^a server that never responds$`, "a server that never responds",
			"a server whose handler does nothing",
			func(w *world) any { return w.aServer }).sugarFor(`a server`),
		d(`^a server that listens for (checkContinue|checkExpectation)$`, "a server that listens for checkContinue",
			"a server whose script runs in that listener instead of 'request'",
			func(w *world) any { return w.aServerThatListensFor }).sugarFor(`a server; the server handles 'checkContinue' (checkExpectation)`),
		d(`^a server that accepts upgrades$`, "a server that accepts upgrades",
			"an 'upgrade' listener that writes 101 Switching Protocols and ends its socket when the client ends",
			func(w *world) any { return w.aServerThatAcceptsUpgrades }).sugarFor(`a server that responds with status 200 and no body; for each upgrade, the server request's socket calls write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: test\r\nConnection: Upgrade\r\n\r\n"); for each upgrade, the server waits for 'end' of the server request's socket; for each upgrade, the server request's socket calls end()`),
		d(`^a server that accepts CONNECT$`, "a server that accepts CONNECT",
			"a 'connect' listener that writes 200 Connection Established and ends its socket when the client ends",
			func(w *world) any { return w.aServerThatAcceptsConnect }).sugarFor(`a server that responds with status 200 and no body; for each CONNECT, the server request's socket calls write("HTTP/1.1 200 Connection Established\r\n\r\n"); for each CONNECT, the server waits for 'end' of the server request's socket; for each CONNECT, the server request's socket calls end()`),
		d(`^a server that ends CONNECT tunnels at once$`, "a server that ends CONNECT tunnels at once",
			"a 'connect' listener that ends its socket with 200 Connection Established at once",
			func(w *world) any { return w.aServerThatEndsTunnels }).sugarFor(`a server that responds with status 200 and no body; for each CONNECT, the server request's socket calls end("HTTP/1.1 200 Connection Established\r\n\r\n")`),
		d(`^a raw server that answers the first request bytes with "([^"]*)"$`, `a raw server that answers the first request bytes with "HTTP/1.1 abc OK\r\n\r\n"`,
			"a plain TCP server that writes these bytes (\\r \\n \\t escapes) when the first data arrives",
			func(w *world) any { return w.aRawServer }),
		d(`^a server that replays the capture "([^"]+)"$`, `a server that replays the capture "fixtures/captures/keepalive.pcap"`,
			"a mock server answering each request with the recorded response of the next captured exchange with the same method and URL (404 when there is none); the path is relative to the project root or the working directory",
			func(w *world) any { return w.aServerThatReplaysTheCapture }),
		d(`^nothing listens on the server's port$`, "nothing listens on the server's port",
			"no server: connecting is refused",
			func(w *world) any { return w.nothingListens }),
		d(`^the server's (keepAliveTimeout|timeout|maxHeadersCount|maxRequestsPerSocket) is (-?\d+)$`, "the server's keepAliveTimeout is 1000",
			"sets a server timeout (in milliseconds) or limit after creation; a negative timeout fails the scenario with ERR_OUT_OF_RANGE",
			func(w *world) any { return w.theServersSettingIs }).sugarFor(`the server sets keepAliveTimeout (timeout, maxHeadersCount, maxRequestsPerSocket) to <n>`),
		d(`^the server's (headersTimeout|requestTimeout|connectionsCheckingInterval|maxHeaderSize) is (-?\d+)$`, "the server's headersTimeout is 100",
			"sets a server option given at creation: a timeout in milliseconds, or maxHeaderSize in bytes",
			func(w *world) any { return w.theServersOptionIs }).sugarFor(`the server is created with {headersTimeout (requestTimeout, connectionsCheckingInterval, maxHeaderSize): <n>}`),
		d(`^the server is created with the options:$`, "the server is created with the options:\n        | joinDuplicateHeaders | true |",
			"http.createServer(options): joinDuplicateHeaders, uniqueHeaders (a, b), insecureHTTPParser, requireHostHeader, rejectNonStandardBodyWrites, maxHeaderSize, highWaterMark, keepAlive, keepAliveInitialDelay, noDelay, and the timeouts in ms (requestTimeout, headersTimeout, keepAliveTimeout, connectionsCheckingInterval)",
			func(w *world) any { return w.theServerIsCreatedWith }).sugarFor(`the server is created with {<option>: <value>, ...}`),
		d(`^the server responds with status (\d+) and no body$`, "the server responds with status 404 and no body",
			"res.statusCode = status; res.end()",
			func(w *world) any { return w.theServerRespondsEmpty }).sugarFor(`for each request, the server response sets statusCode to <status>; for each request, the server response calls end()`),
		d(`^the server responds with status (\d+) and body "([^"]*)"$`, `the server responds with status 200 and body "hello"`,
			"res.statusCode = status; res.end(body)",
			func(w *world) any { return w.theServerResponds }).sugarFor(`for each request, the server response sets statusCode to <status>; for each request, the server response calls end("<body>")`),
		d(`^the server sets the response header "([^"]*)" to "([^"]*)"$`, `the server sets the response header "X-A" to "1"`,
			"res.setHeader(name, value)",
			func(w *world) any { return w.theServerSetsTheHeader }).sugarFor(`for each request, the server response calls setHeader("<name>", "<value>")`),
		d(`^the server writes the head (\d+) with the headers:$`, "the server writes the head 200 with the headers:\n        | content-length | 100 |",
			"res.writeHead(status, headers)",
			func(w *world) any { return w.theServerWritesTheHeadWith }).sugarFor(`for each request, the server response calls writeHead(<status>, {"<name>": "<value>", ...})`),
		d(`^the server writes the head (\d+)$`, "the server writes the head 200",
			"res.writeHead(status)",
			func(w *world) any { return w.theServerWritesTheHead }).sugarFor(`for each request, the server response calls writeHead(<status>)`),
		d(`^the server writes "([^"]*)"$`, `the server writes "partial"`,
			"res.write(text)",
			func(w *world) any { return w.theServerWrites }).sugarFor(`for each request, the server response calls write("<text>")`),
		d(`^the server writes the body in parts:$`, "the server writes the body in parts:\n        | 0  | hel |\n        | 10 | lo  |",
			"res.write(part) for each row, each after waiting its milliseconds of virtual time",
			func(w *world) any { return w.theServerWritesInParts }).sugarFor(`per row: for each request, the server waits <ms> ms; for each request, the server response calls write("<part>")`),
		d(`^the server ends the response$`, "the server ends the response",
			"res.end()",
			func(w *world) any { return w.theServerEnds }).sugarFor(`for each request, the server response calls end()`),
		d(`^the server ends the response with "([^"]*)"$`, `the server ends the response with "done"`,
			"res.end(text)",
			func(w *world) any { return w.theServerEndsWith }).sugarFor(`for each request, the server response calls end("<text>")`),
		d(`^the server ends the response with "([^"]*)" when the request times out$`, `the server ends the response with "late" when the request times out`,
			"waits for the client's 'timeout', then marks test:mark:respond and calls res.end(text)",
			func(w *world) any { return w.theServerEndsOnTimeout }).sugarFor(`for each request, the server waits until request #1 times out; for each request, the server marks "respond"; for each request, the server response calls end("<text>")`),
		d(`^the server waits (\d+) ms$`, "the server waits 100 ms",
			"the rest of the script runs after this much virtual time",
			func(w *world) any { return w.theServerWaits }).sugarFor(`for each request, the server waits <n> ms`),
		d(`^the server waits for the next turn of the loop$`, "the server waits for the next turn of the loop",
			"the rest of the script runs in a setImmediate",
			func(w *world) any { return w.theServerWaitsATurn }).sugarFor(`for each request, the server waits for the next turn`),
		d(`^the server reads the request body$`, "the server reads the request body",
			"req.on('data') and req.on('end'); the rest of the script runs once the request's 'end' was emitted",
			func(w *world) any { return w.theServerReadsTheBody }).sugarFor(`for each request, the server reads the request body`),
		d(`^the server listens for the request's errors$`, "the server listens for the request's errors",
			"req.on('error') and req.on('aborted'): a request cut short then emits 'error' (ECONNRESET \"aborted\"), which Node emits only to listeners",
			func(w *world) any { return w.theServerListensForRequestErrors }).sugarFor(`for each request, the server request listens for 'error'; for each request, the server request listens for 'aborted'`),
		d(`^the server adds the trailer "([^"]*)" with "([^"]*)"$`, `the server adds the trailer "X-Checksum" with "abc"`,
			"res.addTrailers({name: value})",
			func(w *world) any { return w.theServerAddsTheTrailer }).sugarFor(`for each request, the server response calls addTrailers({"<name>": "<value>"})`),
		d(`^the server sends 100 Continue$`, "the server sends 100 Continue",
			"res.writeContinue()",
			func(w *world) any { return w.theServerSendsContinue }).sugarFor(`for each request, the server response calls writeContinue()`),
		d(`^the server sends 102 Processing$`, "the server sends 102 Processing",
			"res.writeProcessing()",
			func(w *world) any { return w.theServerSendsProcessing }).sugarFor(`for each request, the server response calls writeProcessing()`),
		d(`^the server sends 103 Early Hints with the link "([^"]*)"$`, `the server sends 103 Early Hints with the link "</style.css>; rel=preload; as=style"`,
			"res.writeEarlyHints({link})",
			func(w *world) any { return w.theServerSendsEarlyHints }).sugarFor(`for each request, the server response calls writeEarlyHints({"link": "<link>"})`),
		d(`^the server enforces strictContentLength$`, "the server enforces strictContentLength",
			"res.strictContentLength = true",
			func(w *world) any { return w.theServerEnforcesStrictContentLength }).sugarFor(`for each request, the server response sets strictContentLength to true`),
		d(`^the server destroys the connection$`, "the server destroys the connection",
			"marks test:mark:connection-closed and calls req.socket.destroy()",
			func(w *world) any { return w.theServerDestroysTheConnection }).sugarFor(`for each request, the server marks "connection-closed"; for each request, the server request's socket calls destroy()`),
		d(`^the server destroys the connection when the client receives the first body data$`, "the server destroys the connection when the client receives the first body data",
			"marks test:mark:connection-closed and destroys the server's socket in response #1's first 'data'",
			func(w *world) any { return w.theServerDestroysOnClientData }).sugarFor(`on 'data' of response #1, the server marks "connection-closed"; on 'data' of response #1, server request #1's socket calls destroy()`),
		d(`^the server resets the connection when a second request arrives on it$`, "the server resets the connection when a second request arrives on it",
			"the second request on a connection gets test:mark:connection-reset and req.socket.resetAndDestroy()",
			func(w *world) any { return w.theServerResetsTheSecondRequest }),
		d(`^the server holds the responses until (\d+) requests have arrived, then ends them with "([^"]*)" one per agent 'free'$`, `the server holds the responses until 2 requests have arrived, then ends them with "hello" one per agent 'free'`,
			"ends the first held response once that many requests arrived, and each next one in the client agent's next 'free'",
			func(w *world) any { return w.theServerHoldsTheResponses }),
		d(`^the server closes once the raw client has received "([^"]*)"$`, `the server closes once the raw client has received "hello"`,
			"marks test:mark:close-called and calls server.close() when the raw client's received text ends with this",
			func(w *world) any { return w.theServerClosesOnRaw }).sugarFor(`the servers stay open; when raw client #<last> has received "<text>", the server marks "close-called"; when raw client #<last> has received "<text>", the server calls close()`),
		d(`^the servers close when (every request has closed|the client socket closes|the server request closes)$`, "the servers close when the client socket closes",
			"when the teardown calls server.close() (by default once every request has closed)",
			func(w *world) any { return w.theServersCloseWhen }).sugarFor(`the client socket, the server request: the servers stay open; when request #1's socket closes (server request #1 closes), the server calls close() (and each other server described before); every request: the harness's own teardown`),
		d(`^the servers close when request #(\d+) closes$`, "the servers close when request #2 closes",
			"the teardown calls server.close() once that request closed",
			func(w *world) any { return w.theServersCloseWhenRequestCloses }).sugarFor(`the servers stay open; when request #<n> closes, the server calls close() (and each other server described before)`),
		d(`^the servers stay open$`, "the servers stay open",
			"no teardown: the servers keep listening",
			func(w *world) any { return w.theServersStayOpen }),
	}
}

func (w *world) aServer() error {
	_, err := w.addServer("")
	return err
}

func (w *world) aNamedServer(name string) error {
	_, err := w.addServer(name)
	return err
}

func (w *world) addServer(name string) (*serverState, error) {
	for _, s := range w.servers {
		if s.name == name {
			if name == "" {
				return nil, errors.New("the scenario already has a server; name the others: a server \"b\"")
			}
			return nil, fmt.Errorf("the scenario already has a server %q", name)
		}
	}
	host := serverHost
	if name != "" {
		host = name
	}
	if host == clientHost {
		return nil, fmt.Errorf("a server cannot be named %q: that is the client's host", name)
	}
	var s *serverState
	if n := len(w.kept.servers); n > 0 {
		// A kept server brings its map and its arrays of exchanges,
		// emptied.
		k := w.kept.servers[n-1]
		s = reuse(&w.kept.servers, serverState{name: name, host: host, port: 80, perConn: k.perConn, received: k.received, bodies: k.bodies, sent: k.sent})
	} else {
		s = &serverState{name: name, host: host, port: 80, perConn: map[*simnet.Socket]int{}}
	}
	w.servers = append(w.servers, s)
	return s, nil
}

// server is the default server, or the only one, that "the server" steps
// configure.
func (w *world) server() (*serverState, error) {
	if len(w.servers) == 0 {
		return nil, errors.New("no server yet: start with \"Given a server\"")
	}
	for _, s := range w.servers {
		if s.name == "" {
			return s, nil
		}
	}
	return w.servers[len(w.servers)-1], nil
}

func (w *world) aServerThatRespondsEmpty(status int) error {
	if err := w.aServer(); err != nil {
		return err
	}
	return w.theServerRespondsEmpty(status)
}

func (w *world) aServerThatResponds(status int, body string) error {
	if err := w.aServer(); err != nil {
		return err
	}
	return w.theServerResponds(status, body)
}

func (w *world) aNamedServerThatResponds(name string, status int, body string) error {
	if _, err := w.addServer(name); err != nil {
		return err
	}
	each := fmt.Sprintf("for each request to server %q, the server response ", name)
	if err := w.sugar(fmt.Sprintf("%ssets statusCode to %d", each, status), nil); err != nil {
		return err
	}
	return w.sugar(fmt.Sprintf("%scalls end(%s)", each, jsString(simnet.Unescape(body))), nil)
}

func (w *world) aServerThatListensFor(event string) error {
	if err := w.aServer(); err != nil {
		return err
	}
	return w.sugar(fmt.Sprintf("the server handles '%s'", event), nil)
}

// Node answers an upgrade or a CONNECT from its listener, on the socket.
const (
	switchingProtocols = `HTTP/1.1 101 Switching Protocols\r\nUpgrade: test\r\nConnection: Upgrade\r\n\r\n`
	tunnelEstablished  = `HTTP/1.1 200 Connection Established\r\n\r\n`
)

func (w *world) aServerThatAcceptsUpgrades() error {
	return w.aServerThatAccepts("upgrade", switchingProtocols)
}

func (w *world) aServerThatAcceptsConnect() error {
	return w.aServerThatAccepts("CONNECT", tunnelEstablished)
}

// aServerThatAccepts answers other requests with 200 and an upgrade or a
// CONNECT with reply, ending the socket when the client ends it.
func (w *world) aServerThatAccepts(what, reply string) error {
	if err := w.aServerThatRespondsEmpty(200); err != nil {
		return err
	}
	each := "for each " + what + ", "
	for _, step := range []string{
		`the server request's socket calls write("` + reply + `")`,
		"the server waits for 'end' of the server request's socket",
		"the server request's socket calls end()",
	} {
		if err := w.sugar(each+step, nil); err != nil {
			return err
		}
	}
	return nil
}

func (w *world) aServerThatEndsTunnels() error {
	if err := w.aServerThatRespondsEmpty(200); err != nil {
		return err
	}
	return w.sugar(`for each CONNECT, the server request's socket calls end("`+tunnelEstablished+`")`, nil)
}

func (w *world) aRawServer(reply string) error {
	s, err := w.addServer("")
	if err != nil {
		return err
	}
	s.rawReply = simnet.Unescape(reply)
	return nil
}

func (w *world) aServerThatReplaysTheCapture(path string) error {
	exchanges, err := loadCapture(path)
	if err != nil {
		return err
	}
	s, err := w.addServer("")
	if err != nil {
		return err
	}
	s.script = append(s.script, replayResponse(exchanges))
	return nil
}

func (w *world) nothingListens() error {
	if len(w.servers) > 0 {
		return errors.New("the scenario has a server; \"nothing listens\" needs none")
	}
	return nil
}

// theServersSettingIs is sugar for "the server sets <name> to <n>", a
// timeout in milliseconds or a limit. Node throws on a negative timeout
// when the server first uses it, which fails the scenario before anything
// runs; a limit is a plain property Node never checks.
func (w *world) theServersSettingIs(name string, n int) error {
	s, err := w.server()
	if err != nil {
		return err
	}
	if n < 0 && (name == "keepAliveTimeout" || name == "timeout") {
		s.settings = append(s.settings, func(*httpcore.Server) error { return outOfRange("server."+name, n) })
		return nil
	}
	return w.sugar(fmt.Sprintf("%s sets %s to %d", s.phrase(), name, n), nil)
}

// theServersOptionIs gives http.createServer a timeout or maxHeaderSize.
func (w *world) theServersOptionIs(name string, n int) error {
	s, err := w.server()
	if err != nil {
		return err
	}
	return w.sugar(fmt.Sprintf("%s is created with {%s: %d}", s.phrase(), name, n), nil)
}

func (w *world) theServerIsCreatedWith(table *godog.Table) error {
	s, err := w.server()
	if err != nil {
		return err
	}
	rows, err := pairs(table)
	if err != nil {
		return err
	}
	options, err := optionsLiteral("server", serverOptions, rows)
	if err != nil {
		return err
	}
	return w.sugar(s.phrase()+" is created with "+options, nil)
}

// outOfRange is the error Node throws for a negative timer value.
func outOfRange(name string, v int) error {
	return &simnet.Error{Code: "ERR_OUT_OF_RANGE", Message: fmt.Sprintf("The value of %q is out of range. It must be >= 0. Received %d", name, v), Field: name}
}

// phrase names the server as a grammar sentence's actor.
func (s *serverState) phrase() string {
	if s.name != "" {
		return fmt.Sprintf("server %q", s.name)
	}
	return "the server"
}

// write is res.write(p), remembering what was sent.
func (x *exchange) write(p []byte) {
	_, err := x.res.Write(p, nil)
	x.check(err)
	x.s.sent[x.n-1] = append(x.s.sent[x.n-1], p...)
}

// end is res.end(p), remembering what was sent.
func (x *exchange) end(p []byte) {
	x.check(x.res.End(p, nil))
	x.s.sent[x.n-1] = append(x.s.sent[x.n-1], p...)
}

// sentBodies are the bodies the handler wrote, one per request.
func (s *serverState) sentBodies() []string {
	out := make([]string, len(s.sent))
	for i, b := range s.sent {
		out[i] = string(b)
	}
	return out
}

// check records an error a handler call returned, as the reference
// scripts' try/catch does (test:mark:thrown).
func (x *exchange) check(err error) {
	if err == nil {
		return
	}
	x.s.thrown = append(x.s.thrown, err)
	x.w.mark("thrown", map[string]any{"code": simnet.CodeOf(err), "message": err.Error()})
}

func (w *world) theServerRespondsEmpty(status int) error {
	return w.eachRequest(fmt.Sprintf("the server response sets statusCode to %d", status), "the server response calls end()")
}

func (w *world) theServerResponds(status int, body string) error {
	if err := w.sugarOf(nil, "for each request, the server response sets statusCode to ", strconv.Itoa(status)); err != nil {
		return err
	}
	return w.sugarOf(nil, "for each request, the server response calls end(", jsString(simnet.Unescape(body)), ")")
}

func (w *world) theServerSetsTheHeader(name, value string) error {
	return w.eachRequest(fmt.Sprintf("the server response calls setHeader(%s, %s)", jsString(name), jsString(value)))
}

func (w *world) theServerWritesTheHeadWith(status int, table *godog.Table) error {
	rows, err := pairs(table)
	if err != nil {
		return err
	}
	fields := make([]string, len(rows))
	for i, r := range rows {
		fields[i] = jsString(r[0]) + ": " + jsString(r[1])
	}
	return w.eachRequest(fmt.Sprintf("the server response calls writeHead(%d, {%s})", status, strings.Join(fields, ", ")))
}

func (w *world) theServerWritesTheHead(status int) error {
	return w.eachRequest(fmt.Sprintf("the server response calls writeHead(%d)", status))
}

func (w *world) theServerWrites(text string) error {
	return w.eachRequest("the server response calls write(" + jsString(simnet.Unescape(text)) + ")")
}

func (w *world) theServerWritesInParts(table *godog.Table) error {
	rows, err := pairs(table)
	if err != nil {
		return err
	}
	for _, r := range rows {
		d, err := millis("part delay", r[0])
		if err != nil {
			return err
		}
		if err := w.eachRequest(fmt.Sprintf("the server waits %d ms", d.Milliseconds()), "the server response calls write("+jsString(simnet.Unescape(r[1]))+")"); err != nil {
			return err
		}
	}
	return nil
}

func (w *world) theServerEnds() error {
	return w.eachRequest("the server response calls end()")
}

func (w *world) theServerEndsWith(text string) error {
	return w.eachRequest("the server response calls end(" + jsString(simnet.Unescape(text)) + ")")
}

func (w *world) theServerEndsOnTimeout(text string) error {
	return w.eachRequest("the server waits until request #1 times out", `the server marks "respond"`, "the server response calls end("+jsString(simnet.Unescape(text))+")")
}

func (w *world) theServerWaits(ms int) error {
	return w.eachRequest(fmt.Sprintf("the server waits %d ms", ms))
}

func (w *world) theServerWaitsATurn() error {
	return w.eachRequest("the server waits for the next turn")
}

func (w *world) theServerReadsTheBody() error {
	return w.eachRequest("the server reads the request body")
}

func (w *world) theServerListensForRequestErrors() error {
	return w.eachRequest("the server request listens for 'error'", "the server request listens for 'aborted'")
}

func (w *world) theServerAddsTheTrailer(name, value string) error {
	return w.eachRequest(fmt.Sprintf("the server response calls addTrailers({%s: %s})", jsString(name), jsString(value)))
}

func (w *world) theServerSendsContinue() error {
	return w.eachRequest("the server response calls writeContinue()")
}

func (w *world) theServerSendsProcessing() error {
	return w.eachRequest("the server response calls writeProcessing()")
}

func (w *world) theServerSendsEarlyHints(link string) error {
	return w.eachRequest(fmt.Sprintf("the server response calls writeEarlyHints({\"link\": %s})", jsString(link)))
}

func (w *world) theServerEnforcesStrictContentLength() error {
	return w.eachRequest("the server response sets strictContentLength to true")
}

func (w *world) theServerDestroysTheConnection() error {
	return w.eachRequest(`the server marks "connection-closed"`, "the server request's socket calls destroy()")
}

func (w *world) theServerDestroysOnClientData() error {
	if err := w.sugar(`on 'data' of response #1, the server marks "connection-closed"`, nil); err != nil {
		return err
	}
	return w.sugar("on 'data' of response #1, server request #1's socket calls destroy()", nil)
}

func (w *world) theServerResetsTheSecondRequest() error {
	s, err := w.server()
	if err != nil {
		return err
	}
	s.resetOnSecond = true
	return nil
}

func (w *world) theServerHoldsTheResponses(n int, body string) error {
	s, err := w.server()
	if err != nil {
		return err
	}
	if n < 1 {
		return fmt.Errorf("hold until %d requests: want at least 1", n)
	}
	s.hold, s.holdBody = n, simnet.Unescape(body)
	return nil
}

func (w *world) theServerClosesOnRaw(text string) error {
	s, err := w.server()
	if err != nil {
		return err
	}
	if len(w.client.raws) == 0 {
		return errors.New("no raw client yet: describe it (\"a raw client connects ...\") before what it receives")
	}
	w.teardown = teardownNever
	on := fmt.Sprintf("when raw client #%d has received %s, %s ", len(w.client.raws), jsString(simnet.Unescape(text)), s.phrase())
	if err := w.sugar(on+`marks "close-called"`, nil); err != nil {
		return err
	}
	return w.sugar(on+"calls close()", nil)
}

func (w *world) theServersCloseWhen(when string) error {
	switch when {
	case "every request has closed":
		w.teardown = teardownAllRequests
		return nil
	case "the client socket closes":
		return w.closeServersWhen("request #1's socket closes")
	}
	return w.closeServersWhen("server request #1 closes")
}

func (w *world) theServersCloseWhenRequestCloses(n int) error {
	return w.closeServersWhen(fmt.Sprintf("request #%d closes", n))
}

// closeServersWhen is "the servers stay open" and, for each server
// described so far, "when <event>, <server> calls close()": a server
// described after it stays open.
func (w *world) closeServersWhen(event string) error {
	if len(w.servers) == 0 {
		return errors.New("no server yet: describe the servers before when they close")
	}
	w.teardown = teardownNever
	for _, s := range w.servers {
		if err := w.sugar(fmt.Sprintf("when %s, %s calls close()", event, s.phrase()), nil); err != nil {
			return err
		}
	}
	return nil
}

func (w *world) theServersStayOpen() error {
	w.teardown = teardownNever
	return nil
}

// serverAddr is the address and port requests to the named server go to:
// the address, not the name, as the reference scripts connect to 127.0.0.1
// with no lookup.
func (w *world) serverAddr(name string) (string, int, error) {
	if w.service != nil && w.service.px != nil {
		if name != "" {
			return "", 0, fmt.Errorf("there is no server %q: the scenario talks to its one real service", name)
		}
		host, port, err := net.SplitHostPort(w.service.px.Addr())
		if err != nil {
			return "", 0, err
		}
		n, err := strconv.Atoi(port)
		return host, n, err
	}
	host := serverHost
	if name != "" {
		host = name
	}
	for _, s := range w.servers {
		if s.name == name || (name == "" && s.host == serverHost) {
			host = s.host
		}
	}
	h := w.sim.Host(host)
	if h == nil {
		return "", 0, fmt.Errorf("there is no server %q", name)
	}
	return h.Addrs()[0].String(), 80, nil
}

// startServer creates and starts listening one server.
func (w *world) startServer(s *serverState) error {
	h := w.sim.Host(s.host)
	if s.rawReply != "" {
		if err := w.startRawServer(s, h); err != nil {
			return err
		}
		w.born(actorKey{kind: actorServer, server: s.name}, worldNew(w, target{server: s}))
		return nil
	}
	srv, err := httpcore.CreateServer(h, s.opts, nil)
	if err != nil {
		return fmt.Errorf("the server's options: %w", err)
	}
	s.srv = srv
	for _, set := range s.settings {
		if err := set(srv); err != nil {
			return err
		}
	}
	handle := func(e httpcore.Exchange) { w.handle(s, e.Req, e.Res) }
	switch {
	case s.checkContinue:
		srv.Events.CheckContinue.On(handle)
	case s.checkExpect:
		srv.Events.CheckExpectation.On(handle)
	}
	srv.Events.Request.On(handle)
	if len(s.onUpgrade) > 0 {
		srv.Events.Upgrade.On(w.upgraded(s, s.onUpgrade))
	}
	if len(s.onConnect) > 0 {
		srv.Events.Connect.On(w.upgraded(s, s.onConnect))
	}
	// After the handler's listeners, as http.createServer(handler) adds
	// its own before a program can add any.
	w.born(actorKey{kind: actorServer, server: s.name}, worldNew(w, target{server: s}))
	return srv.Listen(s.port, "", nil)
}

// handle runs the handler script for one request.
func (w *world) handle(s *serverState, req *httpcore.IncomingMessage, res *httpcore.ServerResponse) {
	s.received = append(s.received, req)
	x := worldNew(w, exchange{w: w, s: s, n: len(s.received), req: req, res: res})
	s.bodies = append(s.bodies, nil)
	s.sent = append(s.sent, nil)
	w.born(actorKey{kind: actorServerRequest, n: x.n, server: s.name}, worldNew(w, target{x: x}))
	w.born(actorKey{kind: actorServerResponse, n: x.n, server: s.name}, worldNew(w, target{x: x}))
	sock := req.Socket()
	s.perConn[sock]++
	if s.resetOnSecond && s.perConn[sock] == 2 {
		w.mark("connection-reset", nil)
		sock.ResetAndDestroy()
		return
	}
	switch {
	case s.hold > 0 && s.released:
		x.end([]byte(s.holdBody))
		return
	case s.hold > 0:
		s.held = append(s.held, x)
		if len(s.held) == s.hold {
			s.released = true
			w.releaseHeld(s)
		}
		return
	}
	runScript(x, s.script)
}

// releaseHeld ends the first held response now and each next one in the
// client agent's next 'free'.
func (w *world) releaseHeld(s *serverState) {
	held := s.held
	s.held = nil
	body := []byte(s.holdBody)
	end := func(x *exchange) { x.end(body) }
	end(held[0])
	next := 1
	if next < len(held) {
		var off func()
		off = w.client.agent.Events.Free.On(func(*simnet.Socket) {
			end(held[next])
			next++
			if next == len(held) {
				off()
			}
		})
	}
}

// read makes the handler read the request as the reference scripts' readers
// do: listeners for 'data' and 'end'. A request nobody reads is left alone,
// as in Node: its 'end' waits for the response to finish and dump it.
func (x *exchange) read() {
	if x.reading {
		return
	}
	x.reading = true
	s, body, req := x.s, x.n-1, x.req
	req.Events.Data.On(func(p []byte) {
		s.bodies[body] = append(s.bodies[body], p...)
	})
	req.Events.End.On(func(struct{}) {})
}

func runScript(x *exchange, script []serverAction) {
	if len(script) == 0 {
		return
	}
	script[0](x, func() { runScript(x, script[1:]) })
}

// startRawServer listens with a plain TCP server that answers the first
// bytes it reads with the scenario's reply, traced as the reference
// scripts' net server is: 'connection', and 'close' once it was closed and
// its last connection is gone.
func (w *world) startRawServer(s *serverState, h *simnet.Host) error {
	events := w.loop().Events()
	s.rawID = events.NewID("server")
	l, err := h.Listen(simnet.ListenOptions{Port: s.port}, func(sock *simnet.Socket) {
		s.rawLive++
		events.Emit(simnet.Event{Obj: "server", ID: s.rawID, Name: "connection"})
		answered, gone := false, false
		sock.Events.Data.On(func([]byte) {
			if !answered {
				answered = true
				sock.Write([]byte(s.rawReply), nil)
			}
		})
		sock.Events.Error.On(func(error) {})
		// A net.Server counts a connection gone when its socket is
		// destroyed, before the socket's 'close': after both sides have
		// ended, 'finish' is that moment.
		leave := func() {
			if !gone {
				gone = true
				s.rawLive--
				w.rawServerDrained(s)
			}
		}
		sock.Events.Finish.On(func(struct{}) {
			if sock.ReadableEnded() {
				leave()
			}
		})
		sock.Events.Close.On(func(bool) { leave() })
	})
	if err != nil {
		return fmt.Errorf("the raw server: %w", err)
	}
	s.raw = l
	return nil
}

// rawServerDrained emits the raw server's 'close' on the next tick once it
// is closed and has no connection left.
func (w *world) rawServerDrained(s *serverState) {
	if !s.closed || s.rawLive > 0 || s.rawCloseSent {
		return
	}
	s.rawCloseSent = true
	id := s.rawID
	w.loop().NextTick(func() {
		w.loop().Events().Emit(simnet.Event{Obj: "server", ID: id, Name: "close"})
	})
}

// closeServers is the teardown: server.close() on every server, once.
func (w *world) closeServers() {
	for _, s := range w.servers {
		w.closeServer(s)
	}
}

func (w *world) closeServer(s *serverState) {
	if s.closed {
		return
	}
	s.closed = true
	switch {
	case s.srv != nil:
		s.srv.Close(nil)
	case s.raw != nil:
		s.raw.Close()
		w.rawServerDrained(s)
	}
}
