package httpcore

// The lists a keep-alive exchange shifts and empties - an agent's sockets
// by origin, its free parsers, a server connection's incoming requests, a
// message's waiting output - hold one or two entries. slices.Delete and
// clear zero what they drop with memclrHasPointers, a call through the
// write barrier's bulk pass of about 50 instructions; these zero a slot
// with a plain store instead.

// deleteAt is slices.Delete(s, i, i+1).
func deleteAt[S ~[]E, E any](s S, i int) S {
	last := len(s) - 1
	if i < last {
		copy(s[i:], s[i+1:])
	}
	var zero E
	s[last] = zero
	return s[:last]
}

// zeroAll is clear(s). It runs backwards: Go compiles the forward loop
// `for i := range s { s[i] = zero }` into the very memclrHasPointers call
// it is here to avoid.
func zeroAll[S ~[]E, E any](s S) {
	var zero E
	for i := len(s) - 1; i >= 0; i-- {
		s[i] = zero
	}
}
