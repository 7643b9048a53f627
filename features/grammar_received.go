package features

import (
	"fmt"

	"github.com/cucumber/godog"

	"github.com/simhttp/simhttp/simnet"
)

// Two triggers wait for something other than an event: "when request #N
// is made" runs right after http.request() returns, before end(), and
// "when raw client #N has received "<text>"" runs once the bytes the raw
// client received contain the text, as a program reading a socket would
// answer what it has read.

// setMadeOrReceived sets the trigger of "when <actor> is made" or "when
// <actor> has received "<text>"" (verb is the verb as written, text its
// quoted text).
func (t *trigger) setMadeOrReceived(a actor, verb, text string) error {
	if verb == "is made" {
		if a.kind != actorRequest || a.socket {
			return fmt.Errorf("only a request is made, not %s", a)
		}
		t.kind, t.actor = triggerBirth, a
		return nil
	}
	if a.kind != actorRaw {
		return fmt.Errorf("only a raw client tells what it has received, not %s", a)
	}
	if text == "" {
		return fmt.Errorf("%s has received \"\": name the text it waits for", a)
	}
	t.kind, t.actor, t.text = triggerBytes, a, simnet.Unescape(text)
	return nil
}

// addOnReceived runs a sentence once its raw client has received the
// trigger's text; the raw client must have been described before.
func (w *world) addOnReceived(s *sentence, table *godog.Table) error {
	t := s.trigger
	if t.actor.n > len(w.client.raws) {
		return fmt.Errorf("%s: describe it (\"raw client #%d connects ...\") before what it receives", t.actor, t.actor.n)
	}
	act, err := w.actionOf(s, table)
	if err != nil {
		return err
	}
	fire := act
	switch {
	case t.turn:
		fire = func() { w.loop().SetImmediate(act) }
	case t.delay > 0:
		fire = func() { w.loop().SetTimeout(t.delay, act) }
	}
	rc := w.client.raws[t.actor.n-1]
	rc.replies = append(rc.replies, rawReply{when: t.text, run: fire})
	return nil
}
