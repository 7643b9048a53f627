package features

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cucumber/godog"
	"github.com/google/go-cmp/cmp"

	"github.com/simhttp/simhttp/httpcore"
	"github.com/simhttp/simhttp/simnet"
)

func assertSteps() []*stepDef {
	d := func(pattern, example, doc string, bind func(w *world) any) *stepDef {
		return &stepDef{domain: "Assertions", pattern: pattern, example: example, doc: doc, bind: bind}
	}
	return []*stepDef{
		d(`^the whole run is:$`, "the whole run is:\n        \"\"\"\n        req:socket req:finish req:response res:end req:close\n        \"\"\"",
			"the compact trace of every object (network left out) is exactly this docstring",
			func(w *world) any { return w.theWholeRunIs }),
		d(`^the whole run is the sequence:$`, "the whole run is the sequence:\n        | req:socket | req:finish | req:response |",
			"the same, written as a table read row by row",
			func(w *world) any { return w.theWholeRunIsTheSequence }),
		d(`^the client sees:$`, "the client sees:\n        \"\"\"\n        req:socket req:finish req:response res:data* res:end req:close res:close\n        \"\"\"",
			"the compact trace of req, res and test marks only is exactly this",
			func(w *world) any { return w.theClientSees }),
		d(`^the events of "([a-z]+(?:#[0-9]+)?)" are:$`, "the events of \"req#2\" are:\n        \"\"\"\n        req#2:socket req#2:error(ECONNRESET) req#2:close\n        \"\"\"",
			"the compact trace of one object is exactly this",
			func(w *world) any { return w.theEventsOfAre }),
		d(`^the run with the network is:$`, "the run with the network is:\n        \"\"\"\n        net:syn net:synack ...\n        \"\"\"",
			"the compact trace, network events included, is exactly this",
			func(w *world) any { return w.theRunWithTheNetworkIs }),
		d(`^the run includes "([^"]+)"$`, `the run includes "res:aborted"`,
			"the compact trace contains this run of tokens",
			func(w *world) any { return w.theRunIncludes }),
		d(`^the run does not include "([^"]+)"$`, `the run does not include "req:error"`,
			"no event of the trace starts with this token",
			func(w *world) any { return w.theRunDoesNotInclude }),
		d(`^(?:the request|request #(\d+)) fails with ([A-Z][A-Z0-9_]*)$`, "request #2 fails with ECONNRESET",
			"the request emitted 'error' with this code",
			func(w *world) any { return w.theRequestFailsWith }),
		d(`^(?:the request|request #(\d+)) fails with ([A-Z][A-Z0-9_]*) "([^"]*)"$`, `the request fails with ECONNRESET "socket hang up"`,
			"the request emitted 'error' with this code and message",
			func(w *world) any { return w.theRequestFailsWithMessage }),
		d(`^(?:the response|response #(\d+)) fails with ([A-Z][A-Z0-9_]*) "([^"]*)"$`, `the response fails with ECONNRESET "aborted"`,
			"the response emitted 'error' with this code and message",
			func(w *world) any { return w.theResponseFailsWith }),
		d(`^sending the request throws ([A-Z][A-Z0-9_]*)$`, "sending the request throws ERR_OUT_OF_RANGE",
			"making, writing or ending the last request returned an error with this code",
			func(w *world) any { return w.sendingTheRequestThrows }),
		d(`^the server threw ([A-Z][A-Z0-9_]*)$`, "the server threw ERR_HTTP_CONTENT_LENGTH_MISMATCH",
			"a call of the server's handler returned an error with this code",
			func(w *world) any { return w.theServerThrew }),
		d(`^the scenario fails with ([A-Z][A-Z0-9_]*)$`, "the scenario fails with ERR_OUT_OF_RANGE",
			"building or running the world failed with this code",
			func(w *world) any { return w.theScenarioFailsWith }),
		d(`^(?:the response|response #(\d+)) has status (\d+)$`, "the response has status 200",
			"res.statusCode",
			func(w *world) any { return w.theResponseHasStatus }),
		d(`^(?:the response|response #(\d+)) has the header "([^"]*)" with "([^"]*)"$`, `the response has the header "content-length" with "11"`,
			"res.headers[name] as Node joins duplicates",
			func(w *world) any { return w.theResponseHasTheHeader }),
		d(`^(?:the response|response #(\d+)) has no header "([^"]*)"$`, `the response has no header "transfer-encoding"`,
			"res.headers has no such name",
			func(w *world) any { return w.theResponseHasNoHeader }),
		d(`^(?:the response|response #(\d+)) has the raw headers:$`, "the response has the raw headers:\n        | Content-Length | 5 |",
			"res.rawHeaders, in order (Date left out)",
			func(w *world) any { return w.theResponseHasTheRawHeaders }),
		d(`^(?:the response|response #(\d+)) has the body "([^"]*)"$`, `the response has the body "hello"`,
			"the bytes of every 'data' of the response",
			func(w *world) any { return w.theResponseHasTheBody }),
		d(`^(?:the response|response #(\d+)) has the trailer "([^"]*)" with "([^"]*)"$`, `the response has the trailer "x-checksum" with "abc"`,
			"res.trailers[name]",
			func(w *world) any { return w.theResponseHasTheTrailer }),
		d(`^(?:the request|request #(\d+)) (was|was not) sent on a reused socket$`, "request #2 was sent on a reused socket",
			"req.reusedSocket",
			func(w *world) any { return w.theRequestWasReused }),
		d(`^the agent ends with (\d+) sockets? in use, (\d+) free and (\d+) queued requests?$`, "the agent ends with 0 sockets in use, 1 free and 0 queued requests",
			"the agent's sockets, freeSockets and requests, counted over every origin, when the run ends",
			func(w *world) any { return w.theAgentEndsWith }),
		d(`^"([^"]+)" happens between (\d+) and (\d+) ms$`, `"req:timeout" happens between 100 and 105 ms`,
			"the first event with this compact token (one without its code matches any code) happens in that span of virtual time",
			func(w *world) any { return w.happensBetween }),
		d(`^the run ends within (\d+) ms$`, "the run ends within 200 ms",
			"the last event happens no later than this",
			func(w *world) any { return w.theRunEndsWithin }),
		d(`^the server receives (\d+) requests?$`, "the server receives 2 requests",
			"how many requests reached the default server's handler",
			func(w *world) any { return w.theServerReceivesRequests }),
		d(`^the server receives the header "([^"]*)" with "([^"]*)"$`, `the server receives the header "x-tag" with "one, two"`,
			"req.headers[name] of the first request on the server",
			func(w *world) any { return w.theServerReceivesTheHeader }),
		d(`^the server receives the raw headers:$`, "the server receives the raw headers:\n        | Host | 10.0.0.2 |",
			"req.rawHeaders of the first request on the server, in order",
			func(w *world) any { return w.theServerReceivesTheRawHeaders }),
		d(`^the server receives the body "([^"]*)"$`, `the server receives the body "hello"`,
			"the body of the first request on the server",
			func(w *world) any { return w.theServerReceivesTheBody }),
		d(`^the raw client receives "([^"]*)"$`, `the raw client receives "HTTP/1.1 400 Bad Request\r\n"`,
			"the text the raw client received contains this (Date headers removed)",
			func(w *world) any { return w.theRawClientReceives }),
		d(`^the raw client does not receive "([^"]*)"$`, `the raw client does not receive "hello"`,
			"the text the raw client received does not contain this",
			func(w *world) any { return w.theRawClientDoesNotReceive }),
		d(`^validating the header name "([^"]*)" (succeeds|fails with [A-Z][A-Z0-9_]*)$`, `validating the header name "bad name" fails with ERR_INVALID_HTTP_TOKEN`,
			"http.validateHeaderName(name)",
			func(w *world) any { return w.validatingTheHeaderName }),
		d(`^validating the value "([^"]*)" of the header "([^"]*)" (succeeds|fails with [A-Z][A-Z0-9_]*)$`, `validating the value "a\nb" of the header "x-a" fails with ERR_INVALID_CHAR`,
			"http.validateHeaderValue(name, value)",
			func(w *world) any { return w.validatingTheHeaderValue }),
		d(`^every request emits 'close' once, as its last event, and ends in exactly one of 'end' or 'error' on its response, or in an 'error' of its own when no response came$`, "every request emits 'close' once, as its last event, and ends in exactly one of 'end' or 'error' on its response, or in an 'error' of its own when no response came",
			"invariant, as Node guarantees it: each req closes once, last of its events, with at most one 'error'; its response (res#k is the k-th response) ends in exactly one of 'end' or 'error'; a req without a response fails",
			func(w *world) any { return w.everyRequestEndsOnce }),
		d(`^no response body byte is delivered twice$`, "no response body byte is delivered twice",
			"invariant: every response's body is a prefix of what its server sent",
			func(w *world) any { return w.noBodyByteTwice }),
	}
}

