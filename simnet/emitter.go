package simnet

import "fmt"

// Emitter is one typed Node-style event: listeners run synchronously, in the
// order they were added, each time Emit is called.
//
// Listeners are kept by value, the oldest inline, so an emitter with one
// listener allocates nothing and adding more allocates nothing once the
// slice has grown: a removed listener is marked and the listeners are
// compacted in place when no emission is running, which keeps the indices
// an emission walks stable.
type Emitter[T any] struct {
	first listener[T]   // the oldest listener, when there is one
	rest  []listener[T] // the others, oldest first; empty when first is unused
	// The counters are small to keep the emitter at 56 bytes, as many idle
	// sockets each hold ten: an id is reused only after 2^31 more adds to
	// the same emitter, and only a listener that outlived all of them
	// could be removed by mistake.
	nextID   uint32
	emitting uint16 // emissions running, nested ones included
	used     bool   // first holds a listener, live or marked
	removed  bool   // some listener is marked and awaits compaction
}

// maxNesting bounds emissions of one emitter running inside each other;
// deeper is a runaway recursion. Go's own stack limit (1 GB) is far off at
// this depth and, unlike JavaScript's, ends the process uncatchably, so
// the bound stands in for it; the counter holding it is a uint16.
const maxNesting = 1<<16 - 1

type listener[T any] struct {
	h    Handler[T]
	id   uint32
	once bool
	dead bool
}

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
	id := e.add(HandlerFunc[T](fn), false)
	return func() { e.remove(id) }
}

// Once adds fn for the next emission only.
func (e *Emitter[T]) Once(fn func(T)) (off func()) {
	id := e.add(HandlerFunc[T](fn), true)
	return func() { e.remove(id) }
}

// Add adds h as On adds a func and returns its id for Remove; unlike On,
// it allocates nothing once the emitter has room.
func (e *Emitter[T]) Add(h Handler[T]) ListenerID { return ListenerID(e.add(h, false)) }

// AddOnce adds h for the next emission only, as Once does.
func (e *Emitter[T]) AddOnce(h Handler[T]) ListenerID { return ListenerID(e.add(h, true)) }

// Remove removes the listener with id, if it is still there.
func (e *Emitter[T]) Remove(id ListenerID) { e.remove(uint32(id)) }

func (e *Emitter[T]) add(h Handler[T], once bool) uint32 {
	// Odd ids are never 0, which callers keep for none, and cost no
	// branch: add must stay small enough to inline into On and Once, or
	// the function they return costs an allocation even when dropped.
	e.nextID++
	l := listener[T]{h: h, id: e.nextID<<1 | 1, once: once}
	if e.used {
		e.rest = append(e.rest, l)
	} else {
		e.first, e.used = l, true
	}
	return l.id
}

// held is how many listeners are kept, marked ones included.
func (e *Emitter[T]) held() int {
	if !e.used {
		return 0
	}
	return 1 + len(e.rest)
}

func (e *Emitter[T]) at(i int) *listener[T] {
	if i == 0 {
		return &e.first
	}
	return &e.rest[i-1]
}

// remove marks the listener with id, if it is still there.
func (e *Emitter[T]) remove(id uint32) {
	if e.emitting == 0 {
		// Outside an emission no listener is marked, and the one removed
		// is most often the newest, as when a keep-alive request leaves
		// its socket: dropping the last slot is what compact would do.
		if last := len(e.rest) - 1; last >= 0 {
			if e.rest[last].id == id {
				e.rest[last] = listener[T]{}
				e.rest = e.rest[:last]
				return
			}
		} else if e.used && e.first.id == id {
			e.first, e.used = listener[T]{}, false
			return
		}
	}
	n := e.held()
	for i := 0; i < n; i++ {
		if l := e.at(i); l.id == id {
			if !l.dead {
				e.kill(l)
				e.compact()
			}
			return
		}
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
	if len(e.rest) > 0 {
		// Moved down and the vacated slots cleared one by one: clear()
		// calls into the runtime even for none, and a keep-alive GET
		// compacts emitters whose rest is empty or one long.
		kept := 0
		for i := range e.rest {
			if !e.rest[i].dead {
				if kept != i {
					e.rest[kept] = e.rest[i]
				}
				kept++
			}
		}
		for i := kept; i < len(e.rest); i++ {
			e.rest[i] = listener[T]{}
		}
		e.rest = e.rest[:kept]
	}
	if !e.first.dead {
		return
	}
	if len(e.rest) == 0 {
		e.first, e.used = listener[T]{}, false
		return
	}
	e.first = e.rest[0]
	n := copy(e.rest, e.rest[1:])
	e.rest[n] = listener[T]{}
	e.rest = e.rest[:n]
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
	if !e.used {
		return false
	}
	return e.emit(v)
}

func (e *Emitter[T]) emit(v T) bool {
	if len(e.rest) == 0 {
		// One listener, as nearly every event of an exchange has: it is
		// first, and there is nothing to walk to find or call it.
		l := &e.first
		if l.dead {
			return false
		}
		e.enter()
		defer e.endEmit()
		h := l.h
		if l.once {
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
		if l.once {
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
// outside an emission none is marked, so it looks at the first only.
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
