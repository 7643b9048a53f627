package features

import (
	"fmt"
	"strings"

	"github.com/cucumber/godog"

	"github.com/simhttp/simhttp/simnet"
)

// rawClient is a plain TCP client socket that writes bytes and collects
// what it receives, as the reference scripts' T.rawClient does.
type rawClient struct {
	n         int  // 1-based, in the order the scenario describes them
	traceData bool // its 'data' events go into the trace (grammar raw clients)
	first     string
	replies   []rawReply // writes (or an end) once the received text contains a string
	sock      *simnet.Socket
	got       []byte
	closed    bool
}

// rawReply is what a raw client does once it has received when.
type rawReply struct {
	when string
	run  func()
	done bool
}

func networkSteps() []*stepDef {
	d := func(pattern, example, doc string, bind func(w *world) any) *stepDef {
		return &stepDef{domain: "Network and faults", pattern: pattern, example: example, doc: doc, bind: bind}
	}
	return []*stepDef{
		d(`^the link between the client and the server has a latency of (\d+) ms$`, "the link between the client and the server has a latency of 20 ms",
			"one-way latency of every segment (default 1 ms)",
			func(w *world) any { return w.theLinkHasALatencyOf }).sugarFor(`the network sets latency to <n>`),
		d(`^the link between the client and the server has a jitter of (\d+) ms$`, "the link between the client and the server has a jitter of 5 ms",
			"up to this much extra one-way delay per segment, drawn from the seed",
			func(w *world) any { return w.theLinkHasAJitterOf }).sugarFor(`the network sets jitter to <n>`),
		d(`^the link between the client and the server carries (\d+) bytes per second$`, "the link between the client and the server carries 10000 bytes per second",
			"bandwidth each way (default unlimited)",
			func(w *world) any { return w.theLinkCarries }).sugarFor(`the network sets bandwidth to <n>`),
		d(`^the link between the client and the server has segments of at most (\d+) bytes$`, "the link between the client and the server has segments of at most 100 bytes",
			"the MSS: the largest payload of one segment (default 1460)",
			func(w *world) any { return w.theLinkHasAnMSSOf }).sugarFor(`the network sets mss to <n>`),
		d(`^name lookups take (\d+) ms$`, "name lookups take 5 ms",
			"DNS latency of every lookup",
			func(w *world) any { return w.nameLookupsTake }).sugarFor(`the network sets dnsLatency to <n>`),
		d(`^the fault rule:$`, "the fault rule:\n        | what    | reset          |\n        | dir     | server->client |\n        | pattern | \\r\\n\\r\\n       |",
			"any fault rule, with the keys of the proxy's JSON rules: what (refuse, black-hole-connect, black-hole-data, reset, close, stall, delay, slice, partition, close-on-reuse, dns-fail, dns-delay), client, server, port, dir, conn, request, name, after bytes, pattern, after (request headers, response headers, response), at, idle, probability, delay, size, duration (times in ms)",
			func(w *world) any { return w.theFaultRule }).sugarFor(`the network adds the rule with:`),
		d(`^the server (resets|closes) the connection after the response headers$`, "the server resets the connection after the response headers",
			"the server's side aborts (RST) or closes (FIN) the connection once the end of a response head (\\r\\n\\r\\n) has left",
			func(w *world) any { return w.theServerFaultsAfterTheHeaders }).sugarFor(`the network adds the rule {what: "reset" (closes: "close"), server: "server", dir: "server->client", pattern: "\r\n\r\n"}`),
		d(`^the server (resets|closes) the connection after sending (\d+) bytes$`, "the server closes the connection after sending 100 bytes",
			"the server's side aborts or closes the connection once it has sent this many bytes",
			func(w *world) any { return w.theServerFaultsAfterBytes }).sugarFor(`the network adds the rule {what: "reset" (closes: "close"), server: "server", dir: "server->client", "after bytes": <n>}`),
		d(`^the server closes the idle connection as the client reuses it$`, "the server closes the idle connection as the client reuses it",
			"the keep-alive race (rule what: close on reuse): when the client writes a new request on an idle keep-alive connection, the server has just closed it",
			func(w *world) any { return w.theServerClosesOnReuse }).sugarFor(`the network adds the rule {what: "close on reuse", server: "server"}`),
		d(`^the server refuses connections$`, "the server refuses connections",
			"every SYN to the server is answered with RST: ECONNREFUSED",
			func(w *world) any { return w.theServerRefusesConnections }).sugarFor(`the network adds the rule {what: "refuse", server: "server"}`),
		d(`^the network swallows the connection attempts$`, "the network swallows the connection attempts",
			"SYNs to the server are dropped: connect is never answered",
			func(w *world) any { return w.theNetworkSwallowsConnects }).sugarFor(`the network adds the rule {what: "black-hole-connect", server: "server"}`),
		d(`^the client and the server are cut off from each other from (\d+) ms to (\d+) ms$`, "the client and the server are cut off from each other from 10 ms to 500 ms",
			"a partition between the two hosts for that span of virtual time",
			func(w *world) any { return w.theHostsArePartitioned }).sugarFor(`the network adds the rule {what: "partition", client: "client", server: "server", at: <from>, duration: <to - from>}`),
		d(`^a raw client connects and writes "([^"]*)"$`, `a raw client connects and writes "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"`,
			"a plain TCP client writes these bytes (\\r \\n \\t escapes) once connected; when its socket closes it marks test:mark:raw-received and the servers close",
			func(w *world) any { return w.aRawClientWrites }).sugarFor(`raw client #<next> connects and writes "<bytes>", without socket:data in the trace`),
		d(`^a raw client connects and writes a request with a (\d+)-byte header$`, "a raw client connects and writes a request with a 20000-byte header",
			"a raw client writes a GET whose X-Big header value is this long",
			func(w *world) any { return w.aRawClientWritesABigHeader }).sugarFor(`raw client #<next> connects and writes "GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: aaa...\r\n\r\n", without socket:data in the trace`),
		d(`^the raw client writes "([^"]*)" once it has received "([^"]*)"$`, `the raw client writes "hello" once it has received "100 Continue"`,
			"the raw client writes more once the text it received contains the second string",
			func(w *world) any { return w.theRawClientWritesOnce }).sugarFor(`when raw client #<n> has received "<text>", raw client #<n> writes "<bytes>"`),
		d(`^the raw client ends once it has received "([^"]*)"$`, `the raw client ends once it has received "plain"`,
			"the raw client half-closes once the text it received contains this",
			func(w *world) any { return w.theRawClientEndsOnce }).sugarFor(`when raw client #<n> has received "<text>", raw client #<n> ends`),
		d(`^the run stops at (\d+) ms$`, "the run stops at 500 ms",
			"the simulation is cut at this virtual time instead of running until nothing is left to do",
			func(w *world) any { return w.theRunStopsAt }).sugarFor(`after <n> ms, the network stops the run`),
	}
}

