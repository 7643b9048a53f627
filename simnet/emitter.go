package simnet

import "fmt"

// Emitter is one typed Node-style event: listeners run synchronously, in the
// order they were added, each time Emit is called.
//
// Listeners are kept by value, the oldest inline and the others behind one
// pointer made when a second is first added, so an emitter with one
// listener allocates nothing and takes 40 bytes: every request object and
// idle socket holds several. Adding more allocates nothing once their slice
// has grown: a removed listener is marked and the listeners are compacted
// in place when no emission is running, which keeps the indices an
// emission walks stable.
type Emitter[T any] struct {
	first listener[T]       // the oldest listener; its id is 0 when there is none
	more  *moreListeners[T] // the others, once a second has been added
	// The counters are small to keep the emitter at 40 bytes: ids step
	// by 4, so an id is reused only after 2^30 more adds to the same
	// emitter, and only a listener that outlived all of them could be
	// removed by mistake.
	nextID   uint32
	emitting uint16 // emissions running, nested ones included
	removed  bool   // some listener is marked and awaits compaction
}

// moreListeners are the listeners after the oldest: one, then rest, oldest
// first. one is made with the pointer, so a second listener, as a
// response's 'end' has, costs one allocation; a free one is marked dead.
type moreListeners[T any] struct {
	one  listener[T]
	rest []listener[T]
}

// maxNesting bounds emissions of one emitter running inside each other;
// deeper is a runaway recursion. Go's own stack limit (1 GB) is far off at
// this depth and, unlike JavaScript's, ends the process uncatchably, so
// the bound stands in for it; the counter holding it is a uint16.
const maxNesting = 1<<16 - 1

type listener[T any] struct {
	h    Handler[T]
	id   uint32 // onceBit marks a listener for one emission only
	dead bool
}

// The low bits of an id, which add takes as its kind: bit 1 is always set,
// so no id is 0, which callers keep for none; bit 0 marks a once listener.
const (
	kindOn   = 2
	kindOnce = 3
	onceBit  = 1
)

// Handler is a listener as a value: a pointer type with a Handle method
// listens without the closure a func listener costs per object.
type Handler[T any] interface{ Handle(T) }

// HandlerFunc is a func listener as a Handler.
type HandlerFunc[T any] func(T)

// Handle calls f(v).
func (f HandlerFunc[T]) Handle(v T) { f(v) }

// ListenerID names one listener of an Emitter, for Remove; it is never 0.
type ListenerID uint32

// On adds fn and returns a function that removes it again.
func (e *Emitter[T]) On(fn func(T)) (off func()) {
	id := e.add(HandlerFunc[T](fn), kindOn)
	return func() { e.remove(id) }
}

// Once adds fn for the next emission only.
func (e *Emitter[T]) Once(fn func(T)) (off func()) {
	id := e.add(HandlerFunc[T](fn), kindOnce)
	return func() { e.remove(id) }
}

// Add adds h as On adds a func and returns its id for Remove; unlike On,
// it allocates nothing once the emitter has room.
func (e *Emitter[T]) Add(h Handler[T]) ListenerID { return ListenerID(e.add(h, kindOn)) }

// AddOnce adds h for the next emission only, as Once does.
func (e *Emitter[T]) AddOnce(h Handler[T]) ListenerID { return ListenerID(e.add(h, kindOnce)) }

// AddIn adds h as Add does, for an emitter of an object of l's world: a
// second listener's slot comes from the world's spares when it has them,
// as [Alloc]'s objects do, where made afresh it was garbage once the
// world passed.
func (e *Emitter[T]) AddIn(l *Loop, h Handler[T]) ListenerID {
	if e.more == nil && e.first.id != 0 && l.spares != nil {
		return e.addMore(l, h)
	}
	return ListenerID(e.add(h, kindOn))
}

// addMore is AddIn of a second listener, its slot from l's spares.
func (e *Emitter[T]) addMore(l *Loop, h Handler[T]) ListenerID {
	e.nextID += 4
	m := Alloc[moreListeners[T]](l)
	m.one = listener[T]{h: h, id: e.nextID | kindOn}
	e.more = m
	return ListenerID(m.one.id)
}

// Remove removes the listener with id, if it is still there.
func (e *Emitter[T]) Remove(id ListenerID) { e.remove(uint32(id)) }

// add adds h as the newest listener and returns its id. It must stay small
// enough to inline into On and Once (a cost of 50 in Go's inliner, which
// leaves On at its budget of 80), or the function they return costs an
// allocation even when dropped: hence the kind folded into the id, not a
// flag of its own, and the new pointer filled in one literal.
func (e *Emitter[T]) add(h Handler[T], kind uint32) uint32 {
	e.nextID += 4
	l := listener[T]{h: h, id: e.nextID | kind}
	if e.first.id == 0 {
		e.first = l
	} else if e.more == nil {
		e.more = &moreListeners[T]{one: l}
	} else {
		e.more.rest = append(e.more.rest, l)
	}
	return l.id
}

// held is how many listener slots are in use, marked and free ones
// included: the oldest, then one and rest once more is made.
func (e *Emitter[T]) held() int {
	if e.first.id == 0 {
		return 0
	}
	if e.more == nil {
		return 1
	}
	return 2 + len(e.more.rest)
}