// sequenceError shows an expected and an actual compact trace and their
// go-cmp diff, and leads to the first event that differs.
type sequenceError struct {
	what      string
	want, got []string
	// at is the index in the world's events of the first event that
	// differs, or the number of events when the run ended before an
	// expected one; expected is the token expected there, if any.
	at       int
	expected string
}

func (e *sequenceError) Error() string {
	return fmt.Sprintf("%s differs (-want +got):\n%s\n  want: %s\n  got:  %s",
		e.what, cmp.Diff(e.want, e.got), strings.Join(e.want, " "), strings.Join(e.got, " "))
}

// compare checks an actual compact trace against the expected text.
func (w *world) compare(what, want string, keep func(simnet.Event) bool, withNet bool) error {
	if err := w.settle(); err != nil {
		return err
	}
	events, orig := w.events, []int(nil)
	if keep != nil {
		events, orig = filterEvents(events, keep)
	}
	wantTokens, err := simnet.ParseCompact(want)
	if err != nil {
		return fmt.Errorf("the expected sequence: %w", err)
	}
	got := strings.Fields(simnet.Compact(events, withNet))
	if slices.Equal(wantTokens, got) {
		return nil
	}
	e := &sequenceError{what: what, want: wantTokens, got: got, at: len(w.events)}
	i := 0
	for i < len(got) && i < len(wantTokens) && got[i] == wantTokens[i] {
		i++
	}
	if i < len(wantTokens) {
		e.expected = wantTokens[i]
	}
	if i < len(got) {
		e.at = simnet.CompactStarts(events, withNet)[i]
		if orig != nil {
			e.at = orig[e.at]
		}
	}
	return e
}

