package simnet

// Emitter is one typed Node-style event: listeners run synchronously, in the
// order they were added, each time Emit is called.
type Emitter[T any] struct {
	ls []*listener[T]
}

type listener[T any] struct {
	fn   func(T)
	once bool
	dead bool
}

// On adds fn and returns a function that removes it again.
func (e *Emitter[T]) On(fn func(T)) (off func()) { return e.add(fn, false) }

// Once adds fn for the next emission only.
func (e *Emitter[T]) Once(fn func(T)) (off func()) { return e.add(fn, true) }

func (e *Emitter[T]) add(fn func(T), once bool) func() {
	l := &listener[T]{fn: fn, once: once}
	e.ls = append(e.ls, l)
	return func() { e.remove(l) }
}

func (e *Emitter[T]) remove(l *listener[T]) {
	l.dead = true
	for i, x := range e.ls {
		if x == l {
			e.ls = append(e.ls[:i:i], e.ls[i+1:]...)
			return
		}
	}
}

// Emit calls every listener with v and reports whether there was any. As in
// Node, a listener added during an emission does not run in it. Unlike Node,
// which calls every listener present when the emission began, a listener
// removed during an emission is skipped for the rest of it.
func (e *Emitter[T]) Emit(v T) bool {
	if len(e.ls) == 0 {
		return false
	}
	snapshot := e.ls
	for _, l := range snapshot {
		if l.dead {
			continue
		}
		if l.once {
			e.remove(l)
		}
		l.fn(v)
	}
	return true
}

// ListenerCount is Node's emitter.listenerCount(event).
func (e *Emitter[T]) ListenerCount() int { return len(e.ls) }

// RemoveAll drops every listener.
func (e *Emitter[T]) RemoveAll() {
	for _, l := range e.ls {
		l.dead = true
	}
	e.ls = nil
}