// The link and fault sentences are sugar: each is the network's setting
// or rule it names.

func (w *world) theLinkHasALatencyOf(ms int) error {
	return w.sugar(fmt.Sprintf("the network sets latency to %d", ms), nil)
}

func (w *world) theLinkHasAJitterOf(ms int) error {
	return w.sugar(fmt.Sprintf("the network sets jitter to %d", ms), nil)
}

func (w *world) theLinkCarries(bps int64) error {
	return w.sugar(fmt.Sprintf("the network sets bandwidth to %d", bps), nil)
}

func (w *world) theLinkHasAnMSSOf(n int) error {
	return w.sugar(fmt.Sprintf("the network sets mss to %d", n), nil)
}

func (w *world) nameLookupsTake(ms int) error {
	return w.sugar(fmt.Sprintf("the network sets dnsLatency to %d", ms), nil)
}

func (w *world) theFaultRule(table *godog.Table) error {
	return w.sugar("the network adds the rule with:", table)
}

// ruleSugar adds the rule written as the object literal's members.
func (w *world) ruleSugar(members string) error {
	return w.sugar("the network adds the rule {"+members+"}", nil)
}

func (w *world) theServerFaultsAfterTheHeaders(verb string) error {
	return w.ruleSugar(fmt.Sprintf(`what: %q, server: %q, dir: "server->client", pattern: "\r\n\r\n"`, faultOf(verb), serverHost))
}

func (w *world) theServerFaultsAfterBytes(verb string, n int64) error {
	return w.ruleSugar(fmt.Sprintf(`what: %q, server: %q, dir: "server->client", "after bytes": %d`, faultOf(verb), serverHost, n))
}

func faultOf(verb string) string {
	if verb == "resets" {
		return "reset"
	}
	return "close"
}

func (w *world) theServerClosesOnReuse() error {
	return w.sugar(`the network adds the rule {what: "close on reuse", server: "`+serverHost+`"}`, nil)
}

func (w *world) theServerRefusesConnections() error {
	return w.ruleSugar(fmt.Sprintf(`what: "refuse", server: %q`, serverHost))
}

func (w *world) theNetworkSwallowsConnects() error {
	return w.ruleSugar(fmt.Sprintf(`what: "black-hole-connect", server: %q`, serverHost))
}