func (w *world) theWholeRunIs(doc *godog.DocString) error {
	return w.compare("the whole run", doc.Content, nil, false)
}

func (w *world) theWholeRunIsTheSequence(table *godog.Table) error {
	var cells []string
	for _, row := range table.Rows {
		for _, c := range row.Cells {
			cells = append(cells, c.Value)
		}
	}
	return w.compare("the whole run", strings.Join(cells, " "), nil, false)
}

func (w *world) theClientSees(doc *godog.DocString) error {
	return w.compare("what the client sees", doc.Content, func(ev simnet.Event) bool {
		return ev.Obj == "req" || ev.Obj == "res" || ev.Obj == "test"
	}, false)
}

func (w *world) theEventsOfAre(ref string, doc *godog.DocString) error {
	obj, idText, _ := strings.Cut(ref, "#")
	id := 1
	if idText != "" {
		id, _ = strconv.Atoi(idText)
	}
	return w.compare("the events of "+ref, doc.Content, func(ev simnet.Event) bool {
		return ev.Obj == obj && ev.ID == id
	}, false)
}

func (w *world) theRunWithTheNetworkIs(doc *godog.DocString) error {
	return w.compare("the run with the network", doc.Content, nil, true)
}

// filterEvents returns the events keep keeps and, for each, its index in evs.
func filterEvents(evs []simnet.Event, keep func(simnet.Event) bool) ([]simnet.Event, []int) {
	var out []simnet.Event
	var orig []int
	for i, ev := range evs {
		if keep(ev) {
			out = append(out, ev)
			orig = append(orig, i)
		}
	}
	return out, orig
}

func (w *world) tokens() ([]string, error) {
	if err := w.settle(); err != nil {
		return nil, err
	}
	return strings.Fields(simnet.Compact(w.events, false)), nil
}

func (w *world) theRunIncludes(run string) error {
	got, err := w.tokens()
	if err != nil {
		return err
	}
	want := strings.Fields(run)
	for i := 0; i+len(want) <= len(got); i++ {
		if slices.Equal(got[i:i+len(want)], want) {
			return nil
		}
	}
	return fmt.Errorf("the run does not include %q\n  run: %s", run, strings.Join(got, " "))
}

