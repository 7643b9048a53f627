package features

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/simhttp/simhttp/httpcore"
	"github.com/simhttp/simhttp/simnet"
)

func TestEveryGrammarExampleParsesAndMatchesOnlyTheGrammar(t *testing.T) {
	for _, f := range grammarForms {
		text, _, _ := strings.Cut(f.example, "\n")
		m := matchStep(text)
		if len(m) != 1 {
			t.Errorf("example %q of %q matches %d steps", text, f.form, len(m))
			continue
		}
		if m[0].domain != grammarDomain {
			// The phrasebook's own sentence for the form ("the client sends GET /").
			continue
		}
		if _, err := parseSentence(text); err != nil {
			t.Errorf("example %q of %q: %v", text, f.form, err)
		}
	}
}

func TestGrammarSentencesParseIntoTriggerActorAndAction(t *testing.T) {
	cases := []struct {
		text    string
		trigger triggerKind
		event   string
		delayMS int
		actor   string
		action  actionKind
	}{
		{"after 50 ms the client sends GET /2", triggerAfter, "", 50, "the client", actionSends},
		{"on 'data' of response #1, request #1 calls destroy(new Error(\"boom\"))", triggerEvent, "data", 0, "request #1", actionCalls},
		{"when request #1 closes, raw client #2 connects and writes \"x\"", triggerEvent, "close", 0, "raw client #2", actionConnects},
		{"20 ms after request #1 arrives, the server calls close()", triggerBirth, "", 20, "the server", actionCalls},
		{"5 ms after 'socket' of request #2, request #2's socket calls destroy()", triggerEvent, "socket", 5, "request #2's socket", actionCalls},
		{"when the request is aborted, the client marks \"gone\"", triggerEvent, "abort", 0, "the client", actionMarks},
		{"server response #3 sets statusCode to 404", triggerNone, "", 0, "server response #3", actionSets},
		{"the client aborts the signal", triggerNone, "", 0, "the client", actionAbortsSignal},
		{"raw client #1 ends", triggerNone, "", 0, "raw client #1", actionEnds},
		{"request #1 reads reusedSocket", triggerNone, "", 0, "request #1", actionReads},
		{"the server listens for 'clientError'", triggerNone, "", 0, "the server", actionListens},
		{"response #2 does not listen for 'error'", triggerNone, "", 0, "response #2", actionNoListen},
		{"when the server emits 'timeout', the server calls closeAllConnections()", triggerEvent, "timeout", 0, "the server", actionCalls},
		{"in the next turn, the client marks \"next-turn\"", triggerAfter, "", 0, "the client", actionMarks},
		{"the turn after request #1 gets its socket, the client marks \"next-turn\"", triggerEvent, "socket", 0, "the client", actionMarks},
		{"the turn after 'connection' of the server, the server calls close()", triggerEvent, "connection", 0, "the server", actionCalls},
		{"for each request, the server response calls end(\"hi\")", triggerEachRequest, "request", 0, "server response #1", actionCalls},
		{"for each request to server \"b\", the server request listens for 'error'", triggerEachRequest, "request", 0, "server request #1", actionListens},
		{"for each request, the server waits 10 ms", triggerEachRequest, "request", 0, "the server", actionWaits},
		{"for each request, the server waits until request #1 times out", triggerEachRequest, "request", 0, "the server", actionWaits},
		{"for each request, the server reads the request body", triggerEachRequest, "request", 0, "the server", actionReadsBody},
		{"for each CONNECT to server \"b\", the server request's socket calls end(\"x\")", triggerEachRequest, "connect", 0, "server request #1's socket", actionCalls},
		{"the server handles 'checkContinue'", triggerNone, "", 0, "the server", actionHandles},
		{"server \"b\" is created with {uniqueHeaders: [\"a\"], noDelay: false}", triggerNone, "", 0, "server \"b\"", actionCreated},
	}
	for _, c := range cases {
		if m := matchStep(c.text); len(m) != 1 || m[0].domain != grammarDomain {
			t.Errorf("%q is not matched by the grammar alone (%d steps)", c.text, len(m))
		}
		s, err := parseSentence(c.text)
		if err != nil {
			t.Errorf("%q: %v", c.text, err)
			continue
		}
		if s.trigger.kind != c.trigger || s.trigger.event != c.event || int(s.trigger.delay.Milliseconds()) != c.delayMS || s.actor.String() != c.actor || s.action.kind != c.action {
			t.Errorf("%q parsed as trigger %v %q %v, actor %q, action %v", c.text, s.trigger.kind, s.trigger.event, s.trigger.delay, s.actor, s.action.kind)
		}
	}
}

