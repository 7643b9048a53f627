package features

import (
	"fmt"
	"sort"
	"strings"
)

// grammarDomain is the section of `simhttp steps` the grammar is listed
// under.
const grammarDomain = "The grammar"

// form is one sentence form of the grammar, documented with an example.
type form struct {
	part    string // trigger, actor, action or value
	form    string
	example string
	doc     string
}

// grammarForms is every form of the grammar, in the order `simhttp steps`
// and docs/grammar.md list them. Each example is a whole sentence a test
// parses.
var grammarForms = []form{
	{"trigger", "after <n> ms", "after 50 ms the client sends GET /2",
		"runs <n> ms of virtual time after the main script started"},
	{"trigger", "on '<event>' of <actor>", "on 'response' of request #1, request #1 calls destroy()",
		"runs in a listener of the event's first emission (the listener is added once the object exists)"},
	{"trigger", "on the <nth> '<event>' of <actor>", "on the second 'free' of the agent, the client sends GET /3",
		"runs at that emission only: first, second, third, 4th, ..."},
	{"trigger", "on every '<event>' of <actor>", "on every 'data' of response #1, response #1 calls pause()",
		"runs at each emission"},
	{"trigger", "when <actor> <verb>", "when request #1 closes, the client sends GET /2",
		"the same with a verb: closes, ends, finishes, errors, times out, connects, drains, is aborted, aborts, gets its socket, gets its response, receives data, receives a connection, receives a request, frees a socket, emits '<event>'"},
	{"trigger", "when request #<n> arrives", "when request #2 arrives, the server calls closeIdleConnections()",
		"runs when the server emits 'request' for its n-th request (server request #n); `when response #<n> arrives` waits for response #n"},
	{"trigger", "when request #<n> is made", "when request #2 is made, the client aborts the signal",
		"right after http.request() returns request #n, before the client ends it: \"right away\""},
	{"trigger", "when raw client #<n> has received \"<text>\"", "when raw client #1 has received \"100 Continue\", raw client #1 writes \"hello\"",
		"once the bytes raw client #n received contain the text (\\r \\n \\t escapes), at the 'data' that completes it"},
	{"trigger", "<n> ms after <event trigger>", "20 ms after request #1 arrives, the server calls close()",
		"the event forms, delayed: `<n> ms after '<event>' of <actor>`, `<n> ms after <actor> <verb>`"},
	{"trigger", "in the next turn | the turn after <event trigger>", "the turn after request #1 gets its socket, the client marks \"next-turn\"",
		"in a setImmediate queued by the main script or at the event: the loop's next check phase, to show in which turn of the loop things happen"},
	{"trigger", "for each request [to server \"<name>\"]", "for each request, the server response calls writeHead(200, {\"x-a\": \"1\"})",
		"a step of the server's handler: for every request, in the order written, once the step before is done; \"the server request\" and \"the server response\" are the request in hand and its response"},
	{"trigger", "for each upgrade | for each CONNECT [to server \"<name>\"]", "for each upgrade, the server request's socket calls write(\"HTTP/1.1 101 Switching Protocols\\r\\n\\r\\n\")",
		"the steps of the server's 'upgrade' or 'connect' listener: the request has its socket and no response"},
	{"trigger", "on '<event>' of every request | every response", "on 'end' of every response, it marks \"trailers\" with {trailers: its trailers}",
		"on each request (response) as it is made, a listener of that event in which \"it\", the one that emitted, calls, sets, reads or marks; `when every request <verb>` the same"},
	{"trigger", "<trigger on every request | every response>, if <reference> is <value> [and ...],", "on 'error' of every request, if the error's code is \"ECONNRESET\" and its reusedSocket is true, the client sends it again",
		"the action runs only when each part holds: a reference as in a mark's details (its <property>, its <property>[\"<key>\"], its socket's <property>; in a request's 'error', the error's code or message), read from the one whose event it is, equal to the literal"},
	{"actor", "the server | server \"<name>\"", "the server calls closeAllConnections()",
		"the http.Server (a named one lives on its own host)"},
	{"actor", "the client", "the client sends GET /",
		"the test client: it sends requests, listening to every event of each request and response"},
	{"actor", "the agent", "the agent calls destroy()",
		"the client's http.Agent (the global agent unless \"the client uses an agent with:\")"},
	{"actor", "request #<n> | the request", "request #1 calls setHeader(\"x-a\", [\"1\", \"2\"])",
		"the n-th ClientRequest, in the order they are made (\"the request\" is #1)"},
	{"actor", "response #<n> | the response", "on 'end' of response #1, the client sends GET /next",
		"the response to request #n (its trace name is res#k for the k-th response to arrive)"},
	{"actor", "server request #<n> | server response #<n>", "server response #1 calls writeHead(404, {\"x-why\": \"gone\"})",
		"the default server's n-th request (IncomingMessage) and its ServerResponse; without a trigger they act as the request arrives, before the handler script"},
	{"actor", "raw client #<n>", "raw client #1 connects and writes \"GET / HTTP/1.1\\r\\nHost: a\\r\\n\\r\\n\"",
		"a plain net.Socket client; what it receives is traced as socket:data"},
	{"actor", "<actor>'s socket", "server request #1's socket calls resetAndDestroy()",
		"the net.Socket under a request, response or server request or response"},
	{"actor", "every request | every response", "every request does not listen for 'response'",
		"each request the client makes, each response it gets, as each is made (before the sentences naming one of them): it calls, sets, listens, does not listen or marks; no trigger"},
	{"actor", "it", "on 'socket' of every request, it marks \"req-socket\" with {req: its number, socket: its socket's id}",
		"with a trigger on every request or response: the one whose event it is"},
	{"actor", "the network", "after 10 ms the network cuts the client off from the server for 200 ms",
		"the simulated network"},
	{"action", "<actor> calls <method>(<args>) [then <method>(<args>)]...", "server response #1 calls end(\"done\") then write(\"late\")",
		"calls methods in order; what a call throws is marked test:mark:thrown {code, message} and the scenario goes on; getters mark test:mark:returned {of, value}"},
	{"action", "<actor> sets <property> to <value>", "server response #1 sets statusCode to 404",
		"assigns a property"},
	{"action", "<actor> reads <property>", "request #1 reads reusedSocket",
		"marks test:mark:read {of, value}; \"value #<n> is <value>\" checks it"},
	{"action", "<actor> listens for '<event>'", "the server listens for 'clientError'",
		"adds a listener that does nothing, from the object's creation: Node behaves differently when someone listens"},
	{"action", "<actor> does not listen for '<event>'", "response #1 does not listen for 'error'",
		"leaves out one of the test client's own listeners (request: response, upgrade, connect, timeout, finish, abort, drain, continue, information; response: data, end, error, aborted, close)"},
	{"action", "<server> is created with {<option>: <value>, ...}", "the server is created with {headersTimeout: 100, joinDuplicateHeaders: true}",
		"http.createServer(options), before the run and without a trigger: joinDuplicateHeaders, insecureHTTPParser, requireHostHeader, rejectNonStandardBodyWrites, keepAlive, noDelay (true or false), uniqueHeaders ([\"a\", \"b\"]), maxHeaderSize, highWaterMark, and in ms requestTimeout, headersTimeout, keepAliveTimeout, connectionsCheckingInterval, keepAliveInitialDelay"},
	{"action", "<server> handles 'checkContinue' | 'checkExpectation'", "the server handles 'checkContinue'",
		"its handler also runs in that event, as server.on('checkContinue', handler): the request is then the handler's to answer"},
	{"action", "<actor> marks \"<name>\"", "when request #1 closes, the client marks \"first-done\"",
		"puts test:mark:<name> in the trace"},
	{"action", "<actor> marks \"<name>\" with {<key>: <value>, ...}", "when request #2 gets its socket, the agent marks \"agent-state\" with {totalSocketCount: its totalSocketCount, freeSockets: its freeSockets}",
		"the mark with these details: each value a literal, or read from the acting object at that moment as \"reads\" would: its <property>, its <property>[\"<key>\"] (an absent entry is left out, as JSON leaves out undefined), its socket's <property>"},
	{"action", "the client sends <METHOD> <path> [to \"<server>\"] [with:]", "when request #1 closes, the client sends GET /2",
		"http.request() then req.end(); \"with:\" takes the request options table of \"the client sends ... with:\""},
	{"action", "the client starts <METHOD> <path> [to \"<server>\"] [with:]", "the client starts POST /upload",
		"http.request() without end(): the scenario writes and ends it (request #<n> calls write(...) then end())"},
	{"action", "the client sends it again", "on 'error' of every request, if its reusedSocket is true, the client sends it again",
		"with a trigger on every request: http.request() and end() again with that request's method, path, server, headers and body, as Node's documented retry does"},
	{"action", "the client aborts the signal", "on 'data' of response #1, the client aborts the signal",
		"marks test:mark:signal-aborted and aborts the scenario's AbortController (requests sent with \"| signal | yes |\" use it)"},
	{"action", "raw client #<n> connects [and writes \"<bytes>\"]", "when raw client #1 closes, raw client #2 connects and writes \"GET / HTTP/1.1\\r\\n\\r\\n\"",
		"connects a plain TCP client to the server; raw clients are numbered in the order the scenario describes them"},
	{"action", "raw client #<n> writes \"<bytes>\" | raw client #<n> ends", "after 5 ms raw client #1 writes \"Host: a\\r\\n\\r\\n\"",
		"socket.write(bytes), socket.end()"},
	{"action", "the server waits <n> ms | waits for the next turn | waits for '<event>' of <actor> | waits until <actor> <verb>", "for each request, the server waits until request #1 times out",
		"a handler step only: the steps after it run that much virtual time later, in a setImmediate, or at the event's next emission"},
	{"action", "the server reads the request body", "for each request, the server reads the request body",
		"a handler step only: req.on('data') and req.on('end'); the steps after it run once the request has ended"},
	{"action", "the network cuts the client off from the server for <n> ms", "when request #1 gets its socket, the network cuts the client off from the server for 100 ms",
		"a partition from now on: packets both ways are lost"},
	{"action", "the network sets <setting> to <n>", "the network sets latency to 20",
		"before the run, sets the link between the client and the server or name lookups: latency, jitter (ms), bandwidth (bytes per second), mss (bytes), dnsLatency (ms)"},
	{"action", "the network adds the rule {<key>: <value>, ...} | the network adds the rule with:", "when request #1 gets its socket, the network adds the rule {what: \"reset\", dir: \"server->client\", \"after bytes\": 100}",
		"a fault rule with the keys of the proxy's JSON rules (what, client, server, port, dir, conn, request, name, after bytes, pattern, after, at, idle, probability, delay, size, duration; times in ms), or as a two-column table; without a trigger it holds from the start"},
	{"action", "the agent is created with {<option>: <value>, ...}", "the agent is created with {keepAlive: true, maxSockets: 1}",
		"new http.Agent(options), before the run: requests go through it (keepAlive, keepAliveMsecs, maxSockets, maxTotalSockets, maxFreeSockets, scheduling, timeout); without it, the global agent"},
	{"action", "after <n> ms, the network stops the run", "after 500 ms, the network stops the run",
		"the simulation is cut at that virtual time, at that instant even when the next timer comes later, instead of running until nothing is left to do"},
	{"action", "the client stops the trace", "50 ms after request #1 gets its response, the client stops the trace",
		"marks test:mark:stop, records nothing more, destroys every request and closes the servers, as the reference scripts end a case"},
	{"value", "<value>", "request #1 calls destroy({code: \"EBOOM\", message: \"boom\"})",
		"JavaScript literals: 5, -1.5, \"text\" or 'text' (\\r \\n \\t escapes), true, false, null, [a, b], {name: value}, new Error(\"message\")"},
}