func (w *world) theRunDoesNotInclude(tok string) error {
	got, err := w.tokens()
	if err != nil {
		return err
	}
	for _, t := range got {
		if strings.HasPrefix(t, tok) {
			return fmt.Errorf("the run includes %q\n  run: %s", t, strings.Join(got, " "))
		}
	}
	return nil
}

// settledRequest settles the world and returns request n ("" is 1).
func (w *world) settledRequest(n string) (*reqState, error) {
	if err := w.settle(); err != nil {
		return nil, err
	}
	i, err := nth(n)
	if err != nil {
		return nil, err
	}
	return w.request(i)
}

// checkError compares an error with the expected code and, when given, message.
func (w *world) checkError(what string, err error, code, message string, withMessage bool) error {
	if err == nil {
		return fmt.Errorf("%s did not fail (expected %s)", what, code)
	}
	if got := simnet.CodeOf(err); got != code {
		return fmt.Errorf("%s failed with %s %q, expected %s", what, got, err.Error(), code)
	}
	if withMessage && err.Error() != message {
		return fmt.Errorf("%s failed with the message %q, expected %q", what, err.Error(), message)
	}
	return nil
}

func (w *world) theRequestFailsWith(n, code string) error {
	r, err := w.settledRequest(n)
	if err != nil {
		return err
	}
	return w.checkError(fmt.Sprintf("request #%d", r.n), r.err, code, "", false)
}

func (w *world) theRequestFailsWithMessage(n, code, message string) error {
	r, err := w.settledRequest(n)
	if err != nil {
		return err
	}
	return w.checkError(fmt.Sprintf("request #%d", r.n), r.err, code, message, true)
}

func (w *world) theResponseFailsWith(n, code, message string) error {
	r, err := w.settledRequest(n)
	if err != nil {
		return err
	}
	return w.checkError(fmt.Sprintf("response #%d", r.n), r.resErr, code, message, true)
}

func (w *world) sendingTheRequestThrows(code string) error {
	if err := w.settle(); err != nil {
		return err
	}
	if len(w.client.requests) == 0 {
		return errors.New("no request was made")
	}
	r := w.client.requests[len(w.client.requests)-1]
	return w.checkError(fmt.Sprintf("sending request #%d", r.n), r.thrown, code, "", false)
}

func (w *world) theServerThrew(code string) error {
	if err := w.settle(); err != nil {
		return err
	}
	s, err := w.server()
	if err != nil {
		return err
	}
	for _, e := range s.thrown {
		if simnet.CodeOf(e) == code {
			return nil
		}
	}
	return fmt.Errorf("the server's handler never got %s (it got %v)", code, s.thrown)
}

func (w *world) theScenarioFailsWith(code string) error {
	err := w.settle()
	return w.checkError("the scenario", err, code, "", false)
}

// response returns the response of request n, settled.
func (w *world) response(n string) (*reqState, *httpcore.IncomingMessage, error) {
	r, err := w.settledRequest(n)
	if err != nil {
		return nil, nil, err
	}
	if r.req == nil || r.req.Res() == nil {
		return nil, nil, fmt.Errorf("request #%d got no response", r.n)
	}
	return r, r.req.Res(), nil
}

func (w *world) theResponseHasStatus(n string, status int) error {
	r, res, err := w.response(n)
	if err != nil {
		return err
	}
	if res.StatusCode != status {
		return fmt.Errorf("response #%d has status %d, expected %d", r.n, res.StatusCode, status)
	}
	return nil
}

func (w *world) theResponseHasTheHeader(n, name, value string) error {
	r, res, err := w.response(n)
	if err != nil {
		return err
	}
	if got, _ := res.Headers().Get(name); got != value {
		return fmt.Errorf("response #%d has the header %q with %q, expected %q (raw headers %q)", r.n, name, got, value, res.RawHeaders)
	}
	return nil
}

func (w *world) theResponseHasNoHeader(n, name string) error {
	r, res, err := w.response(n)
	if err != nil {
		return err
	}
	if got, ok := res.Headers().Get(name); ok {
		return fmt.Errorf("response #%d has the header %q with %q, expected none", r.n, name, got)
	}
	return nil
}

func (w *world) theResponseHasTheRawHeaders(n string, table *godog.Table) error {
	r, res, err := w.response(n)
	if err != nil {
		return err
	}
	return compareRaw(fmt.Sprintf("response #%d", r.n), res.RawHeaders, table)
}