func (e *Emitter[T]) at(i int) *listener[T] {
	switch i {
	case 0:
		return &e.first
	case 1:
		return &e.more.one
	}
	return &e.more.rest[i-2]
}

// remove marks the listener with id, if it is still there.
func (e *Emitter[T]) remove(id uint32) {
	// From the newest: the one removed is most often the newest, as when
	// a keep-alive request leaves its socket.
	n := e.held()
	for i := n - 1; i >= 0; i-- {
		l := e.at(i)
		if l.id != id {
			continue
		}
		if l.dead {
			return
		}
		if e.emitting == 0 && i == n-1 {
			// Outside an emission no listener is marked, so dropping
			// the newest is what compact would do.
			e.dropNewest(i)
			return
		}
		e.kill(l)
		e.compact()
		return
	}
}

// dropNewest frees slot i, the newest, outside an emission.
func (e *Emitter[T]) dropNewest(i int) {
	switch i {
	case 0:
		e.first = listener[T]{}
	case 1:
		e.more.one = listener[T]{dead: true}
	default:
		e.more.rest[i-2] = listener[T]{}
		e.more.rest = e.more.rest[:i-2]
	}
}

func (e *Emitter[T]) kill(l *listener[T]) {
	l.dead, l.h = true, nil
	e.removed = true
}

// compact drops marked listeners, keeping the order of the rest, unless an
// emission is walking them.
func (e *Emitter[T]) compact() {
	if e.emitting > 0 || !e.removed {
		return
	}
	e.removed = false
	n := e.held()
	kept := 0
	for i := 0; i < n; i++ {
		if l := e.at(i); !l.dead {
			if kept != i {
				*e.at(kept) = *l
			}
			kept++
		}
	}
	if kept == 0 {
		e.first = listener[T]{}
	}
	m := e.more
	if m == nil {
		return
	}
	if kept < 2 {
		m.one = listener[T]{dead: true}
	}
	// The vacated slots of rest are cleared one by one: clear() calls
	// into the runtime even for none, and a keep-alive GET compacts
	// emitters whose rest is empty or one long.
	left := max(kept-2, 0)
	for i := left; i < len(m.rest); i++ {
		m.rest[i] = listener[T]{}
	}
	m.rest = m.rest[:left]
}

// Emit calls every listener with v and reports whether there was any. As in
// Node, a listener added during an emission does not run in it. Unlike Node,
// which calls every listener present when the emission began, a listener
// removed during an emission is skipped for the rest of it. Past 65,535
// emissions of one emitter nested in each other Emit panics with an
// *Error matching ErrMaxCallStack.
func (e *Emitter[T]) Emit(v T) bool {
	// Small enough to inline, so an event nobody listens to, as most of
	// a keep-alive GET's are, costs its emitter one test, not a call.
	if e.first.id == 0 {
		return false
	}
	return e.emit(v)
}

func (e *Emitter[T]) emit(v T) bool {
	if e.more == nil {
		// One listener, as nearly every event of an exchange has: it is
		// first, and there is nothing to walk to find or call it.
		l := &e.first
		if l.dead {
			return false
		}
		e.enter()
		defer e.endEmit()
		h := l.h
		if l.id&onceBit != 0 {
			e.kill(l)
		}
		h.Handle(v)
		return true
	}
	n := e.held()
	if !e.anyLive(n) {
		return false
	}
	e.enter()
	// A listener may panic into the loop's uncaught-error handling; the
	// listeners must still be compacted after.
	defer e.endEmit()
	for i := 0; i < n; i++ {
		l := e.at(i)
		if l.dead {
			continue
		}
		h := l.h
		if l.id&onceBit != 0 {
			e.kill(l)
		}
		h.Handle(v)
	}
	return true
}

// enter counts an emission starting, or panics when it would nest too
// deep; the panic is made elsewhere, so enter stays small enough to inline.
func (e *Emitter[T]) enter() {
	if e.emitting == maxNesting {
		tooDeep(e.emitting)
	}
	e.emitting++
}

func tooDeep(nested uint16) {
	panic(&Error{Code: ErrMaxCallStack.Code,
		Message: fmt.Sprintf("%s: %d emissions of one event nested in each other", ErrMaxCallStack.Message, nested)})
}

func (e *Emitter[T]) endEmit() {
	e.emitting--
	if e.removed {
		e.compact()
	}
}

// ListenerCount is Node's emitter.listenerCount(event).
func (e *Emitter[T]) ListenerCount() int {
	live := 0
	for i, n := 0, e.held(); i < n; i++ {
		if !e.at(i).dead {
			live++
		}
	}
	return live
}

// anyLive reports whether one of the first n listeners was not removed;
// outside an emission none but a free one is marked, so it looks at the
// oldest only.
func (e *Emitter[T]) anyLive(n int) bool {
	for i := 0; i < n; i++ {
		if !e.at(i).dead {
			return true
		}
	}
	return false
}

// RemoveAll drops every listener.
func (e *Emitter[T]) RemoveAll() {
	for i, n := 0, e.held(); i < n; i++ {
		if l := e.at(i); !l.dead {
			e.kill(l)
		}
	}
	e.compact()
}
