package features

import (
	"errors"
	"fmt"
	"strings"
)

// A mark can carry details read from the world at its moment:
// `<actor> marks "<name>" with {<key>: <value>, ...}`, each value a
// literal or `its <property>`, `its <property>["<key>"]` or
// `its socket's <property>`, read from the acting object as
// "<actor> reads" would.

// reference is `its [socket's ]<property>[["<key>"]]` or `the error's
// <property>` in a mark's details or a trigger's condition.
type reference struct {
	err    bool   // a property of the error the request emitted
	socket bool   // the property is its socket's
	prop   string // a property of propertiesOf
	key    string // an entry of an object property ("" for the whole)
	index  bool
}

// reference reads a reference after "its" or "the error's"; only a mark's
// details and a trigger's condition hold them.
func (p *literalParser) reference(ofError bool) (value, error) {
	if !p.refs {
		return value{}, p.errorf("its names a property of the acting object, and only a mark's details or a condition can read one (marks \"<name>\" with {<key>: its <property>})")
	}
	r := &reference{err: ofError}
	if ofError {
		if r.prop = p.ident(); errorProperties[r.prop] == nil {
			return value{}, p.errorf("the error has code and message, not %q", r.prop)
		}
		return value{kind: vRef, ref: r}, nil
	}
	if p.eat("socket's ") {
		r.socket = true
	}
	if r.prop = p.ident(); r.prop == "" {
		return value{}, p.errorf("want a property after its")
	}
	if p.eat("[") {
		p.space()
		if p.pos >= len(p.s) || p.s[p.pos] != '"' && p.s[p.pos] != '\'' {
			return value{}, p.errorf("want a quoted key in its %s[...]", r.prop)
		}
		k, err := p.quoted()
		if err != nil {
			return value{}, err
		}
		if !p.eat("]") {
			return value{}, p.errorf("want ] after the key %q", k)
		}
		r.key, r.index = k, true
	}
	return value{kind: vRef, ref: r}, nil
}

// parseDetail reads a mark's details: an object whose values may be
// references.
func parseDetail(s string) (value, error) {
	p := &literalParser{s: s, refs: true}
	v, err := p.value()
	if err == nil && v.kind != vObject {
		err = fmt.Errorf("want an object {<key>: <value>, ...}, got %s", v.src)
	}
	if err != nil {
		return v, err
	}
	p.space()
	if p.pos != len(p.s) {
		return v, p.errorf("unexpected text after the details")
	}
	return v, nil
}

// refers reports whether a mark's details read from the acting object.
func (a *action) refers() bool {
	for _, it := range a.detail.items {
		if it.kind == vRef {
			return true
		}
	}
	return false
}

// checkDetail checks that each reference of a mark or a condition names
// a property the object it reads has.
func (s *sentence) checkDetail() error {
	if len(s.trigger.cond) > 0 && !s.trigger.actor.every {
		return errors.New("the condition: only a trigger on every request or response holds one (\"on 'error' of every request, if its reusedSocket is true, ...\")")
	}
	for _, c := range s.trigger.cond {
		if err := s.checkRef(c.ref.ref, s.trigger.actor, "the condition"); err != nil {
			return err
		}
	}
	for i, it := range s.action.detail.items {
		if it.kind != vRef {
			continue
		}
		if err := s.checkRef(it.ref, s.actor, fmt.Sprintf("%s marks %q: %s", s.actor, s.action.text, s.action.detail.keys[i])); err != nil {
			return err
		}
	}
	return nil
}

// checkRef checks one reference read from a's object; where says which
// part of the sentence holds it.
func (s *sentence) checkRef(r *reference, a actor, where string) error {
	if r.err {
		if s.trigger.kind != triggerEvent || s.trigger.event != "error" || s.trigger.actor.kind != actorRequest || s.trigger.actor.socket ||
			a.socket || !a.it && a.key() != s.trigger.actor.key() {
			return fmt.Errorf("%s: the error is the one of a request's 'error' that the request itself handles (\"on 'error' of every request, if the error's code is ...\")", where)
		}
		return nil
	}
	if a.kind == actorClient || a.kind == actorNetwork {
		return fmt.Errorf("%s: %s has no properties to read (name the object: request #1, the agent, ...)", where, a)
	}
	kind := a.methodsKind()
	if r.socket {
		if kind == actorSocket || a.kind == actorServer || a.kind == actorAgent {
			return fmt.Errorf("%s: %s has no socket of its own to read", where, a)
		}
		kind = actorSocket
	}
	if propertiesOf[kind][r.prop] == nil {
		return fmt.Errorf("%s: %s has no property %s (it has %s)", where, kind, r.prop, strings.Join(settable(kind, false), ", "))
	}
	return nil
}

// markWith puts the sentence's mark in the trace, its details read from
// t, the acting object (nil for the client and the network).
func (w *world) markWith(s *sentence, t *target) {
	d := s.action.detail
	if d.kind != vObject {
		w.mark(s.action.text, nil)
		return
	}
	detail := make(map[string]any, len(d.keys))
	for i, k := range d.keys {
		it := d.items[i]
		if it.kind != vRef {
			detail[k] = it.plain()
			continue
		}
		v, ok := w.read(s, t, s.actor.methodsKind(), it.ref)
		if !ok {
			continue
		}
		detail[k] = v
	}
	w.mark(s.action.text, detail)
}

// read is what a reference reads now from t, an object of kind; false
// when there is nothing to read (an absent entry, which JSON leaves out
// as undefined) or it failed the scenario.
func (w *world) read(s *sentence, t *target, kind actorKind, r *reference) (any, bool) {
	if r.err {
		if t.req.err == nil {
			return nil, false
		}
		return errorProperties[r.prop](t.req.err), true
	}
	on := t
	if r.socket {
		kind, on = actorSocket, worldNew(w, target{sock: t.socket()})
		if on.sock == nil {
			w.fail(fmt.Errorf("%q: %s has no socket yet", s.text, s.actor))
			return nil, false
		}
	}
	v := propertiesOf[kind][r.prop].get(on)
	if !r.index {
		return v, true
	}
	m, ok := v.(map[string]any)
	if !ok {
		w.fail(fmt.Errorf("%q: its %s is not an object to index", s.text, r.prop))
		return nil, false
	}
	v, ok = m[r.key]
	return v, ok
}