func TestABadGrammarSentenceNamesWhatIsWrong(t *testing.T) {
	cases := map[string]string{
		`request #1 calls setTimeout("x")`:                                  `argument 1 (msecs) must be a number, got "x"`,
		`request #1 calls setHeader("x-a")`:                                 `setHeader takes 2 argument(s), got 1`,
		`the agent calls write("a")`:                                        `the agent has no method write (it has destroy)`,
		`on 'bogus' of request #1, request #1 calls abort()`:                `request #1 emits no 'bogus'`,
		`server response #1 sets statusCode to "x"`:                         `the value must be a number, got "x"`,
		`server response #1 sets nonsense to 1`:                             `has no property nonsense`,
		`when request #1 explodes, the server calls close()`:                `want what it does`,
		`request #0 calls abort()`:                                          `numbered from 1`,
		`request #1 calls end("a" "b")`:                                     `want , or )`,
		`request #1 calls end() and abort()`:                                `want "then" and another call`,
		`the client calls abort()`:                                          `the client only sends or starts requests`,
		`the agent's socket calls destroy()`:                                `the agent has no socket of its own`,
		`raw client #1 sets timeout to 5`:                                   `raw client #1 has no property timeout`,
		`request #1 calls destroy(boom)`:                                    `boom is not a value`,
		`after 5 ms the server gallops`:                                     `want an action`,
		`after 5 ms the server waits 10 ms`:                                 `begin the sentence with "for each request,"`,
		`for each request, server response #2 calls end()`:                  `write "the server response", not "server response #2"`,
		`for each request, the server waits until server request #2 closes`: `not "server request #2"`,
		`for each request, the client sends GET /`:                          `the client cannot act`,
		`for each request, the server response reads the request body`:      `the server does`,
		`for each request, the server waits for 'bogus' of request #1`:      `request #1 emits no 'bogus'`,
		`for each request, the server waits until request #1 closes soon`:   `"soon" is left over`,
		`for each request, the server request does not listen for 'error'`:  `the handler calls, sets, reads, listens, marks, waits`,
		`the server is created with {headersTimeout: "1"}`:                  `headersTimeout must be a whole number, got "1"`,
		`the server is created with {headersTimeout: -1}`:                   `"headersTimeout" is out of range`,
		`the server is created with {bogus: 1}`:                             `unknown server option "bogus"`,
		`the server is created with {keepAlive: 1}`:                         `keepAlive must be true or false`,
		`the server is created with {uniqueHeaders: [1]}`:                   `uniqueHeaders must be an array of strings`,
		`after 5 ms the server is created with {keepAlive: true}`:           `drop the trigger`,
		`for each upgrade, the server response calls end()`:                 `no response and no body to read`,
		`for each CONNECT, the server reads the request body`:               `no response and no body to read`,
		`after 5 ms the server handles 'checkContinue'`:                     `only the server handles 'checkContinue', from its creation`,
		`request #1 is created with {keepAlive: true}`:                      `only a server (http.createServer(options)) and the agent`,
	}
	for text, want := range cases {
		_, err := parseSentence(text)
		if err == nil {
			t.Errorf("%q parsed", text)
			continue
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %q does not say %q", text, err, want)
		}
	}
}

func TestABadGrammarSentenceIsReportedBeforeTheRunWithTheClosestForms(t *testing.T) {
	err := stepProblem(`after 10 ms request #1 calls setTimout(5)`)
	var se *StepError
	if !errors.As(err, &se) {
		t.Fatalf("got %v, want a *StepError", err)
	}
	if !strings.Contains(err.Error(), "request #1 has no method setTimout") || len(se.Suggestions) == 0 {
		t.Errorf("got %q, want the missing method named and the closest forms", err)
	}
}

