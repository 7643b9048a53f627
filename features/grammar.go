package features

import (
	"errors"
	"fmt"

	"github.com/cucumber/godog"
	"github.com/google/go-cmp/cmp"

	"github.com/simhttp/simhttp/simnet"
)

// A parsed sentence (grammar_sentence.go) runs here: each is wired into
// the scenario's world at its moment, on the object it names.

// grammarState is the grammar's share of a scenario's world.
type grammarState struct {
	reg      registry
	noListen map[actorKey]map[string]bool // test-client listeners turned off
	values   []any                        // results of reads and getter calls, in order
}

// autoListens reports whether the test client puts its own listener for
// event on the object of kind and number n.
func (w *world) autoListens(kind actorKind, n int, event string) bool {
	return !w.gram.noListen[actorKey{kind: kind, n: n}][event] && !w.gram.noListen[actorKey{kind: kind}][event]
}

// sugar runs a fixed sentence of the phrasebook as the grammar sentence it
// stands for.
func (w *world) sugar(text string, table *godog.Table) error {
	s, err := w.suite.catalog.sentence(text)
	if err != nil {
		return fmt.Errorf("%q: %w", text, err)
	}
	return w.addSentence(s, table)
}

// sugarOf is sugar for the sentence parts make, joined in the world's
// scratch buffer: once the sentence was parsed, a sugar step that runs
// again makes no string of it.
func (w *world) sugarOf(table *godog.Table, parts ...string) error {
	b := w.kept.text[:0]
	for _, p := range parts {
		b = append(b, p...)
	}
	w.kept.text = b
	s, err := w.suite.catalog.sentenceOf(b)
	if err != nil {
		return fmt.Errorf("%q: %w", b, err)
	}
	return w.addSentence(s, table)
}

// theGrammarSentence is the step every grammar sentence runs.
func (w *world) theGrammarSentence(text string) error {
	s, err := w.suite.catalog.sentence(text)
	if err != nil {
		return err
	}
	return w.addSentence(s, nil)
}

func (w *world) theGrammarSentenceWith(text string, table *godog.Table) error {
	s, err := w.suite.catalog.sentence(text)
	if err != nil {
		return err
	}
	return w.addSentence(s, table)
}

// addSentence wires a parsed sentence into the scenario: what it does,
// and when.
func (w *world) addSentence(s *sentence, table *godog.Table) error {
	if s.action.table != (table != nil) {
		if table == nil {
			return errors.New("the sentence ends with \"with:\" but has no table under it")
		}
		return errors.New("a table follows a sentence that takes none (end it with \"with:\")")
	}
	if s.trigger.kind == triggerEachRequest {
		return w.addHandlerStep(s)
	}
	switch s.action.kind {
	case actionCreated:
		return w.createdWith(s)
	case actionHandles:
		return w.handles(s)
	}
	if ok, err := w.addSetup(s, table); ok {
		return err
	}
	if s.trigger.kind == triggerBytes {
		return w.addOnReceived(s, table)
	}
	if s.trigger.actor.every {
		w.addOnEvery(s)
		return nil
	}
	if s.actor.every {
		return w.addEvery(s)
	}
	act, err := w.actionOf(s, table)
	if err != nil {
		return err
	}
	switch s.action.kind {
	case actionListens, actionNoListen:
		return w.addListenerChoice(s)
	}
	w.schedule(s, act)
	return nil
}

// actionOf builds what a sentence does when its moment comes.
func (w *world) actionOf(s *sentence, table *godog.Table) (func(), error) {
	// The sentence's own action, not a copy: the closures below would move
	// a copy to the heap on every call.
	a := &s.action
	switch a.kind {
	case actionSends:
		sp := reuse(&w.kept.specs, requestSpec{method: a.method, path: a.path, server: a.server, noEnd: a.noEnd})
		if table != nil {
			rows, err := pairs(table)
			if err != nil {
				return nil, err
			}
			for _, r := range rows {
				if err := sp.set(r[0], r[1]); err != nil {
					return nil, err
				}
			}
		}
		w.client.specs = append(w.client.specs, sp)
		if s.trigger.kind == triggerNone {
			return func() { w.makeRequest(sp) }, nil
		}
		w.client.waiting++
		return func() {
			w.client.waiting--
			w.makeRequest(sp)
		}, nil
	case actionConnects:
		if want := len(w.client.raws) + 1; s.actor.n != want {
			return nil, fmt.Errorf("raw client #%d: raw clients are numbered in the order the scenario connects them; the next is raw client #%d", s.actor.n, want)
		}
		rc := &rawClient{first: a.text, traceData: true}
		w.addRaw(rc)
		if s.trigger.kind != triggerNone {
			w.client.rawPending++
		}
		return func() {
			if s.trigger.kind != triggerNone {
				w.client.rawPending--
			}
			w.connectRaw(rc)
		}, nil
	case actionCuts:
		return func() {
			r := simnet.Rule{What: simnet.FaultPartition, Client: clientHost, Server: serverHost, At: w.loop().Now(), Duration: a.dur}
			if _, err := w.sim.AddRule(r); err != nil {
				w.fail(fmt.Errorf("%s: %w", s.text, err))
			}
		}, nil
	case actionMarks:
		if !a.refers() {
			return func() { w.markWith(s, nil) }, nil
		}
	case actionAbortsSignal:
		return w.abortSignal, nil
	}
	return func() {
		t, err := w.resolve(s.actor)
		if err != nil {
			w.fail(fmt.Errorf("%q: %w", s.text, err))
			return
		}
		w.perform(s, t)
	}, nil
}

