package features

import (
	"errors"
	"fmt"
	"regexp"
)

// "every request" and "every response" act on each request the client
// makes and each response it gets, as each is made: settings of the test
// client that hold for all of them ("every request does not listen for
// 'response'"), or calls each one makes.

var everyRe = regexp.MustCompile(`^every (request|response)`)

// parseEvery reads "every request" or "every response" at the start of
// text; ok says it is there.
func parseEvery(text string) (a actor, rest string, ok bool) {
	m := everyRe.FindStringSubmatch(text)
	if m == nil {
		return actor{}, text, false
	}
	a = actor{kind: actorRequest, every: true}
	if m[1] == "response" {
		a.kind = actorResponse
	}
	return a, text[len(m[0]):], true
}

// checkEvery checks what every request or response can do, and "it",
// the object of a trigger on every request or response.
func (s *sentence) checkEvery() error {
	if s.trigger.actor.every {
		if s.trigger.kind != triggerEvent {
			return fmt.Errorf("the trigger: %s has no one moment; wait for its events (\"on 'end' of every response, it marks ...\")", s.trigger.actor)
		}
		if s.action.kind == actionSendsAgain && s.trigger.actor.kind == actorRequest {
			return nil
		}
		if !s.actor.it {
			return fmt.Errorf("the trigger names %s: the one that emitted acts, as \"it\" (\"on 'end' of every response, it marks ...\"), or the client sends it again", s.trigger.actor)
		}
		switch s.action.kind {
		case actionCalls, actionSets, actionReads, actionMarks:
			return nil
		}
		return errors.New("it calls, sets, reads or marks")
	}
	if s.actor.it || s.action.kind == actionSendsAgain {
		return errors.New("\"it\" is the object of a trigger on every request or response (\"on 'socket' of every request, it marks ...\")")
	}
	if !s.actor.every {
		return nil
	}
	if s.trigger.kind != triggerNone {
		return fmt.Errorf("%s acts as each one is made: drop the trigger, or wait for the events of each (\"on 'end' of every response, it ...\")", s.actor)
	}
	switch s.action.kind {
	case actionCalls, actionSets, actionListens, actionNoListen, actionMarks:
		return nil
	}
	return fmt.Errorf("%s calls, sets, listens, does not listen or marks", s.actor)
}

// addOnEvery wires a sentence whose trigger names every request or
// response: each one, as it is made, gets the trigger's listener, in
// which it acts itself.
func (w *world) addOnEvery(s *sentence) {
	t := &s.trigger
	w.onEach(t.actor.kind, func(tg *target) {
		act := func() {
			switch {
			case !w.holds(s, tg):
			case s.action.kind == actionSendsAgain:
				w.sendAgain(tg.req)
			default:
				w.perform(s, tg)
			}
		}
		fire := nthOnly(t.nth, w.deferred(t, act))
		if err := listen(tg, t.actor.kind, t.event, t.every || t.nth > 1, fire); err != nil {
			w.fail(fmt.Errorf("%q: %w", s.text, err))
		}
	})
}

// addEvery wires a sentence of every request or response: it runs on each
// one as it is made, before the sentences naming that one.
func (w *world) addEvery(s *sentence) error {
	a := s.actor
	switch s.action.kind {
	case actionNoListen:
		return w.addListenerChoice(s)
	case actionListens:
		w.onEach(a.kind, func(t *target) {
			if err := listen(t, a.kind, s.action.event, true, nil); err != nil {
				w.fail(fmt.Errorf("%q: %w", s.text, err))
			}
		})
	case actionMarks:
		w.onEach(a.kind, func(t *target) { w.markWith(s, t) })
	case actionCalls, actionSets:
		w.onEach(a.kind, func(t *target) { w.perform(s, t) })
	default:
		return errors.New("every request or response cannot do that")
	}
	return nil
}

// onEach runs fn on each object of kind as it is born.
func (w *world) onEach(kind actorKind, fn func(*target)) {
	r := &w.gram.reg
	if r.each == nil {
		r.each = map[actorKind][]func(*target){}
	}
	r.each[kind] = append(r.each[kind], fn)
}

// sendAgain makes a request again as it was described, as Node's
// documented retry does: its method, path, server, headers and body.
func (w *world) sendAgain(r *reqState) {
	sp := r.spec
	w.makeRequest(worldNew(w, requestSpec{method: sp.method, path: sp.path, server: sp.server, headers: sp.headers, body: sp.body}))
}
