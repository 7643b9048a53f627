package features

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/simhttp/simhttp/simnet"
)

// A grammar sentence is [trigger[,]] actor action: who does what, and
// when. Every sentence of this form is parsed by parseSentence and runs
// through one engine, so a new behaviour needs a feature file, not Go code.

// triggerKind is when a grammar action runs.
type triggerKind int

const (
	triggerNone        triggerKind = iota // the actor's natural moment (see defaultMoment)
	triggerAfter                          // after <n> ms of the main script
	triggerEvent                          // on '<event>' of <actor>, when <actor> <verb>s
	triggerBirth                          // when request #N arrives (is made), when response #N arrives
	triggerEachRequest                    // for each request (upgrade, CONNECT): a step of the server's handler script
	triggerBytes                          // when raw client #N has received "<text>" (grammar_received.go)
)

type trigger struct {
	kind  triggerKind
	delay time.Duration // after <n> ms; <n> ms after <event>
	turn  bool          // in the next turn; the turn after <event>: a setImmediate
	actor actor
	event string
	every bool        // on every '<event>': each emission, not just the first
	nth   int         // on the <nth> '<event>': that emission only; 0 means the first
	cond  []condition // if ... and ...: the action runs only when all hold (grammar_conditions.go)
	// text is what "when raw client #N has received" waits for.
	text string
}

// actionKind is what a grammar sentence makes its actor do.
type actionKind int

const (
	actionCalls        actionKind = iota // calls m(args) [then m2(args)...]
	actionSets                           // sets <property> to <value>
	actionReads                          // reads <property>
	actionListens                        // listens for '<event>'
	actionNoListen                       // does not listen for '<event>'
	actionMarks                          // marks "<name>"
	actionSends                          // the client sends/starts <METHOD> <path> [to "<server>"] [with:]
	actionConnects                       // raw client #N connects [and writes "<bytes>"]
	actionWrites                         // raw client #N writes "<bytes>"
	actionEnds                           // raw client #N ends
	actionCuts                           // the network cuts the client off from the server for <n> ms
	actionAbortsSignal                   // the client aborts the signal
	actionWaits                          // the server waits <n> ms, waits for the next turn (a handler step)
	actionReadsBody                      // the server reads the request body (a handler step)
	actionCreated                        // the server is created with {options}
	actionAddsRule                       // the network adds the rule {...} | with: (grammar_setup.go)
	actionAgentCreated                   // the agent is created with {options}
	actionNetSetting                     // the network sets <setting> to <n>
	actionStopsRun                       // after <n> ms, the network stops the run
	actionStopsTrace                     // the client stops the trace
	actionHandles                        // the server handles 'checkContinue' with its handler
	actionSendsAgain                     // the client sends it again: the request of a trigger on every request
)

type action struct {
	kind   actionKind
	calls  []call
	prop   string
	val    value
	event  string
	text   string // mark name, raw bytes
	detail value  // a mark's details: an object, or none (grammar_marks.go)
	method string
	path   string
	server string
	noEnd  bool // "starts": the request is not ended
	table  bool // the sentence ends with "with:" and takes a table
	dur    time.Duration
	turn   bool    // waits for the next turn
	until  trigger // waits until <actor> <verb>, waits for '<event>' of <actor>
	// rule is what "the network adds the rule {...}" adds.
	rule simnet.Rule
}

// sentence is a parsed grammar sentence.
type sentence struct {
	text    string
	trigger trigger
	actor   actor
	action  action
}

var (
	afterRe    = regexp.MustCompile(`^after (\d+(?:\.\d+)?) ms,? `)
	msAfterRe  = regexp.MustCompile(`^(\d+(?:\.\d+)?) ms after `)
	nextTurnRe = regexp.MustCompile(`^in the next turn,? `)
	turnAfter  = "the turn after "
	onRe       = regexp.MustCompile(`^on (every |the (` + ordinalRe + `) )?'([A-Za-z]+)' of `)
	nthRe      = regexp.MustCompile(`^the (` + ordinalRe + `) '`)
	commaRe    = regexp.MustCompile(`^,? `)
	whenVerbRe = regexp.MustCompile(`^ (closes|ends|finishes|errors|times out|connects|drains|is aborted|aborts|gets its socket|gets its response|receives data|receives a connection|receives a request|frees a socket|arrives|is made|emits '([A-Za-z]+)'|has received "((?:[^"\\]|\\.)*)")`)
	sendsRe    = regexp.MustCompile(`^ (sends|starts) ` + methodRe + ` (\S+?)(?: to "([a-z][a-z0-9-]*)")?( with:)?$`)
	connectsRe = regexp.MustCompile(`^ connects(?: and writes "((?:[^"\\]|\\.)*)")?$`)
	writesRe   = regexp.MustCompile(`^ writes "((?:[^"\\]|\\.)*)"$`)
	setsRe     = regexp.MustCompile(`^ sets ([A-Za-z]+) to (.+)$`)
	readsRe    = regexp.MustCompile(`^ reads ([A-Za-z]+)$`)
	listensRe  = regexp.MustCompile(`^ (listens|does not listen) for '([A-Za-z]+)'$`)
	marksRe    = regexp.MustCompile(`^ marks "([A-Za-z0-9:_-]+)"(?: with (.+))?$`)
	cutsRe     = regexp.MustCompile(`^ cuts the client off from the server for (\d+) ms$`)
)