// perform runs an action on a live target.
func (w *world) perform(s *sentence, t *target) {
	a := s.action
	kind := s.actor.methodsKind()
	if kind == actorServer && t.server.srv == nil && (a.kind != actionCalls || len(a.calls) != 1 || a.calls[0].name != "close") {
		w.fail(fmt.Errorf("%q: a raw server can only close()", s.text))
		return
	}
	switch a.kind {
	case actionCalls:
		for _, c := range a.calls {
			if thrown := w.invoke(methodsOf[kind][c.name], t, c); thrown != nil && kind == actorRequest {
				t.req.thrown = thrown
			}
		}
	case actionSets:
		w.thrown(propertiesOf[kind][a.prop].set(t, a.val))
	case actionReads:
		w.value("read", a.prop, propertiesOf[kind][a.prop].get(t))
	case actionWrites:
		t.socket().Write([]byte(a.text), nil)
	case actionEnds:
		t.socket().End(nil, nil)
	case actionMarks:
		w.markWith(s, t)
	}
}

// invoke makes one call on a live target, marks what it threw or
// returned, and returns what it threw.
func (w *world) invoke(m *method, t *target, c call) error {
	result, thrown := m.run(w, t, c.args)
	w.thrown(thrown)
	if thrown != nil && t.x != nil {
		t.x.s.thrown = append(t.x.s.thrown, thrown)
	}
	if m.returns {
		w.value("returned", c.src, result)
	}
	return thrown
}

// thrown marks an error a call threw, as the reference scripts' try/catch
// does, and the scenario goes on.
func (w *world) thrown(err error) {
	if err != nil {
		w.mark("thrown", map[string]any{"code": simnet.CodeOf(err), "message": err.Error()})
	}
}

// value marks a value a sentence read or a getter returned, so the trace
// and "value #N is" can check it.
func (w *world) value(mark, what string, v any) {
	w.gram.values = append(w.gram.values, v)
	w.mark(mark, map[string]any{"of": what, "value": v})
}

// schedule runs act at the sentence's moment.
func (w *world) schedule(s *sentence, act func()) {
	// The sentence's own trigger, not a copy: the closures below would
	// move a copy to the heap on every call.
	t := &s.trigger
	fire := w.deferred(t, act)
	switch t.kind {
	case triggerAfter:
		if t.turn {
			w.do(fire)
			break
		}
		w.do(func() { w.loop().SetTimeout(t.delay, act) })
	case triggerBirth:
		w.await(t.actor.key(), s.text, func(*target) { fire() })
	case triggerEvent:
		w.onEvent(s, t, fire)
	default:
		w.atNaturalMoment(s, act)
	}
}

// deferred is act put off as an event trigger says: <n> ms after the
// event, or to the turn after it.
func (w *world) deferred(t *trigger, act func()) func() {
	switch {
	case t.turn:
		return func() { w.loop().SetImmediate(act) }
	case t.delay > 0 && t.kind != triggerAfter:
		return func() { w.loop().SetTimeout(t.delay, act) }
	}
	return act
}

// nthOnly is fire run at the n-th call only (every call for n 0 or 1 is
// the listener's business: it runs once or each time).
func nthOnly(n int, fire func()) func() {
	if n <= 1 {
		return fire
	}
	seen := 0
	return func() {
		if seen++; seen == n {
			fire()
		}
	}
}

// onEvent runs fire at the trigger's event, once its actor exists.
func (w *world) onEvent(s *sentence, t *trigger, fire func()) {
	kind := t.actor.methodsKind()
	fire = nthOnly(t.nth, fire)
	subscribe := func(tg *target) {
		if err := listen(tg, kind, t.event, t.every || t.nth > 1, fire); err != nil {
			w.fail(fmt.Errorf("%q: %w", s.text, err))
		}
	}
	switch {
	case t.actor.kind == actorNetwork || t.actor.kind == actorClient:
		w.fail(fmt.Errorf("%q: %s emits no events", s.text, t.actor))
	case t.actor.socket && t.actor.kind == actorRequest:
		// A request has a socket only from its 'socket' event on.
		w.await(t.actor.key(), s.text, func(tg *target) {
			tg.req.req.Events.Socket().Once(func(sock *simnet.Socket) { subscribe(worldNew(w, target{sock: sock})) })
		})
	case t.actor.socket:
		w.await(t.actor.key(), s.text, func(tg *target) { subscribe(worldNew(w, target{sock: tg.socket()})) })
	default:
		w.await(t.actor.key(), s.text, subscribe)
	}
}

