package simnet

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
	// Ids are 32 bits to keep the emitter as small as the many idle
	// sockets need: an id is reused only after 2^32 more adds to the same
	// emitter, and only a listener that outlived all of them could be
	// removed by mistake.
	nextID   uint32
	live     int32 // listeners not removed
	emitting int32 // emissions running, nested ones included
	used     bool  // first holds a listener
	removed  bool  // some listener is marked and awaits compaction
}

type listener[T any] struct {
	fn   func(T)
	id   uint32
	once bool
	dead bool
}

// ListenerID names one listener of an Emitter, for Remove.
type ListenerID uint32

// On adds fn and returns a function that removes it again.
func (e *Emitter[T]) On(fn func(T)) (off func()) {
	id := e.add(fn, false)
	return func() { e.remove(id) }
}

// Once adds fn for the next emission only.
func (e *Emitter[T]) Once(fn func(T)) (off func()) {
	id := e.add(fn, true)
	return func() { e.remove(id) }
}

// Add adds fn as On does and returns its id for Remove, which unlike On's
// returned function costs no allocation.
func (e *Emitter[T]) Add(fn func(T)) ListenerID { return ListenerID(e.add(fn, false)) }

// AddOnce adds fn as Once does and returns its id for Remove.
func (e *Emitter[T]) AddOnce(fn func(T)) ListenerID { return ListenerID(e.add(fn, true)) }

// Remove removes the listener with id, if it is still there.
func (e *Emitter[T]) Remove(id ListenerID) { e.remove(uint32(id)) }

func (e *Emitter[T]) add(fn func(T), once bool) uint32 {
	e.nextID++
	l := listener[T]{fn: fn, id: e.nextID, once: once}
	if e.used {
		e.rest = append(e.rest, l)
	} else {
		e.first, e.used = l, true
	}
	e.live++
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
	for i, n := 0, e.held(); i < n; i++ {
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
	l.dead, l.fn = true, nil
	e.live--
	e.removed = true
}

// compact drops marked listeners, keeping the order of the rest, unless an
// emission is walking them.
func (e *Emitter[T]) compact() {
	if e.emitting > 0 || !e.removed {
		return
	}
	kept := e.rest[:0]
	for _, l := range e.rest {
		if !l.dead {
			kept = append(kept, l)
		}
	}
	clear(e.rest[len(kept):])
	e.rest, e.removed = kept, false
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
// removed during an emission is skipped for the rest of it.
func (e *Emitter[T]) Emit(v T) bool {
	n := e.held()
	if e.live == 0 {
		return false
	}
	e.emitting++
	// A listener may panic into the loop's uncaught-error handling; the
	// listeners must still be compacted after.
	defer e.endEmit()
	for i := 0; i < n; i++ {
		l := e.at(i)
		if l.dead {
			continue
		}
		fn := l.fn
		if l.once {
			e.kill(l)
		}
		fn(v)
	}
	return true
}

func (e *Emitter[T]) endEmit() {
	e.emitting--
	e.compact()
}

// ListenerCount is Node's emitter.listenerCount(event).
func (e *Emitter[T]) ListenerCount() int { return int(e.live) }

// RemoveAll drops every listener.
func (e *Emitter[T]) RemoveAll() {
	for i, n := 0, e.held(); i < n; i++ {
		if l := e.at(i); !l.dead {
			e.kill(l)
		}
	}
	e.compact()
}