// ordinalRe is how a trigger counts emissions: first, second, third, or
// 4th, 21st...
const ordinalRe = `first|second|third|\d+(?:st|nd|rd|th)`

// ordinal reads an ordinal of ordinalRe.
func ordinal(s string) (int, error) {
	switch s {
	case "first":
		return 1, nil
	case "second":
		return 2, nil
	case "third":
		return 3, nil
	}
	n, err := strconv.Atoi(strings.TrimRight(s, "stndrh"))
	if err != nil || n < 1 {
		return 0, fmt.Errorf("%q is not an ordinal (first, second, third, 4th, ...)", s)
	}
	return n, nil
}

// whenVerbs maps "when <actor> <verb>" to the event it waits for.
var whenVerbs = map[string]string{
	"closes": "close", "ends": "end", "finishes": "finish", "errors": "error", "times out": "timeout",
	"connects": "connect", "drains": "drain", "is aborted": "aborted", "aborts": "abort",
	"gets its socket": "socket", "gets its response": "response", "receives data": "data",
	"receives a connection": "connection", "receives a request": "request", "frees a socket": "free",
}

// parseSentence reads a grammar sentence; an error names the part at
// fault.
func parseSentence(text string) (*sentence, error) {
	s := &sentence{text: text}
	rest, err := s.parseTrigger(text)
	if err != nil {
		return nil, err
	}
	a, rest, err := parseActor(rest)
	if err != nil {
		return nil, err
	}
	if a.it && s.trigger.actor.every {
		a.kind = s.trigger.actor.kind
	}
	s.actor = a
	if err := s.parseAction(rest); err != nil {
		return nil, err
	}
	return s, s.check()
}

func ms64(s string) time.Duration {
	f, _ := strconv.ParseFloat(s, 64)
	return time.Duration(f * float64(time.Millisecond))
}

func (s *sentence) parseTrigger(text string) (string, error) {
	if rest, ok, err := s.parseEachRequest(text); ok {
		return rest, err
	}
	if m := afterRe.FindStringSubmatch(text); m != nil {
		s.trigger = trigger{kind: triggerAfter, delay: ms64(m[1])}
		return text[len(m[0]):], nil
	}
	if m := nextTurnRe.FindString(text); m != "" {
		s.trigger = trigger{kind: triggerAfter, turn: true}
		return text[len(m):], nil
	}
	rest := text
	after := ""
	if m := msAfterRe.FindStringSubmatch(rest); m != nil {
		s.trigger.delay, after = ms64(m[1]), m[0]
	} else if strings.HasPrefix(rest, turnAfter) {
		s.trigger.turn, after = true, turnAfter
	}
	if after != "" {
		// "<n> ms after '<event>' of <actor>" and "<n> ms after <actor> <verb>"
		// read as the "on" and "when" forms, delayed; "the turn after" the
		// same, put off to the loop's next check phase (a setImmediate).
		rest = rest[len(after):]
		if strings.HasPrefix(rest, "'") || nthRe.MatchString(rest) {
			rest = "on " + rest
		} else if !strings.HasPrefix(rest, "on ") {
			rest = "when " + rest
		}
	}
	t := &s.trigger
	switch {
	case onRe.MatchString(rest):
		m := onRe.FindStringSubmatch(rest)
		t.kind, t.every, t.event = triggerEvent, m[1] == "every ", m[3]
		if m[2] != "" {
			n, err := ordinal(m[2])
			if err != nil {
				return "", fmt.Errorf("the trigger: %w", err)
			}
			t.nth = n
		}
		a, r, err := parseActor(rest[len(m[0]):])
		if err != nil {
			return "", fmt.Errorf("the trigger: %w", err)
		}
		t.actor, rest = a, r
	case strings.HasPrefix(rest, "when "):
		a, r, err := parseActor(rest[len("when "):])
		if err != nil {
			return "", fmt.Errorf("the trigger: %w", err)
		}
		m := whenVerbRe.FindStringSubmatch(r)
		if m == nil {
			return "", fmt.Errorf("the trigger: after %q want what it does: closes, ends, finishes, errors, times out, connects, drains, is aborted, aborts, gets its socket, gets its response, receives data, receives a connection, receives a request, frees a socket, arrives, is made, emits '<event>' or has received \"<text>\" (at %q)", a.String(), clip(r))
		}
		t.kind, t.actor, rest = triggerEvent, a, r[len(m[0]):]
		switch {
		case m[2] != "":
			t.event = m[2]
		case m[1] == "is made" || m[3] != "" || strings.HasPrefix(m[1], "has received"):
			if err := t.setMadeOrReceived(a, m[1], m[3]); err != nil {
				return "", fmt.Errorf("the trigger: %w", err)
			}
		case m[1] == "arrives":
			t.kind = triggerBirth
			switch a.kind {
			case actorRequest, actorServerRequest:
				t.actor = actor{kind: actorServerRequest, n: a.n}
			case actorResponse:
			default:
				return "", fmt.Errorf("the trigger: only a request or a response arrives, not %s", a)
			}
		default:
			t.event = whenVerbs[m[1]]
			if m[1] == "is aborted" && a.kind == actorRequest {
				t.event = "abort"
			}
		}
	default:
		if s.trigger.delay > 0 || s.trigger.turn {
			return "", fmt.Errorf("the trigger: after \"<n> ms after\" or \"the turn after\" want on '<event>' of <actor>, or when <actor> <does something> (at %q)", clip(rest))
		}
		return rest, nil
	}
	m := commaRe.FindString(rest)
	if m == "" {
		return "", fmt.Errorf("the trigger: want a space or a comma, then who acts, at %q", clip(rest))
	}
	return s.parseConditions(rest[len(m):])
}

