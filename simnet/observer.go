package simnet

import (
	"net/netip"
	"time"

	"github.com/simhttp/simhttp/internal/samestr"
)

// Event is one entry of the trace (docs/trace-format.md): an event emitted by an
// object, or, with Obj "net", a packet on the simulated network.
type Event struct {
	T       time.Duration  // since the world started
	Obj     string         // req, res, agent, socket, server, sreq, sres, ssocket, net, test
	ID      int            // 1-based number of the object within its kind
	Name    string         // the event name exactly as Node names it
	Code    string         // error events: Node's code
	Message string         // error events: the message
	Bytes   int            // data events: the chunk length
	Status  int            // response, information, upgrade, connect: the status code
	Detail  map[string]any // anything else small and stable; may be shared between events, so observers must not modify it

	// Packet is set on net events: the full segment, for pcap recording. It is
	// not part of the JSON trace, which carries only the stable Detail.
	Packet *Packet
}

// Packet is one simulated TCP segment (or a connection-level verdict such as
// a refused or dropped attempt) as it crosses the network.
type Packet struct {
	Conn    int            // 1-based connection number in order of SYN
	Src     netip.AddrPort // sender
	Dst     netip.AddrPort // receiver
	Seq     uint32         // sequence number of the first byte (or of the SYN/FIN)
	Ack     uint32         // acknowledgement number, valid when Flags has FlagACK
	Flags   TCPFlags
	Window  uint16
	Payload []byte // owned by the packet; observers must not modify it
	Dropped bool   // lost on the link or swallowed by a fault: it never arrives
}

// TCPFlags is the TCP header flag set.
type TCPFlags uint8

// TCP header flags.
const (
	FlagFIN TCPFlags = 1 << iota
	FlagSYN
	FlagRST
	FlagPSH
	FlagACK
)

// Observer receives every event of a runtime, in emission order.
type Observer func(Event)

// Events is the observer fan-out and the per-kind object numbering every
// runtime shares.
type Events struct {
	now       func() time.Duration
	observers []Observer
	ids       map[string]*int  // the last number given out per kind
	recent    [4]idCounter     // the kinds last numbered, newest first, found without hashing; a power of two
	guess     int              // the slot of recent NewID looks at first
	tail      *[tailSize]Event // ring of the latest observed events, for uncaught errors; nil keeps none
	tailN     int
}

func newEvents(now func() time.Duration, keepTail bool) *Events {
	e := &Events{now: now, ids: map[string]*int{}}
	e.keepTail(keepTail)
	return e
}

// keepTail gives e a tail, or takes it away.
func (e *Events) keepTail(keep bool) {
	switch {
	case !keep:
		e.tail = nil
	case e.tail == nil:
		e.tail = new([tailSize]Event)
	}
}

// emptied is e as a new loop on the same clock starts it: no observer, no
// object numbered, the tail empty. The counters stay, at zero: a world
// numbers the same few kinds as the last, and so finds them without
// allocating, and the arrays are kept, emptied.
func (e *Events) emptied() *Events {
	ids, observers, tail := e.ids, emptiedArray(e.observers), e.tail
	for _, n := range ids {
		*n = 0
	}
	if tail != nil {
		*tail = [tailSize]Event{}
	}
	*e = Events{now: e.now, ids: ids, observers: observers, tail: tail}
	return e
}

// Observe adds an observer; it sees every later event.
func (e *Events) Observe(o Observer) { e.observers = append(e.observers, o) }

// NewID numbers a new object of the given kind: 1 for the first "req", 2 for
// the second, and so on.
func (e *Events) NewID(obj string) int {
	// A keep-alive GET numbers four objects of four kinds (req, sreq,
	// sres, res): comparing a few short strings costs less than hashing
	// one. The kinds come round in the order they were first numbered,
	// which recent, newest first, holds backwards: the slot before the
	// last one found is looked at first, and is the one a GET's next
	// object wants.
	// The slots are a power of two, so & wraps round them where % took
	// a signed division's fix-ups and a bounds check.
	const mask = len(e.recent) - 1
	i := e.guess
	for range len(e.recent) {
		if c := &e.recent[i&mask]; c.n != nil && samestr.Equal(c.obj, obj) {
			e.guess = (i - 1) & mask
			*c.n++
			return *c.n
		}
		i++
	}
	// A counter per kind behind a pointer: one map lookup per object
	// instead of a lookup and an assignment.
	n := e.ids[obj]
	if n == nil {
		n = new(int)
		e.ids[obj] = n
	}
	copy(e.recent[1:], e.recent[:])
	e.recent[0] = idCounter{obj, n}
	*n++
	return *n
}

// idCounter is the counter of one kind of object, as ids holds it.
type idCounter struct {
	obj string
	n   *int
}

// Emit stamps ev with the current time and hands it to every observer; with
// none, it does nothing.
func (e *Events) Emit(ev Event) {
	// Small enough to inline, so an event nobody observes costs its
	// caller a length check, not a call copying it into the tail.
	if len(e.observers) > 0 {
		e.emit(&ev)
	}
}

func (e *Events) emit(ev *Event) {
	ev.T = e.now()
	if e.tail != nil {
		e.tail[e.tailN%tailSize] = *ev
		e.tailN++
	}
	for _, o := range e.observers {
		o(*ev)
	}
}

// Tail returns the latest events, oldest first. The tail is kept only while
// someone observes: the events of a run nobody traces are not kept anywhere,
// nor those of a world made [WithoutUncaughtTrace].
func (e *Events) Tail() []Event {
	if e.tail == nil {
		return nil
	}
	n := min(e.tailN, tailSize)
	out := make([]Event, 0, n)
	for i := e.tailN - n; i < e.tailN; i++ {
		out = append(out, e.tail[i%tailSize])
	}
	return out
}

// Active reports whether anyone observes, so callers can skip building events.
func (e *Events) Active() bool { return len(e.observers) > 0 }

// tailSize is how many recent events an uncaught error reports.
const tailSize = 20
