package simnet

// Emitter is one typed Node-style event: listeners run synchronously, in the
// order they were added, each time Emit is called.
//
// Listeners are kept by value, so adding one allocates nothing once the
// slice has grown: a removed listener is marked and the slice is compacted
// in place when no emission is running, which keeps the indices an
// emission walks stable.
type Emitter[T any] struct {
	ls       []listener[T]
	nextID   uint64
	live     int  // listeners not removed
	emitting int  // emissions running, nested ones included
	removed  bool // some listener is marked and awaits compaction
}

type listener[T any] struct {
	fn   func(T)
	id   uint64
	once bool
	dead bool
}

// On adds fn and returns a function that removes it again.
func (e *Emitter[T]) On(fn func(T)) (off func()) { return e.add(fn, false) }

// Once adds fn for the next emission only.
func (e *Emitter[T]) Once(fn func(T)) (off func()) { return e.add(fn, true) }

func (e *Emitter[T]) add(fn func(T), once bool) func() {
	e.nextID++
	id := e.nextID
	e.ls = append(e.ls, listener[T]{fn: fn, id: id, once: once})
	e.live++
	return func() { e.remove(id) }
}

// remove marks the listener with id, if it is still there.
func (e *Emitter[T]) remove(id uint64) {
	for i := range e.ls {
		if l := &e.ls[i]; l.id == id {
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
// emission is walking the slice.
func (e *Emitter[T]) compact() {
	if e.emitting > 0 || !e.removed {
		return
	}
	kept := e.ls[:0]
	for _, l := range e.ls {
		if !l.dead {
			kept = append(kept, l)
		}
	}
	clear(e.ls[len(kept):])
	e.ls, e.removed = kept, false
}

// Emit calls every listener with v and reports whether there was any. As in
// Node, a listener added during an emission does not run in it. Unlike Node,
// which calls every listener present when the emission began, a listener
// removed during an emission is skipped for the rest of it.
func (e *Emitter[T]) Emit(v T) bool {
	n := len(e.ls)
	if e.live == 0 {
		return false
	}
	e.emitting++
	// A listener may panic into the loop's uncaught-error handling; the
	// slice must still be compacted after.
	defer e.endEmit()
	for i := 0; i < n; i++ {
		l := &e.ls[i]
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
func (e *Emitter[T]) ListenerCount() int { return e.live }

// RemoveAll drops every listener.
func (e *Emitter[T]) RemoveAll() {
	for i := range e.ls {
		if l := &e.ls[i]; !l.dead {
			e.kill(l)
		}
	}
	e.compact()
}
