package features

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/simhttp/simhttp/httpcore"
)

// "for each request, <actor> <action>" makes a sentence a step of a
// server's handler script: the handler runs its steps in the order the
// scenario gives them, for every request, each once the one before is
// done, so a wait or reading the body holds back the steps after it.
// "for each upgrade" and "for each CONNECT" are the scripts of the
// server's 'upgrade' and 'connect' listeners, whose request has a socket
// and no response.

var (
	eachRequestRe  = regexp.MustCompile(`^for each (request|upgrade|CONNECT)(?: to server "([a-z][a-z0-9-]*)")?,? `)
	numberedInHand = regexp.MustCompile(`(?:^|until |of )((server request|server response) #\d+)`)
	waitsRe        = regexp.MustCompile(`^ waits (\d+(?:\.\d+)?) ms$`)
	handlesRe      = regexp.MustCompile(`^ handles '(checkContinue|checkExpectation)'$`)
)

// parseEachRequest reads the "for each request" trigger; ok says the
// sentence has it.
func (s *sentence) parseEachRequest(text string) (rest string, ok bool, err error) {
	m := eachRequestRe.FindStringSubmatch(text)
	if m == nil {
		return text, false, nil
	}
	s.trigger = trigger{kind: triggerEachRequest, event: strings.ToLower(m[1]), actor: actor{kind: actorServer, server: m[2]}}
	rest = text[len(m[0]):]
	if m := numberedInHand.FindStringSubmatch(rest); m != nil {
		return "", true, fmt.Errorf("for each request acts on the request in hand: write %q, not %q", "the "+m[2], m[1])
	}
	return rest, true, nil
}

// parseHandlerStep reads the actions only a handler script has: waits
// and reading the request body; ok says the action is one of them.
func (s *sentence) parseHandlerStep(rest string) (ok bool, err error) {
	a := &s.action
	switch m := waitsRe.FindStringSubmatch(rest); {
	case m != nil:
		a.kind, a.dur = actionWaits, ms64(m[1])
	case rest == " waits for the next turn":
		a.kind, a.turn = actionWaits, true
	case rest == " reads the request body":
		a.kind = actionReadsBody
	case handlesRe.MatchString(rest):
		a.kind, a.event = actionHandles, handlesRe.FindStringSubmatch(rest)[1]
		if s.actor.kind != actorServer || s.trigger.kind != triggerNone {
			return true, fmt.Errorf("only the server handles '%s', from its creation: \"the server handles '%s'\"", a.event, a.event)
		}
	case strings.HasPrefix(rest, " waits for '") || strings.HasPrefix(rest, " waits until "):
		// The event forms of the triggers, read by the trigger's parser.
		event, ok := strings.CutPrefix(rest, " waits for ")
		if ok {
			event = "on " + event
		} else {
			event = "when " + strings.TrimPrefix(rest, " waits until ")
		}
		var until sentence
		left, err := until.parseTrigger(event + ", ")
		if err != nil {
			return true, fmt.Errorf("the server waits: %w", err)
		}
		t := until.trigger
		if left = strings.TrimSuffix(left, ", "); left != "" {
			return true, fmt.Errorf("the server waits: %q is left over after the event", left)
		}
		if t.kind != triggerEvent || t.delay > 0 || t.turn || t.every || t.nth > 0 {
			return true, errors.New("the server waits for '<event>' of <actor>, or until <actor> <verb> (the first emission, no delay)")
		}
		if kind := t.actor.methodsKind(); !contains(emittedBy[kind], t.event) {
			return true, fmt.Errorf("the server waits: %s emits no '%s' (it emits %s)", t.actor, t.event, quoteAll(emittedBy[kind]))
		}
		a.kind, a.until = actionWaits, t
	default:
		return false, nil
	}
	return true, nil
}

// checkHandlerStep checks what a handler step can name and do.
func (s *sentence) checkHandlerStep() error {
	step := s.action.kind == actionWaits || s.action.kind == actionReadsBody
	if s.trigger.kind != triggerEachRequest {
		if step {
			return errors.New("waiting and reading the request body are steps of the server's handler: begin the sentence with \"for each request,\"")
		}
		return nil
	}
	if s.trigger.event != "request" && (s.actor.kind == actorServerResponse || s.action.kind == actionReadsBody) {
		return fmt.Errorf("for each %s there is a request and its socket, no response and no body to read: write to the server request's socket", map[string]string{"upgrade": "upgrade", "connect": "CONNECT"}[s.trigger.event])
	}
	switch s.actor.kind {
	case actorServer, actorServerRequest, actorServerResponse:
	default:
		return fmt.Errorf("for each request, %s cannot act: the server, the server request, the server response and their sockets can", s.actor)
	}
	switch s.action.kind {
	case actionCalls, actionSets, actionReads, actionListens, actionMarks:
	case actionWaits, actionReadsBody:
		if s.actor.kind != actorServer {
			return fmt.Errorf("%s cannot wait or read the body: the server does (\"for each request, the server reads the request body\")", s.actor)
		}
	default:
		return errors.New("for each request, the handler calls, sets, reads, listens, marks, waits or reads the request body")
	}
	return nil
}

