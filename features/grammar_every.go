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

// checkEvery checks what every request or response can do.
func (s *sentence) checkEvery() error {
	if s.trigger.actor.every {
		return fmt.Errorf("the trigger: name one object, not %s (\"on 'socket' of request #1\")", s.trigger.actor)
	}
	if !s.actor.every {
		return nil
	}
	if s.trigger.kind != triggerNone {
		return fmt.Errorf("%s acts as each one is made: drop the trigger", s.actor)
	}
	switch s.action.kind {
	case actionCalls, actionSets, actionListens, actionNoListen, actionMarks:
		return nil
	}
	return fmt.Errorf("%s calls, sets, listens, does not listen or marks", s.actor)
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
		w.onEach(a.kind, func(*target) { w.mark(s.action.text, nil) })
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
