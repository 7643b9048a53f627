package features

import (
	"fmt"
	"strings"
)

// A mark can carry details read from the world at its moment:
// `<actor> marks "<name>" with {<key>: <value>, ...}`, each value a
// literal or `its <property>`, `its <property>["<key>"]` or
// `its socket's <property>`, read from the acting object as
// "<actor> reads" would.

// reference is `its [socket's ]<property>[["<key>"]]` in a mark's details.
type reference struct {
	socket bool   // the property is its socket's
	prop   string // a property of propertiesOf
	key    string // an entry of an object property ("" for the whole)
	index  bool
}

// reference reads a reference after "its"; only a mark's details hold
// them.
func (p *literalParser) reference() (value, error) {
	if !p.refs {
		return value{}, p.errorf("its names a property of the acting object, and only a mark's details can read one (marks \"<name>\" with {<key>: its <property>})")
	}
	r := &reference{}
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

// checkDetail checks that each reference of a mark names a property the
// actor has.
func (s *sentence) checkDetail() error {
	a := s.actor
	for i, it := range s.action.detail.items {
		if it.kind != vRef {
			continue
		}
		r := it.ref
		if a.kind == actorClient || a.kind == actorNetwork {
			return fmt.Errorf("%s marks %q: %s has no properties to read (name the object: request #1, the agent, ...)", a, s.action.text, a)
		}
		kind := a.methodsKind()
		if r.socket {
			if kind == actorSocket || a.kind == actorServer || a.kind == actorAgent {
				return fmt.Errorf("%s marks %q: %s has no socket of its own to read", a, s.action.text, a)
			}
			kind = actorSocket
		}
		if propertiesOf[kind][r.prop] == nil {
			return fmt.Errorf("%s marks %q: %s: %s has no property %s (it has %s)", a, s.action.text, s.action.detail.keys[i], kind, r.prop, strings.Join(settable(kind, false), ", "))
		}
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
		r, kind, on := it.ref, s.actor.methodsKind(), t
		if r.socket {
			kind, on = actorSocket, &target{sock: t.socket()}
			if on.sock == nil {
				w.fail(fmt.Errorf("%q: %s has no socket yet", s.text, s.actor))
				return
			}
		}
		v := propertiesOf[kind][r.prop].get(on)
		if r.index {
			m, ok := v.(map[string]any)
			if !ok {
				w.fail(fmt.Errorf("%q: its %s is not an object to index", s.text, r.prop))
				return
			}
			// An absent entry is undefined in Node, which JSON leaves out.
			if v, ok = m[r.key]; !ok {
				continue
			}
		}
		detail[k] = v
	}
	w.mark(s.action.text, detail)
}