// addHandlerStep appends a "for each request" sentence to its server's
// handler script.
func (w *world) addHandlerStep(s *sentence) error {
	srv, err := w.namedServer(s.trigger.actor.server)
	if err != nil {
		return err
	}
	step := w.handlerStep(s)
	switch s.trigger.event {
	case "upgrade":
		srv.onUpgrade = append(srv.onUpgrade, step)
	case "connect":
		srv.onConnect = append(srv.onConnect, step)
	default:
		srv.script = append(srv.script, step)
	}
	return nil
}

// handles runs a server's handler in 'checkContinue' or
// 'checkExpectation' too, as server.on('checkContinue', handler) does.
func (w *world) handles(s *sentence) error {
	srv, err := w.namedServer(s.actor.server)
	if err != nil {
		return err
	}
	if s.action.event == "checkContinue" {
		srv.checkContinue = true
	} else {
		srv.checkExpect = true
	}
	return nil
}

// upgraded runs an 'upgrade' or 'connect' script on the request the
// server handed over with its socket.
func (w *world) upgraded(s *serverState, script []serverAction) func(httpcore.UpgradeRequest) {
	return func(u httpcore.UpgradeRequest) { runScript(worldNew(w, exchange{w: w, s: s, req: u.Req}), script) }
}

// namedServer is the server a "for each request" sentence means: a named
// one, or the default.
func (w *world) namedServer(name string) (*serverState, error) {
	if name == "" {
		return w.server()
	}
	for _, s := range w.servers {
		if s.name == name {
			return s, nil
		}
	}
	return nil, fmt.Errorf("there is no server %q yet: start with \"Given a server %q\"", name, name)
}

// handlerStep is what a handler step does for one request.
func (w *world) handlerStep(s *sentence) serverAction {
	// The sentence's own action, not a copy: the closures below would move
	// a copy to the heap on every call.
	a := &s.action
	switch a.kind {
	case actionWaits:
		return func(x *exchange, next func()) {
			switch {
			case a.until.event != "":
				w.waitUntil(s, x, next)
			case a.turn:
				w.loop().SetImmediate(next)
			case a.dur == 0:
				next()
			default:
				w.loop().SetTimeout(a.dur, next)
			}
		}
	case actionReadsBody:
		return func(x *exchange, next func()) {
			x.read()
			if x.req.ReadableEnded() {
				next()
				return
			}
			x.req.Events.End.Once(func(struct{}) { next() })
		}
	case actionMarks:
		if !a.refers() {
			return func(x *exchange, next func()) {
				w.markWith(s, nil)
				next()
			}
		}
	}
	return func(x *exchange, next func()) {
		t, err := w.inHand(s.actor, x)
		if err != nil {
			w.fail(fmt.Errorf("%q: %w", s.text, err))
			return
		}
		if a.kind == actionListens {
			if err := listen(t, s.actor.methodsKind(), a.event, true, nil); err != nil {
				w.fail(fmt.Errorf("%q: %w", s.text, err))
				return
			}
		} else {
			w.perform(s, t)
		}
		next()
	}
}

// waitUntil runs next at the first emission of the event a handler step
// waits for, from now on.
func (w *world) waitUntil(s *sentence, x *exchange, next func()) {
	u := s.action.until
	t, err := w.inHand(u.actor, x)
	if err == nil && u.actor.socket && t.socket() == nil {
		err = fmt.Errorf("%s has no socket yet", u.actor)
	}
	if err == nil {
		err = listen(t, u.actor.methodsKind(), u.event, false, next)
	}
	if err != nil {
		w.fail(fmt.Errorf("%q: %w", s.text, err))
	}
}

// inHand is the live object a handler step's actor names: the request in
// hand, its response, their socket, or a server.
func (w *world) inHand(a actor, x *exchange) (*target, error) {
	switch {
	case a.kind != actorServerRequest && a.kind != actorServerResponse:
		return w.resolve(a)
	case a.socket:
		return worldNew(w, target{sock: x.req.Socket()}), nil
	}
	return worldNew(w, target{x: x}), nil
}

// eachRequest runs a fixed sentence of the handler as the "for each
// request" grammar sentences it stands for, on the default server.
func (w *world) eachRequest(steps ...string) error {
	for _, step := range steps {
		if err := w.sugarOf(nil, "for each request, ", step); err != nil {
			return err
		}
	}
	return nil
}

// jsString writes s as a string literal of the grammar.
func jsString(s string) string { return `"` + jsEscaper.Replace(s) + `"` }

// jsEscaper is made once: a Replacer builds its lookup table on first use,
// which cost a sugar step more than the rest of its parse.
var jsEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\r", `\r`, "\n", `\n`, "\t", `\t`)
