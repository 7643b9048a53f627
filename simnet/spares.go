package simnet

import (
	"net/netip"

	"github.com/simhttp/simhttp/internal/spares"
)

// Spares keep the objects of a released world - its sockets and
// connections, and what other packages made on its loop with [Alloc] - for
// the next world made with them to use instead of allocating its own: a
// sweep runs thousands of small worlds one after another, each making the
// same objects. One Spares serves one world at a time; a world made with
// Spares another world still holds allocates afresh.
type Spares struct {
	inUse bool
	kinds []sparesOfKind // one per type, in the order first used
	// The released world and its loop, emptied: their maps and the
	// arrays of the loop's busiest queues are the next world's.
	world *World
	loop  *Loop
}

// sparesOfKind are the spares of one type: objects (key a nil *T) or
// slices (key a nil *[]T: a slice is not comparable).
type sparesOfKind struct {
	key any
	r   interface{ Recycle() }
}

// NewSpares returns Spares holding nothing yet.
func NewSpares() *Spares { return &Spares{} }

// WithSpares makes the world take its objects from sp and give them back
// when [World.Release] is called.
func WithSpares(sp *Spares) Option { return func(c *config) { c.spares = sp } }

// Alloc returns a zeroed T, as new(T) does, taken from the spares of the
// loop's world when it has them: it goes back to them when the world is
// released, so only what belongs to the world may be allocated this way.
func Alloc[T any](l *Loop) *T {
	if l.spares == nil {
		return new(T)
	}
	return kindOf(l.spares, (*T)(nil), func() *spares.Objects[T] { return new(spares.Objects[T]) }).New()
}

// AllocSlice returns n zeroed Ts, as make([]T, n) does, taken from the
// spares of the loop's world as [Alloc] takes an object.
func AllocSlice[T any](l *Loop, n int) []T {
	if l.spares == nil {
		return make([]T, n)
	}
	return kindOf(l.spares, (*[]T)(nil), func() *spares.Slices[T] { return new(spares.Slices[T]) }).Make(n)
}

// kindOf finds the spares kept under key, making them on first use.
func kindOf[R interface{ Recycle() }](sp *Spares, key any, init func() R) R {
	for _, k := range sp.kinds {
		if k.key == key {
			return k.r.(R)
		}
	}
	r := init()
	sp.kinds = append(sp.kinds, sparesOfKind{key, r})
	return r
}

// Release hands everything the world took from its spares back to them,
// for the next world to reuse; neither the world nor anything made in it
// may be used afterwards. A world made without spares is left as it is.
func (w *World) Release() {
	sp := w.loop.spares
	if sp == nil {
		return
	}
	w.loop.spares = nil
	for _, k := range sp.kinds {
		k.r.Recycle()
	}
	sp.loop, sp.world = w.loop.emptied(), w.emptied()
	sp.inUse = false
}

// take returns the loop and the world a new world is built in: those of
// the released world, emptied, or new ones.
func (sp *Spares) take() (*Loop, *World) {
	if sp == nil || sp.loop == nil {
		return &Loop{}, &World{byName: map[string]*Host{}, byAddr: map[netip.Addr]*Host{}, paths: map[hostPair]*path{}}
	}
	l, w := sp.loop, sp.world
	sp.loop, sp.world = nil, nil
	return l, w
}

// emptied zeroes the world but for its maps, emptied.
func (w *World) emptied() *World {
	byName, byAddr, paths := w.byName, w.byAddr, w.paths
	clear(byName)
	clear(byAddr)
	clear(paths)
	*w = World{byName: byName, byAddr: byAddr, paths: paths}
	return w
}

// emptied zeroes the loop but for the arrays of the queues every world
// fills, emptied: the kernel's segments in order, the I/O completions and
// the ticks, and the map of the kernel's functions.
func (l *Loop) emptied() *Loop {
	kernel, ready, ticks, micro := emptiedArray(l.io.kernel.inOrder.q), emptiedArray(l.io.ready), emptiedArray(l.ticks.q), emptiedArray(l.micro.q)
	fns := l.io.kernel.fns
	clear(fns)
	*l = Loop{}
	l.io.kernel.inOrder.q, l.io.ready, l.ticks.q, l.micro.q = kernel, ready, ticks, micro
	l.io.kernel.fns = fns
	return l
}

// emptiedArray is b's array holding nothing.
func emptiedArray[T any](b []T) []T {
	b = b[:cap(b)]
	clear(b)
	return b[:0]
}

// claim gives the loop sp unless another world holds it.
func (l *Loop) claim(sp *Spares) {
	if sp != nil && !sp.inUse {
		sp.inUse = true
		l.spares = sp
	}
}