func TestValuesReadAsJavaScriptLiterals(t *testing.T) {
	v, err := parseValue(`{"x-a": ["1", 2], b: 'q\r\n', c: true, d: null, e: -1.5}`)
	if err != nil {
		t.Fatal(err)
	}
	got, err := jsonPlain(v.plain())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"x-a": []any{"1", 2.0}, "b": "q\r\n", "c": true, "d": nil, "e": -1.5}
	if g, w := mustJSON(t, got), mustJSON(t, want); g != w {
		t.Errorf("got %s, want %s", g, w)
	}
	for _, bad := range []string{`"open`, `[1,`, `{a 1}`, `new Error(1)`, `1 2`} {
		if _, err := parseValue(bad); err == nil {
			t.Errorf("%s parsed", bad)
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	p, err := jsonPlain(v)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

func TestTheGrammarReferenceShowsEveryFormWithItsExample(t *testing.T) {
	raw, err := os.ReadFile("../docs/grammar.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := strings.ReplaceAll(string(raw), `\|`, `|`)
	for _, f := range grammarForms {
		if f.part == "value" {
			continue
		}
		if !strings.Contains(doc, f.example) {
			t.Errorf("docs/grammar.md lacks the example of %q: %s", f.form, f.example)
		}
	}
	for k, ms := range methodsOf {
		for name := range ms {
			if !strings.Contains(doc, "`"+name+"(") {
				t.Errorf("docs/grammar.md does not list %s's method %s", actorDocName[k], name)
			}
		}
	}
}

func TestASentenceWaitingForAnObjectThatNeverComesFailsItsScenario(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "never.feature")
	feature := `Feature: never
  Scenario: request #3 is never made
    Given a server that responds with status 200 and body "hi"
    When the client sends GET /
    And request #3 calls abort()
    Then the run includes "req:close"

  Scenario: a raw server cannot close its connections
    Given a raw server that answers the first request bytes with "HTTP/1.1 200 OK\r\n\r\n"
    When the client sends GET /
    And after 1 ms the server calls closeAllConnections()
    Then the run includes "req:socket"
`
	if err := os.WriteFile(path, []byte(feature), 0o644); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	ok, _ := Run(RunOptions{Paths: []string{path}, Format: "progress", Output: &out})
	if ok {
		t.Fatal("the scenarios passed")
	}
	for _, want := range []string{`request #3 never existed, so "request #3 calls abort()" never ran`, `a raw server can only close()`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the report does not say %q:\n%s", want, out.String())
		}
	}
}

func TestASetupSentenceOrNewTriggerNamesWhatIsWrong(t *testing.T) {
	for text, want := range map[string]string{
		`the agent is created with {keepAlive: "yes"}`:                      "keepAlive must be true or false",
		`the agent is created with {maxSockets: -1}`:                        "maxSockets must be 0 or more",
		`the agent is created with {bogus: 1}`:                              `unknown agent option "bogus"`,
		`the network sets latency to -5`:                                    "the network sets latency: the value must be a whole number, 0 or more",
		`the network sets speed to 5`:                                       "the network has no setting speed",
		`the network adds the rule {what: "nope"}`:                          "nope",
		`request #1 adds the rule {what: "reset"}`:                          "only the network can",
		`when raw client #1 has received "x", raw client #1 ends`:           "",
		`when request #1 has received "x", the client marks "m"`:            "only a raw client tells what it has received",
		`on 'socket' of every request, the client marks "m"`:                `the one that emitted acts, as "it"`,
		`on 'socket' of every request, it marks "m" with {req: its number}`: "",
		`when every response arrives, it marks "m"`:                         "has no one moment",
		`on 'end' of every response, it sends GET /`:                        "it calls, sets, reads or marks",
		`it marks "m"`: `"it" is the object of a trigger on every request`,
		`the client marks "m" with {a: 1, b: "x"}`:      "",
		`the client marks "m" with {a: its number}`:     "the client has no properties to read",
		`every response marks "m" with {v: its bogus}`:  "has no property bogus",
		`the agent marks "m" with {s: its socket's id}`: "has no socket of its own",
		`request #1 marks "m" with {h: its headers[1]}`: "want a quoted key",
		`request #1 marks "m" with [1]`:                 "want an object",
		`on 'error' of every request, if the error's code is "ECONNRESET" and its reusedSocket is true, the client sends it again`: "",
		`on 'error' of every request, if its reusedSocket is true, it marks "r" with {code: the error's code}`:                     "",
		`on 'error' of request #1, if its reusedSocket is true, the client marks "r"`:                                              "only a trigger on every request or response holds one",
		`on 'close' of every request, if the error's code is "x", it marks "r"`:                                                    "the error is the one of a request's 'error'",
		`on 'error' of every request, if the error's name is "x", it marks "r"`:                                                    "the error has code and message",
		`on 'error' of every request, if its reusedSocket true, it marks "r"`:                                                      "want is <value>",
		`on 'error' of every request, if "x" is "x", it marks "r"`:                                                                 "want its <property> or the error's <property>",
		`the client sends it again`:                         `"it" is the object of a trigger`,
		`request #1 calls write(its number)`:                "only a mark's details or a condition can read one",
		`after 5 ms every request calls abort()`:            "drop the trigger",
		`when request #1 closes, the network stops the run`: "the run stops at a time of 1 ms or more",
		`the client stops the trace`:                        "",
	} {
		_, err := parseSentence(text)
		switch {
		case want == "" && err != nil:
			t.Errorf("%q: %v", text, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("%q: error %v does not say %q", text, err, want)
		}
	}
}

func TestAMarkCarriesDetailsReadFromTheWorldAndAConditionChoosesWhoActs(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "marks.feature")
	feature := `Feature: marks
  Scenario: details and conditions
    Given a server that responds with status 200 and body "hi"
    When the client sends GET /
    And every response marks "h" with {alive: its headers["keep-alive"], none: its headers["x-none"], status: its statusCode, n: 1}
    And on 'socket' of every request, if its number is 1, it marks "first" with {req: its number}
    And on 'socket' of every request, if its number is 2, it marks "second"
    Then the run includes "req:close"
`
	if err := os.WriteFile(path, []byte(feature), 0o644); err != nil {
		t.Fatal(err)
	}
	traces := t.TempDir()
	if ok, err, out := run(t, RunOptions{Paths: []string{path}, TraceDir: traces}); !ok {
		t.Fatalf("the scenario failed: %v\n%s", err, out)
	}
	files, err := filepath.Glob(filepath.Join(traces, "*marks.feature-2.jsonl"))
	if err != nil || len(files) != 1 {
		t.Fatalf("want the scenario's one trace, got %v (%v)", files, err)
	}
	raw, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	// No x-none header: the entry is left out, as JSON leaves out undefined.
	for _, want := range []string{`"mark:h","detail":{"alive":"timeout=5","n":1,"status":200}`, `"mark:first","detail":{"req":1}`} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("the trace lacks %s:\n%s", want, raw)
		}
	}
	if strings.Contains(string(raw), "mark:second") {
		t.Errorf("a condition that does not hold let its action run:\n%s", raw)
	}
}

