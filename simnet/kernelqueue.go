package simnet

import "time"

// ioEvent is one piece of kernel work due at a virtual instant: the
// arrival of seg at the end to, or, with no end, the function the queue
// keeps under seq. A segment rides in its event rather than in a queue of
// its end's: the queue was one more place in memory each arrival fetched,
// and an end's arrivals run in the order they were queued in anyway, as a
// direction's instants never decrease.
//
// An event is 64 bytes, one cache line: with 100,000 connections
// exchanging, every event is written in one phase and read in the next,
// each a miss of the lines it spans, and at 72 bytes with the function in
// it that was 1.125 lines each way. The functions (a delayed DNS answer,
// a fault's timing) are few, and wait in a map.
type ioEvent struct {
	at  time.Duration
	seq uint64
	to  *end
	seg segment
}

func (e *ioEvent) before(o *ioEvent) bool {
	if e.at != o.at {
		return e.at < o.at
	}
	return e.seq < o.seq
}

// kernelQueue orders kernel work by (at, seq). Nearly all of it is queued in
// the order of its instant (a link delays every segment alike, so with
// thousands of connections exchanging at once their segments leave and
// arrive in the same order); such work waits in a FIFO, where queueing and
// taking it are O(1) and walk memory in order. Only work due before the
// FIFO's last entry (jitter, a fault's delay, a shorter link) goes to a
// heap; the next piece is the earlier of the two heads, the same order one
// heap of everything gave. seq grows with every piece queued, so an entry
// not earlier in time than the FIFO's last comes after it.
//
// Unlike the program's queues, the FIFO keeps its array when it runs dry:
// it fills and drains with every phase of an exchange among thousands of
// connections, and growing it again each time cost 100,000 pairs a
// microsecond and 1.2 KB per exchange. After a burst it holds 72 bytes
// per entry, as the heap it replaced held 24.
type kernelQueue struct {
	inOrder fifo[ioEvent]
	early   ioHeap
	fns     map[uint64]func() // the work of the events without an end, by seq
}

func (q *kernelQueue) len() int { return q.inOrder.len() + len(q.early) }

// empty is len() == 0 without the generic call, which is too costly to
// inline into the loop's test after every callback. A fifo that runs dry
// is resliced to its start, so an empty one has no entries at all.
func (q *kernelQueue) empty() bool { return len(q.inOrder.q) == 0 && len(q.early) == 0 }

func (q *kernelQueue) push(e ioEvent) {
	if f := &q.inOrder; f.len() == 0 || f.q[len(f.q)-1].at <= e.at {
		f.push(e)
		return
	}
	q.early.push(e)
}

// first is the piece due next; the queue must not be empty.
func (q *kernelQueue) first() *ioEvent {
	f := &q.inOrder
	if f.len() == 0 {
		return &q.early[0]
	}
	if len(q.early) > 0 && q.early[0].before(&f.q[f.head]) {
		return &q.early[0]
	}
	return &f.q[f.head]
}

// drop takes out ev, the piece first returned, once its caller has read
// what it needs of it. Of an event taken from the FIFO only the pointers
// are cleared, so that it keeps nothing alive: the slot is written over
// before it is read again.
func (q *kernelQueue) drop(ev *ioEvent) {
	f := &q.inOrder
	if f.len() == 0 || ev != &f.q[f.head] {
		q.early.pop()
		return
	}
	ev.to, ev.seg.data = nil, nil
	f.head++
	if f.head == len(f.q) {
		f.q, f.head = f.q[:0], 0
	}
}

// ioHeap orders kernel work by (at, seq). It is typed rather than built on
// container/heap, whose interface boxing cost an allocation per event.
type ioHeap []ioEvent

func (h ioHeap) less(i, j int) bool { return h[i].before(&h[j]) }

func (h *ioHeap) push(e ioEvent) {
	*h = append(*h, e)
	q := *h
	for i := len(q) - 1; i > 0; {
		parent := (i - 1) / 2
		if !q.less(i, parent) {
			break
		}
		q[i], q[parent] = q[parent], q[i]
		i = parent
	}
}

func (h *ioHeap) pop() ioEvent {
	q := *h
	top := q[0]
	last := len(q) - 1
	q[0] = q[last]
	q[last] = ioEvent{}
	q = q[:last]
	for i := 0; ; {
		small, l, r := i, 2*i+1, 2*i+2
		if l < len(q) && q.less(l, small) {
			small = l
		}
		if r < len(q) && q.less(r, small) {
			small = r
		}
		if small == i {
			break
		}
		q[i], q[small] = q[small], q[i]
		i = small
	}
	*h = q
	return top
}
