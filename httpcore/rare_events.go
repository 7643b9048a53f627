package httpcore

import "github.com/simhttp/simhttp/simnet"

// rareEvents holds a message's events that few programs listen to (or
// its state that few set), made on first use: every message is zeroed
// with its events, and most never need these, so until asked for they
// cost one nil pointer.
type rareEvents[T any] struct {
	made *T // nil until one of them is asked for
}

// get returns the events, making them the first time; a caller adding a
// listener or asking for a count goes through here.
func (r *rareEvents[T]) get() *T {
	if r.made == nil {
		r.made = new(T)
	}
	return r.made
}

// ifMade returns the events, or nil when nobody asked for them: emitting
// one nobody asked for reaches no listener, so the emitter skips it.
func (r *rareEvents[T]) ifMade() *T { return r.made }

// makeIn makes the events at once when l's world has spares, from them: a
// sweep's test client listens to every event of its requests and
// responses, so each asked for them, and made on first use they were
// garbage once the world passed, where the spares make them the next
// world's. Made unasked they act as never made: nothing listens.
func (r *rareEvents[T]) makeIn(l *simnet.Loop) {
	if l.HasSpares() {
		r.made = simnet.Alloc[T](l)
	}
}