// compareRaw checks raw headers (Date left out) against a name | value table.
func compareRaw(what string, raw []string, table *godog.Table) error {
	rows, err := pairs(table)
	if err != nil {
		return err
	}
	var want, got []string
	for _, r := range rows {
		want = append(want, r[0], r[1])
	}
	for i := 0; i+1 < len(raw); i += 2 {
		if !strings.EqualFold(raw[i], "date") {
			got = append(got, raw[i], raw[i+1])
		}
	}
	if !slices.Equal(want, got) {
		return fmt.Errorf("%s raw headers differ (-want +got):\n%s", what, cmp.Diff(want, got))
	}
	return nil
}

func (w *world) theResponseHasTheBody(n, body string) error {
	r, _, err := w.response(n)
	if err != nil {
		return err
	}
	if want := simnet.Unescape(body); string(r.body) != want {
		return fmt.Errorf("response #%d has the body %q, expected %q", r.n, r.body, want)
	}
	return nil
}

func (w *world) theResponseHasTheTrailer(n, name, value string) error {
	r, res, err := w.response(n)
	if err != nil {
		return err
	}
	if got, _ := res.Trailers().Get(name); got != value {
		return fmt.Errorf("response #%d has the trailer %q with %q, expected %q (raw trailers %q)", r.n, name, got, value, res.RawTrailers)
	}
	return nil
}

func (w *world) theRequestWasReused(n, was string) error {
	r, err := w.settledRequest(n)
	if err != nil {
		return err
	}
	want := was == "was"
	if r.req == nil || r.req.ReusedSocket() != want {
		return fmt.Errorf("request #%d: reusedSocket is %v, expected %v", r.n, r.req != nil && r.req.ReusedSocket(), want)
	}
	return nil
}

func (w *world) theAgentEndsWith(inUse, free, queued int) error {
	if err := w.settle(); err != nil {
		return err
	}
	a := w.client.agent
	count := func(m map[string][]*simnet.Socket) int {
		n := 0
		for _, l := range m {
			n += len(l)
		}
		return n
	}
	q := 0
	for _, l := range a.Requests() {
		q += len(l)
	}
	got := [3]int{count(a.Sockets()), count(a.FreeSockets()), q}
	if got != [3]int{inUse, free, queued} {
		return fmt.Errorf("the agent ends with %d sockets in use, %d free and %d queued requests; expected %d, %d and %d",
			got[0], got[1], got[2], inUse, free, queued)
	}
	return nil
}

// eventAt finds the first event whose compact token is tok.
func (w *world) eventAt(tok string) (simnet.Event, error) {
	if err := w.settle(); err != nil {
		return simnet.Event{}, err
	}
	for _, ev := range w.events {
		if ev.Obj == "net" {
			continue
		}
		// A token without its code names the event whatever its code.
		if t := strings.TrimSuffix(simnet.Compact([]simnet.Event{ev}, false), "*"); t == tok || strings.HasPrefix(t, tok+"(") {
			return ev, nil
		}
	}
	return simnet.Event{}, fmt.Errorf("no %q in the run: %s", tok, simnet.Compact(w.events, false))
}

func (w *world) happensBetween(tok string, from, to int) error {
	ev, err := w.eventAt(tok)
	if err != nil {
		return err
	}
	lo, hi := time.Duration(from)*time.Millisecond, time.Duration(to)*time.Millisecond
	if ev.T < lo || ev.T > hi {
		return fmt.Errorf("%q happens at %v, expected between %v and %v", tok, ev.T, lo, hi)
	}
	return nil
}

func (w *world) theRunEndsWithin(ms int) error {
	if err := w.settle(); err != nil {
		return err
	}
	if len(w.events) == 0 {
		return nil
	}
	last := w.events[len(w.events)-1].T
	if limit := time.Duration(ms) * time.Millisecond; last > limit {
		return fmt.Errorf("the run ends at %v, expected within %v", last, limit)
	}
	return nil
}

func (w *world) settledServer() (*serverState, error) {
	if err := w.settle(); err != nil {
		return nil, err
	}
	return w.server()
}

