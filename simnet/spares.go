package simnet

import (
	"fmt"
	"net/netip"

	"github.com/simhttp/simhttp/internal/spares"
)

// Spares keep the objects of a released world - its loop, hosts, sockets
// and connections, and what other packages made on its loop with [Alloc] -
// for the next world made with them to use instead of allocating its own:
// a sweep runs thousands of small worlds one after another, each making the
// same objects. One Spares serves one world at a time, and one goroutine:
// a world made with Spares another world still holds allocates afresh.
//
// A released world's objects are the next world's, at the same addresses,
// so nothing may keep one past [World.Release]: a socket, host, timer,
// rule handle or loop used after it would act in the next world. Nor may
// anything keep the bytes a 'data' listener or a net event's Payload was
// handed without copying them: they may be slices of the world's send
// arena, which the next world's sends write again. The released *World
// itself is never reused, so releasing it again or changing it returns
// [ErrWorldReleased].
type Spares struct {
	inUse bool
	kinds []sparesOfKind // one per type, in the order first used
	// The released world's loop and maps, emptied: the maps and the
	// arrays of the loop's busiest queues are the next world's.
	loop   *Loop
	byName map[string]*Host
	byAddr map[netip.Addr]*Host
	paths  map[hostPair]*path
	hosts  []*Host      // the world's array of its hosts
	sends  []byte       // its send arena's last chunk, all free again
	grown  []hostSpares // what its hosts grew, for the next world's hosts
}

// hostSpares are the maps and arrays a host grows as it is used, emptied.
type hostSpares struct {
	addrs     []netip.Addr
	listeners []*tcpListener
	bound     map[uint16]int
	routes    map[route]routeUse
	ports     map[routePort]struct{}
}

// ErrWorldReleased is what a released world returns when it is released
// again or changed, so a world used past its Release fails loudly rather
// than reach into the world that reuses its objects.
var ErrWorldReleased = &Error{Code: "ERR_SIMNET_WORLD_RELEASED", Message: "the world was released"}

// sparesOfKind are the spares of one type: objects (key a nil *T) or
// slices (key a nil *[]T: a slice is not comparable).
type sparesOfKind struct {
	key any
	r   interface{ Recycle() }
}

// NewSpares returns Spares holding nothing yet, for [WithSpares].
func NewSpares() *Spares { return &Spares{} }

// WithSpares makes the world take its objects from sp, unless another
// world holds sp, and give them back to sp when [World.Release] is called.
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

// HasSpares reports whether the loop's world takes what [Alloc] returns
// from spares and gives it back at [World.Release], where an object made
// before it is needed costs the next world nothing.
func (l *Loop) HasSpares() bool { return l.spares != nil }

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
// for the next world to reuse; nothing made in the world may be used
// afterwards, and the world itself only returns [ErrWorldReleased]. A
// world made without spares, or while another world held them, is left as
// it is. Release must not be called from one of the world's callbacks.
func (w *World) Release() error {
	if w.released {
		return released("Release")
	}
	sp := w.loop.spares
	if sp == nil {
		return nil
	}
	w.loop.spares = nil
	// A world of more connections than a small world makes may have
	// grown its hosts' maps to match: they go to the collector. Kept
	// backwards, so the next world's first host takes the first host's.
	if w.conns <= spares.MaxObjects {
		for i := len(w.hosts) - 1; i >= 0 && len(sp.grown) < spares.MaxObjects; i-- {
			sp.grown = append(sp.grown, w.hosts[i].emptied())
		}
	}
	for _, k := range sp.kinds {
		k.r.Recycle()
	}
	clear(w.byName)
	clear(w.byAddr)
	clear(w.paths)
	sp.loop, sp.byName, sp.byAddr, sp.paths, sp.hosts = w.loop.emptied(), w.byName, w.byAddr, w.paths, emptiedArray(w.hosts)
	// Nothing of the world may be used any more, so no reader keeps a
	// slice of the chunk's bytes: the next world may write them again.
	sp.sends = w.sends.chunk[:0]
	// Zeroed, the released world holds nothing of its objects alive nor
	// can reach them: only its mark is left.
	*w = World{released: true}
	sp.inUse = false
	return nil
}