func (s *sentence) parseAction(rest string) error {
	if ok, err := s.parseSetupAction(rest); ok {
		return err
	}
	a := &s.action
	if strings.HasPrefix(rest, " calls ") {
		p := &literalParser{s: rest[len(" calls "):]}
		calls, err := p.calls()
		if err != nil {
			return fmt.Errorf("%s calls: %w", s.actor, err)
		}
		a.kind, a.calls = actionCalls, calls
		return nil
	}
	if m := setsRe.FindStringSubmatch(rest); m != nil {
		v, err := parseValue(m[2])
		if err != nil {
			return fmt.Errorf("%s sets %s: the value %w", s.actor, m[1], err)
		}
		a.kind, a.prop, a.val = actionSets, m[1], v
		return nil
	}
	if m := readsRe.FindStringSubmatch(rest); m != nil {
		a.kind, a.prop = actionReads, m[1]
		return nil
	}
	if m := listensRe.FindStringSubmatch(rest); m != nil {
		a.kind, a.event = actionListens, m[2]
		if m[1] != "listens" {
			a.kind = actionNoListen
		}
		return nil
	}
	if m := marksRe.FindStringSubmatch(rest); m != nil {
		a.kind, a.text = actionMarks, m[1]
		if m[2] != "" {
			d, err := parseDetail(m[2])
			if err != nil {
				return fmt.Errorf("%s marks %q with: %w", s.actor, m[1], err)
			}
			a.detail = d
		}
		return nil
	}
	if m := sendsRe.FindStringSubmatch(rest); m != nil {
		a.kind, a.noEnd, a.method, a.path, a.server, a.table = actionSends, m[1] == "starts", m[2], m[3], m[4], m[5] != ""
		return nil
	}
	if m := connectsRe.FindStringSubmatch(rest); m != nil {
		a.kind, a.text = actionConnects, simnet.Unescape(m[1])
		return nil
	}
	if m := writesRe.FindStringSubmatch(rest); m != nil {
		a.kind, a.text = actionWrites, simnet.Unescape(m[1])
		return nil
	}
	if rest == " sends it again" {
		a.kind = actionSendsAgain
		return nil
	}
	if rest == " aborts the signal" {
		a.kind = actionAbortsSignal
		return nil
	}
	if rest == " ends" {
		a.kind = actionEnds
		return nil
	}
	if ok, err := s.parseHandlerStep(rest); ok {
		return err
	}
	if ok, err := s.parseCreated(rest); ok {
		return err
	}
	if m := cutsRe.FindStringSubmatch(rest); m != nil {
		n, _ := strconv.Atoi(m[1])
		if n < 1 {
			return fmt.Errorf("the network cuts ... for %d ms: want 1 ms or more", n)
		}
		a.kind, a.dur = actionCuts, time.Duration(n)*time.Millisecond
		return nil
	}
	return fmt.Errorf("after %q want an action: calls <method>(<args>), sets <property> to <value>, reads <property>, listens for '<event>', does not listen for '<event>', marks \"<name>\" [with {<key>: <value>, ...}], sends <METHOD> <path>, sends it again, starts <METHOD> <path>, aborts the signal, connects [and writes \"<bytes>\"], writes \"<bytes>\", ends, waits <n> ms, waits for the next turn, reads the request body, handles 'checkContinue', is created with {<options>}, cuts the client off from the server for <n> ms, adds the rule {...}, stops the run, or stops the trace (at %q)", s.actor.String(), clip(strings.TrimSpace(rest)))
}