func (w *world) theServerReceivesRequests(n int) error {
	s, err := w.settledServer()
	if err != nil {
		return err
	}
	if len(s.received) != n {
		return fmt.Errorf("the server received %d requests, expected %d", len(s.received), n)
	}
	return nil
}

func (w *world) firstReceived() (*serverState, *httpcore.IncomingMessage, error) {
	s, err := w.settledServer()
	if err != nil {
		return nil, nil, err
	}
	if len(s.received) == 0 {
		return nil, nil, errors.New("the server received no request")
	}
	return s, s.received[0], nil
}

func (w *world) theServerReceivesTheHeader(name, value string) error {
	_, req, err := w.firstReceived()
	if err != nil {
		return err
	}
	if got, _ := req.Headers().Get(name); got != value {
		return fmt.Errorf("the server received the header %q with %q, expected %q (raw headers %q)", name, got, value, req.RawHeaders)
	}
	return nil
}

func (w *world) theServerReceivesTheRawHeaders(table *godog.Table) error {
	_, req, err := w.firstReceived()
	if err != nil {
		return err
	}
	return compareRaw("the server request's", req.RawHeaders, table)
}

func (w *world) theServerReceivesTheBody(body string) error {
	s, _, err := w.firstReceived()
	if err != nil {
		return err
	}
	if want := simnet.Unescape(body); string(s.bodies[0]) != want {
		return fmt.Errorf("the server read the body %q, expected %q (a handler reads it only after the step 'the server reads the request body')", s.bodies[0], want)
	}
	return nil
}

func (w *world) rawText() (string, error) {
	if err := w.settle(); err != nil {
		return "", err
	}
	if len(w.client.raws) == 0 {
		return "", errors.New("the scenario has no raw client")
	}
	return dateHeader.ReplaceAllString(string(w.client.raws[0].got), ""), nil
}

// dateHeader removes Date headers, whose value depends on the clock.
var dateHeader = regexp.MustCompile(`(?i)\r\nDate: [^\r]*`)

func (w *world) theRawClientReceives(text string) error {
	got, err := w.rawText()
	if err != nil {
		return err
	}
	if !strings.Contains(got, simnet.Unescape(text)) {
		return fmt.Errorf("the raw client received %q, which does not contain %q", got, simnet.Unescape(text))
	}
	return nil
}

func (w *world) theRawClientDoesNotReceive(text string) error {
	got, err := w.rawText()
	if err != nil {
		return err
	}
	if strings.Contains(got, simnet.Unescape(text)) {
		return fmt.Errorf("the raw client received %q, which contains %q", got, simnet.Unescape(text))
	}
	return nil
}

func (w *world) validatingTheHeaderName(name, outcome string) error {
	return validationOutcome(fmt.Sprintf("validateHeaderName(%q)", name), httpcore.ValidateHeaderName(simnet.Unescape(name)), outcome)
}

func (w *world) validatingTheHeaderValue(value, name, outcome string) error {
	return validationOutcome(fmt.Sprintf("validateHeaderValue(%q, %q)", name, value), httpcore.ValidateHeaderValue(name, simnet.Unescape(value)), outcome)
}

func validationOutcome(call string, err error, outcome string) error {
	want, failing := strings.CutPrefix(outcome, "fails with ")
	switch {
	case !failing && err != nil:
		return fmt.Errorf("%s failed with %s %q, expected it to succeed", call, simnet.CodeOf(err), err.Error())
	case failing && err == nil:
		return fmt.Errorf("%s succeeded, expected %s", call, want)
	case failing && simnet.CodeOf(err) != want:
		return fmt.Errorf("%s failed with %s %q, expected %s", call, simnet.CodeOf(err), err.Error(), want)
	}
	return nil
}

// everyRequestEndsOnce checks, for each request made, what Node
// guarantees however the connection fails (see endProblems).
func (w *world) everyRequestEndsOnce() error {
	if err := w.settle(); err != nil {
		return err
	}
	var made []int
	for _, r := range w.client.requests {
		if r.req != nil {
			made = append(made, r.n)
		}
	}
	if problems := endProblems(w.events, made); len(problems) > 0 {
		return fmt.Errorf("%s\n  run: %s", strings.Join(problems, "; "), simnet.Compact(w.events, false))
	}
	return nil
}