// take returns the loop and the world a new world is built in: a new
// world in the released world's maps and on its loop, emptied, or all new.
// The world is new even so, so that the released one stays released.
func (sp *Spares) take() (*Loop, *World) {
	if sp == nil || sp.loop == nil {
		return &Loop{}, &World{byName: map[string]*Host{}, byAddr: map[netip.Addr]*Host{}, paths: map[hostPair]*path{}}
	}
	l, w := sp.loop, &World{byName: sp.byName, byAddr: sp.byAddr, paths: sp.paths, hosts: sp.hosts, sends: sendArena{chunk: sp.sends}}
	sp.loop, sp.byName, sp.byAddr, sp.paths, sp.hosts, sp.sends = nil, nil, nil, nil, nil, nil
	return l, w
}

// emptied is what h grew, emptied for another host.
func (h *Host) emptied() hostSpares {
	clear(h.bound)
	clear(h.routes)
	clear(h.ports)
	return hostSpares{emptiedArray(h.addrs), emptiedArray(h.listeners), h.bound, h.routes, h.ports}
}

// grow gives the new host h what a released world's host grew, when the
// spares of h's world hold any.
func (h *Host) grow(sp *Spares) {
	if sp == nil || len(sp.grown) == 0 {
		return
	}
	last := len(sp.grown) - 1
	g := sp.grown[last]
	sp.grown[last] = hostSpares{}
	sp.grown = sp.grown[:last]
	h.addrs, h.listeners, h.bound, h.routes, h.ports = g.addrs, g.listeners, g.bound, g.routes, g.ports
}

// released is the error a released world's method op returns.
func released(op string) error { return fmt.Errorf("simnet: %s: %w", op, ErrWorldReleased) }

// emptied zeroes the loop but for the arrays of the queues every world
// fills, emptied - the kernel's work in order and early, the I/O completions,
// lingering and deferred work, the pending queue, the ticks, microtasks
// and immediates, the closing handles and the timers' heap - the maps of
// the kernel's functions, of the timers' delays and of the globals, and
// the events with their numbering's map; and what the loop keeps for its
// sockets' writes, which a drained socket already hands on emptied: the
// write batches, and the arrays of pending writes and held bytes.
func (l *Loop) emptied() *Loop {
	io := ioState{
		kernel:   kernelQueue{inOrder: fifo[ioEvent]{q: emptiedArray(l.io.kernel.inOrder.q)}, early: emptiedArray(l.io.kernel.early), fns: l.io.kernel.fns},
		ready:    emptiedArray(l.io.ready),
		deferred: emptiedArray(l.io.deferred),
		again:    emptiedArray(l.io.again),
		lingers:  emptiedArray(l.io.lingers),
		lingered: emptiedArray(l.io.lingered),
		pendQ:    emptiedArray(l.io.pendQ),
		pendRun:  emptiedArray(l.io.pendRun),
	}
	ticks, micro, immediates := emptiedArray(l.ticks.q), emptiedArray(l.micro.q), emptiedArray(l.immediates.q)
	closing, closeBatch := emptiedArray(l.closing), emptiedArray(l.closeBatch)
	heap := emptiedArray(l.timers.heap)
	byDelay, globals := l.timers.byDelay, l.globals
	clear(io.kernel.fns)
	clear(byDelay)
	clear(globals)
	events := l.events.emptied()
	*l = Loop{io: io, closing: closing, closeBatch: closeBatch, globals: globals, events: events,
		freeWriteBatches: l.freeWriteBatches, spareWrites: l.spareWrites, spareHeld: l.spareHeld}
	l.ticks.q, l.micro.q, l.immediates.q = ticks, micro, immediates
	l.timers.heap, l.timers.byDelay = heap, byDelay
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