// atNaturalMoment runs an untriggered action: the client, the server, the
// agent and the network act in the main script; a request acts right
// after http.request() returns (before end()); every other object as
// soon as it exists.
func (w *world) atNaturalMoment(s *sentence, act func()) {
	a := s.actor
	switch {
	case a.kind == actorClient || a.kind == actorServer || a.kind == actorAgent || a.kind == actorNetwork || s.action.kind == actionConnects:
		w.do(act)
	case a.socket && a.kind == actorRequest:
		w.await(a.key(), s.text, func(tg *target) { tg.req.req.Events.Socket().Once(func(*simnet.Socket) { act() }) })
	default:
		w.await(a.key(), s.text, func(*target) { act() })
	}
}

// addListenerChoice applies "listens for" and "does not listen for".
func (w *world) addListenerChoice(s *sentence) error {
	a := s.actor
	if s.trigger.kind != triggerNone {
		return errors.New("a listener choice holds from the object's creation: drop the trigger")
	}
	if s.action.kind == actionNoListen {
		if w.gram.noListen == nil {
			w.gram.noListen = map[actorKey]map[string]bool{}
		}
		k := a.key()
		if w.gram.noListen[k] == nil {
			w.gram.noListen[k] = map[string]bool{}
		}
		w.gram.noListen[k][s.action.event] = true
		return nil
	}
	kind := a.methodsKind()
	add := func(t *target) {
		if err := listen(t, kind, s.action.event, true, nil); err != nil {
			w.fail(fmt.Errorf("%q: %w", s.text, err))
		}
	}
	if a.socket && a.kind == actorRequest {
		w.await(a.key(), s.text, func(tg *target) {
			tg.req.req.Events.Socket().Once(func(sock *simnet.Socket) { add(worldNew(w, target{sock: sock})) })
		})
		return nil
	}
	w.await(a.key(), s.text, add)
	return nil
}

// grammarTriggered and its relatives are the shapes of grammar sentences,
// as one godog pattern each: the parser does the real work and names
// what is wrong. None of them matches a sentence of the phrasebook.
const (
	grammarTriggered = `(?:after \d|for each (?:request|upgrade|CONNECT)|\d+(?:\.\d+)? ms after |on (?:every |the \w+ )?'|when |in the next turn|the turn after )`
	grammarActor     = `(?:the (?:server|agent|request|response|server request|server response|raw client)|server "[a-z][a-z0-9-]*"|(?:request|response|server request|server response|raw client) #\d+|every (?:request|response))(?:'s socket)?`
	grammarVerb      = ` (?:calls |sets [A-Za-z]+ to |listens for '|does not listen for '|marks "|is created with \{|handles ')`
	grammarOther     = `(?:raw client #\d+ (?:connects|writes )|the network (?:cuts |marks "|sets |adds )|the client (?:starts |marks "|stops ))`
	grammarPattern   = `^((?:` + grammarTriggered + `|` + grammarActor + grammarVerb + `|` + grammarOther + `).*[^:]|` +
		grammarActor + ` reads [A-Za-z]+|raw client #\d+ ends|the client aborts the signal)$`
	grammarTablePat = `^((?:` + grammarTriggered + `|the client starts |the network adds the rule).* with:)$`
)

func grammarSteps() []*stepDef {
	return []*stepDef{
		{domain: grammarDomain, pattern: grammarPattern, form: "[<trigger>[,]] <actor> <action>", example: "after 50 ms the client sends GET /2",
			doc:  "[trigger[,]] actor action: see the forms below",
			bind: func(w *world) any { return w.theGrammarSentence }},
		{domain: grammarDomain, pattern: grammarTablePat, form: "<trigger>[,] the client sends <METHOD> <path> with:", example: "after 50 ms the client sends POST / with:\n        | body | hello |",
			doc:  "a triggered send (or \"the client starts\") with the request options of \"the client sends ... with:\"",
			bind: func(w *world) any { return w.theGrammarSentenceWith }},
		{domain: grammarDomain, pattern: `^value #(\d+) is (.+)$`, example: `value #1 is ["1", "2"]`,
			doc:  "the N-th value a sentence read or a getter returned (test:mark:read, test:mark:returned) equals this literal",
			bind: func(w *world) any { return w.valueIs }},
	}
}

func (w *world) valueIs(n int, literal string) error {
	if err := w.settle(); err != nil {
		return err
	}
	want, err := parseValue(literal)
	if err != nil {
		return fmt.Errorf("value #%d is: the literal %w", n, err)
	}
	if n < 1 || n > len(w.gram.values) {
		return fmt.Errorf("there is no value #%d: the scenario read or was returned %d", n, len(w.gram.values))
	}
	got, err := jsonPlain(w.gram.values[n-1])
	if err != nil {
		return err
	}
	if diff := cmp.Diff(want.plain(), got); diff != "" {
		return fmt.Errorf("value #%d is %v, want %s (-want +got):\n%s", n, got, want.src, diff)
	}
	return nil
}