// endProblems lists how requests (by trace id) broke what Node guarantees
// however the connection fails (fixtures/node/sweep): each request emits
// 'close' once, as its last event, and at most one 'error'; its response,
// if it got one, ends in exactly one of 'end' or 'error'; without a
// response the request itself fails. A request may fail as well as its
// response when the socket errors mid-body, and the response's 'error'
// may follow the request's 'close', so neither is counted against it.
func endProblems(events []simnet.Event, reqs []int) []string {
	type outcome struct{ errs, closes, after, resID, resEnds, resErrs int }
	// Outcomes live in one array, found by index: a map of pointers to
	// them made each outcome an allocation of its own.
	outcomes := make([]outcome, 0, 8)
	byReq := map[int]int{}
	byRes := map[int]int{}
	of := func(id int) *outcome {
		i, ok := byReq[id]
		if !ok {
			i = len(outcomes)
			outcomes = append(outcomes, outcome{})
			byReq[id] = i
		}
		return &outcomes[i]
	}
	responses := 0
	for _, ev := range events {
		switch ev.Obj {
		case "req":
			o := of(ev.ID)
			if o.closes > 0 {
				o.after++
			}
			switch ev.Name {
			case "error":
				o.errs++
			case "close":
				o.closes++
			case "response", "upgrade", "connect":
				// The tracer numbers a response when its request emits it,
				// so res#k belongs to the k-th request that got one.
				responses++
				o.resID = responses
				byRes[responses] = byReq[ev.ID]
			}
		case "res":
			if i, ok := byRes[ev.ID]; ok {
				o := &outcomes[i]
				switch ev.Name {
				case "end":
					o.resEnds++
				case "error":
					o.resErrs++
				}
			}
		}
	}
	var problems []string
	for _, n := range reqs {
		o := of(n)
		switch {
		case o.closes != 1:
			problems = append(problems, fmt.Sprintf("request #%d emitted 'close' %d times", n, o.closes))
		case o.after > 0:
			problems = append(problems, fmt.Sprintf("request #%d emitted %d events after 'close'", n, o.after))
		case o.errs > 1:
			problems = append(problems, fmt.Sprintf("request #%d emitted 'error' %d times", n, o.errs))
		case o.resID == 0 && o.errs != 1:
			problems = append(problems, fmt.Sprintf("request #%d got no response and emitted no 'error'", n))
		case o.resID != 0 && o.resEnds+o.resErrs != 1:
			problems = append(problems, fmt.Sprintf("request #%d's response (res#%d) ended with %d 'end' and %d 'error'", n, o.resID, o.resEnds, o.resErrs))
		}
	}
	return problems
}

// noBodyByteTwice checks that each response body is a prefix of what some
// server sent for the same path: a byte delivered twice would break it.
func (w *world) noBodyByteTwice() error {
	if err := w.settle(); err != nil {
		return err
	}
	for _, r := range w.client.requests {
		if len(r.body) == 0 {
			continue
		}
		ok := false
		for _, s := range w.servers {
			for _, sent := range s.sentBodies() {
				if strings.HasPrefix(sent, string(r.body)) {
					ok = true
				}
			}
		}
		if !ok {
			return fmt.Errorf("response #%d delivered %q, which no server sent", r.n, r.body)
		}
	}
	return nil
}

// pairs reads a two-column table.
func pairs(table *godog.Table) ([][2]string, error) {
	out := make([][2]string, 0, len(table.Rows))
	for i, row := range table.Rows {
		if len(row.Cells) != 2 {
			return nil, fmt.Errorf("table row %d has %d cells; want 2 (name | value)", i+1, len(row.Cells))
		}
		out = append(out, [2]string{row.Cells[0].Value, row.Cells[1].Value})
	}
	return out, nil
}

// millis reads a duration in milliseconds; negative values are refused
// with Node's ERR_OUT_OF_RANGE.
func millis(name, v string) (time.Duration, error) {
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("%s: %q is not a number of milliseconds", name, v)
	}
	if n < 0 {
		return 0, outOfRange(name, n)
	}
	return time.Duration(n) * time.Millisecond, nil
}

func yesNo(name, v string) (bool, error) {
	switch v {
	case "yes", "true":
		return true, nil
	case "no", "false":
		return false, nil
	}
	return false, fmt.Errorf("%s: %q is not yes/true or no/false", name, v)
}

func count(name, v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%s: %q is not a count (0 or more)", name, v)
	}
	return n, nil
}