// noListenable are the test client's automatic listeners a scenario may
// turn off, per kind: the others keep the harness's own bookkeeping.
var noListenable = map[actorKind][]string{
	actorRequest:  {"response", "upgrade", "connect", "timeout", "finish", "abort", "drain", "continue", "information"},
	actorResponse: {"data", "end", "error", "aborted", "close"},
}

// check validates the sentence against what its actors can do.
func (s *sentence) check() error {
	if ok, err := s.checkSetup(); ok {
		return err
	}
	if err := s.checkEvery(); err != nil {
		return err
	}
	if err := s.checkDetail(); err != nil {
		return err
	}
	t := s.trigger
	if err := s.checkHandlerStep(); err != nil {
		return err
	}
	if t.kind == triggerEvent {
		kind := t.actor.methodsKind()
		if !contains(emittedBy[kind], t.event) {
			return fmt.Errorf("the trigger: %s emits no '%s' (it emits %s)", t.actor, t.event, quoteAll(emittedBy[kind]))
		}
	}
	a, act := s.actor, s.action
	kind := a.methodsKind()
	if (a.kind == actorClient || a.kind == actorNetwork) && act.kind != actionMarks && act.kind != actionSends && act.kind != actionCuts && act.kind != actionAbortsSignal && act.kind != actionSendsAgain {
		return fmt.Errorf("%s only %s", a, map[actorKind]string{actorClient: "sends or starts requests, aborts the signal (and marks)", actorNetwork: "cuts the client off from the server, sets its link, adds fault rules (and marks)"}[a.kind])
	}
	only := func(want ...actorKind) error {
		for _, k := range want {
			if a.kind == k && (!a.socket || k == actorRaw) {
				return nil
			}
		}
		names := make([]string, len(want))
		for i, k := range want {
			names[i] = k.String()
		}
		return fmt.Errorf("%s cannot do that: only %s can", a, strings.Join(names, " or "))
	}
	switch act.kind {
	case actionCalls:
		for _, c := range act.calls {
			if c.on != "" {
				return fmt.Errorf("%s calls %s: name the object as the actor (\"server request #1's socket calls destroy()\"), not in the call", a, c.src)
			}
			m := methodsOf[kind][c.name]
			if m == nil {
				return fmt.Errorf("%s has no method %s (it has %s)", a, c.name, strings.Join(names(methodsOf[kind]), ", "))
			}
			if err := m.check(c); err != nil {
				return fmt.Errorf("%s calls %w", a, err)
			}
		}
	case actionSets, actionReads:
		p := propertiesOf[kind][act.prop]
		if p == nil || act.kind == actionSets && p.set == nil {
			return fmt.Errorf("%s has no property %s that a scenario can %s (it has %s)", a, act.prop, map[bool]string{true: "set", false: "read"}[act.kind == actionSets], strings.Join(settable(kind, act.kind == actionSets), ", "))
		}
		if act.kind == actionSets && !fits(p.kind, act.val) {
			return fmt.Errorf("%s sets %s: the value must be %s, got %s", a, act.prop, paramKindNames[p.kind], act.val.src)
		}
	case actionListens:
		if !contains(emittedBy[kind], act.event) {
			return fmt.Errorf("%s emits no '%s' (it emits %s)", a, act.event, quoteAll(emittedBy[kind]))
		}
	case actionNoListen:
		if !contains(noListenable[a.kind], act.event) || a.socket {
			return fmt.Errorf("%s does not listen for '%s': only the test client's own listeners can be left out (request: %s; response: %s)", a, act.event, quoteAll(noListenable[actorRequest]), quoteAll(noListenable[actorResponse]))
		}
	case actionSends:
		return only(actorClient)
	case actionConnects, actionWrites, actionEnds:
		return only(actorRaw)
	case actionAbortsSignal, actionSendsAgain:
		return only(actorClient)
	case actionCuts:
		return only(actorNetwork)
	}
	return nil
}

func settable(kind actorKind, set bool) []string {
	var out []string
	for _, n := range names(propertiesOf[kind]) {
		if !set || propertiesOf[kind][n].set != nil {
			out = append(out, n)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func quoteAll(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = "'" + s + "'"
	}
	return strings.Join(q, ", ")
}
