package simnet

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestKernelQueueKeepsInstantOrder queues work mostly in the order of its
// instant, as links do, with some due earlier than what is queued (jitter,
// a fault's delay) and some at the same instant, taking pieces between,
// and checks they come out in (at, seq) order: the order one heap gave,
// which recorded traces depend on. empty(), which the loop asks after every
// callback, must agree with len() throughout.
func TestKernelQueueKeepsInstantOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	var q kernelQueue
	var queued []ioEvent
	seq, now := uint64(0), time.Duration(0)
	early := 0
	for step := range 20_000 {
		if q.empty() != (q.len() == 0) {
			t.Fatalf("step %d: empty() is %v with %d pieces queued", step, q.empty(), q.len())
		}
		if rng.IntN(2) == 0 || q.len() == 0 {
			seq++
			at := now + time.Duration(rng.IntN(4))*time.Millisecond
			if rng.IntN(8) == 0 {
				at = now + time.Duration(rng.IntN(20))*time.Millisecond
			}
			e := ioEvent{at: at, seq: seq}
			q.push(e)
			queued = append(queued, e)
			continue
		}
		i := 0
		for j := range queued {
			if queued[j].before(&queued[i]) {
				i = j
			}
		}
		want := queued[i]
		if first := q.first(); first.at != want.at || first.seq != want.seq {
			t.Fatalf("step %d: first is (%v, %d), want (%v, %d)", step, first.at, first.seq, want.at, want.seq)
		}
		ev := q.first()
		got := *ev
		q.drop(ev)
		if got.at != want.at || got.seq != want.seq {
			t.Fatalf("step %d: took (%v, %d), want (%v, %d)", step, got.at, got.seq, want.at, want.seq)
		}
		queued = slices.Delete(queued, i, i+1)
		now = got.at
		early += len(q.early)
	}
	if early == 0 || q.len() != len(queued) {
		t.Fatalf("the heap was never used (%d) or the queue lost work (%d queued, %d kept)", early, len(queued), q.len())
	}
}

// TestKernelQueueKeepsItsArray drains a burst larger than the program's
// queues keep: the kernel queue fills and drains like this in every phase
// of an exchange among thousands of connections, and must not grow its
// array again each time.
func TestKernelQueueKeepsItsArray(t *testing.T) {
	var q kernelQueue
	const burst = 4 * maxKeptFifo
	for range 2 {
		for i := range burst {
			q.push(ioEvent{at: time.Duration(i), seq: uint64(i)})
		}
		for q.len() > 0 {
			q.drop(q.first())
		}
		if got := cap(q.inOrder.q); got < burst {
			t.Fatalf("the queue keeps room for %d entries after a burst of %d", got, burst)
		}
	}
	if n := testing.AllocsPerRun(3, func() {
		for i := range burst {
			q.push(ioEvent{at: time.Duration(i), seq: uint64(i)})
		}
		for q.len() > 0 {
			q.drop(q.first())
		}
	}); n != 0 {
		t.Fatalf("a burst the queue has held before allocates %v times", n)
	}
}