// TestEveryListenedEventHasAnEmitter finds, for each event a trigger can
// wait for, its emitter in the Events struct of its kind, twice, and wants
// where reflect finds it by name each time: the second search reads what
// the first kept.
func TestEveryListenedEventHasAnEmitter(t *testing.T) {
	typeOf := map[actorKind]reflect.Type{
		actorServer:         reflect.TypeFor[*httpcore.ServerEvents](),
		actorAgent:          reflect.TypeFor[*httpcore.AgentEvents](),
		actorRequest:        reflect.TypeFor[*httpcore.ClientRequestEvents](),
		actorResponse:       reflect.TypeFor[*httpcore.IncomingEvents](),
		actorServerRequest:  reflect.TypeFor[*httpcore.IncomingEvents](),
		actorServerResponse: reflect.TypeFor[*httpcore.OutgoingEvents](),
		actorSocket:         reflect.TypeFor[*simnet.SocketEvents](),
	}
	for kind, events := range emittedBy {
		typ := typeOf[kind]
		for _, event := range events {
			name := strings.ToUpper(event[:1]) + event[1:]
			for range 2 {
				f, isField := typ.Elem().FieldByName(name)
				m, isMethod := typ.MethodByName(name)
				switch {
				case isField && !slices.Equal(fieldIndex(typ.Elem(), name), f.Index):
					t.Errorf("%s '%s': field %v, want %v", kind, event, fieldIndex(typ.Elem(), name), f.Index)
				case !isField && !isMethod:
					t.Errorf("%s '%s': no field or method %s", kind, event, name)
				case !isField && methodIndex(typ, name) != m.Index:
					t.Errorf("%s '%s': method %d, want %d", kind, event, methodIndex(typ, name), m.Index)
				}
			}
		}
	}
	if fieldIndex(typeOf[actorAgent].Elem(), "Juggle") != nil || methodIndex(typeOf[actorAgent], "Juggle") != -1 {
		t.Error("an agent's 'juggle' has an emitter")
	}
}

// TestAConditionComparesAsItsJSONRoundTripDoes: plainEquals, which
// compares a bool or a string as it is, answers as comparing the value's
// JSON round trip with cmp.Equal does, for every kind of literal.
func TestAConditionComparesAsItsJSONRoundTripDoes(t *testing.T) {
	wants := []string{`true`, `false`, `"ECONNRESET"`, `""`, `"\ufffd"`, `1`, `null`, `[1]`, `{a: 1}`}
	gots := []any{true, false, "ECONNRESET", "", "\xff", "\ufffd", 1, 1.0, nil, []int{1}, map[string]int{"a": 1}, errors.New("x")}
	for _, src := range wants {
		want, err := parseValue(src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		for _, got := range gots {
			plain, err := jsonPlain(got)
			slow := err == nil && cmp.Equal(plain, want.plain())
			if fast := plainEquals(got, want); fast != slow {
				t.Errorf("%#v is %s: %v, its JSON round trip says %v", got, src, fast, slow)
			}
		}
	}
}