// nearestForms returns the n examples, of the phrasebook and of the
// grammar, closest to text.
func nearestForms(text string, n int) []string {
	type scored struct {
		example string
		d       int
	}
	var all []scored
	add := func(example string) {
		first, _, _ := strings.Cut(example, "\n")
		all = append(all, scored{example, editDistance(strings.ToLower(text), strings.ToLower(first))})
	}
	for _, d := range vocabulary {
		add(d.example)
	}
	for _, f := range grammarForms {
		add(f.example)
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].d < all[j].d })
	out := make([]string, 0, n)
	for _, s := range all[:min(n, len(all))] {
		out = append(out, s.example)
	}
	return out
}

// writeGrammar writes the grammar's forms and, per actor, its methods,
// properties and events, for `simhttp steps`.
func writeGrammar(b *strings.Builder) {
	part := ""
	for _, f := range grammarForms {
		if f.part != part {
			part = f.part
			fmt.Fprintf(b, "\n### %ss\n\n", part)
		}
		fmt.Fprintf(b, "  %s\n      %s\n      e.g. %s\n", f.form, f.doc, f.example)
	}
	b.WriteString("\n### what each actor can do\n")
	for _, k := range []actorKind{actorServer, actorAgent, actorRequest, actorResponse, actorServerRequest, actorServerResponse, actorSocket} {
		fmt.Fprintf(b, "\n  %s\n", actorDocName[k])
		var sigs []string
		for _, n := range names(methodsOf[k]) {
			sigs = append(sigs, methodsOf[k][n].signature())
		}
		if len(sigs) > 0 {
			fmt.Fprintf(b, "      calls: %s\n", strings.Join(sigs, ", "))
		}
		if s := settable(k, true); len(s) > 0 {
			fmt.Fprintf(b, "      sets:  %s\n", strings.Join(s, ", "))
		}
		if s := settable(k, false); len(s) > 0 {
			fmt.Fprintf(b, "      reads: %s\n", strings.Join(s, ", "))
		}
		fmt.Fprintf(b, "      events: %s\n", strings.Join(emittedBy[k], ", "))
	}
}

var actorDocName = map[actorKind]string{
	actorServer: "the server", actorAgent: "the agent", actorRequest: "request #<n>",
	actorResponse: "response #<n>", actorServerRequest: "server request #<n>",
	actorServerResponse: "server response #<n>", actorSocket: "raw client #<n>, <actor>'s socket",
}