func (w *world) theHostsArePartitioned(from, to int) error {
	if to <= from {
		return fmt.Errorf("cut off from %d ms to %d ms: the end must come after the start", from, to)
	}
	return w.ruleSugar(fmt.Sprintf(`what: "partition", client: %q, server: %q, at: %d, duration: %d`, clientHost, serverHost, from, to-from))
}

func (w *world) aRawClientWrites(data string) error {
	return w.rawSugar(data)
}

func (w *world) aRawClientWritesABigHeader(n int) error {
	return w.rawSugar(`GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: ` + strings.Repeat("a", n) + `\r\n\r\n`)
}

// rawSugar is "raw client #<next> connects and writes <text>", whose
// received bytes stay out of the trace as they always have for these
// sentences.
func (w *world) rawSugar(text string) error {
	n := len(w.client.raws) + 1
	if err := w.sugar(fmt.Sprintf(`raw client #%d connects and writes "%s"`, n, text), nil); err != nil {
		return err
	}
	w.client.raws[n-1].traceData = false
	return nil
}

// addRaw numbers a raw client the scenario describes; the servers then
// close once every raw client has come and gone.
func (w *world) addRaw(rc *rawClient) {
	w.client.raws = append(w.client.raws, rc)
	rc.n = len(w.client.raws)
	if w.teardown == teardownAllRequests {
		w.teardown = teardownRawClient
	}
}

// rawsGone reports whether every raw client described has connected and
// closed.
func (w *world) rawsGone() bool {
	if w.client.rawPending > 0 {
		return false
	}
	for _, rc := range w.client.raws {
		if !rc.closed {
			return false
		}
	}
	return true
}

func (w *world) lastRaw() (*rawClient, error) {
	if len(w.client.raws) == 0 {
		return nil, fmt.Errorf("no raw client yet: start with \"a raw client connects and writes ...\"")
	}
	return w.client.raws[len(w.client.raws)-1], nil
}

func (w *world) theRawClientWritesOnce(data, when string) error {
	rc, err := w.lastRaw()
	if err != nil {
		return err
	}
	return w.sugar(fmt.Sprintf(`when raw client #%d has received "%s", raw client #%d writes "%s"`, rc.n, when, rc.n, data), nil)
}

func (w *world) theRawClientEndsOnce(when string) error {
	rc, err := w.lastRaw()
	if err != nil {
		return err
	}
	return w.sugar(fmt.Sprintf(`when raw client #%d has received "%s", raw client #%d ends`, rc.n, when, rc.n), nil)
}

func (w *world) theRunStopsAt(ms int) error {
	if ms < 1 {
		return fmt.Errorf("the run stops at %d ms: want 1 ms or more", ms)
	}
	return w.sugar(fmt.Sprintf("after %d ms, the network stops the run", ms), nil)
}

// connectRaw connects a raw client to the default server.
func (w *world) connectRaw(rc *rawClient) {
	addr, port, err := w.serverAddr("")
	if err != nil {
		w.fail(err)
		return
	}
	sock, err := w.clientRuntime().Connect(simnet.ConnectOptions{Host: addr, Port: port})
	if err != nil {
		w.fail(fmt.Errorf("the raw client: %w", err))
		return
	}
	rc.sock = sock
	sock.Events.Connect.On(func(struct{}) {
		if rc.first != "" {
			sock.Write([]byte(rc.first), nil)
		}
	})
	sock.Events.Data.On(func(p []byte) {
		if rc.traceData {
			w.loop().Events().Emit(simnet.Event{Obj: "socket", ID: sock.ID(), Name: "data", Bytes: len(p)})
		}
		rc.got = append(rc.got, p...)
		w.onRawData(rc)
	})
	sock.Events.Error.On(func(error) {})
	sock.Events.Close.On(func(bool) {
		rc.closed = true
		text := dateHeader.ReplaceAllString(string(rc.got), "")
		first, _, _ := strings.Cut(text, "\r\n")
		w.mark("raw-received", map[string]any{"response": first, "raw": text})
		if w.teardown == teardownRawClient && w.rawsGone() {
			w.closeServers()
		}
	})
	w.born(actorKey{kind: actorRaw, n: rc.n}, worldNew(w, target{raw: rc}))
}

// onRawData runs the raw client's replies whose text has arrived.
func (w *world) onRawData(rc *rawClient) {
	got := string(rc.got)
	for i := range rc.replies {
		rp := &rc.replies[i]
		if rp.done || !strings.Contains(got, rp.when) {
			continue
		}
		rp.done = true
		rp.run()
	}
}
