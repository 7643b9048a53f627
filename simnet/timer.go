package simnet

import (
	"container/heap"
	"time"
)

// maxTimeout is Node's TIMEOUT_MAX (2^31-1 ms); longer or non-positive
// delays become 1 ms, as in Node.
const maxTimeout = (1<<31 - 1) * time.Millisecond

// Timer is a Node Timeout: one-shot (setTimeout) or repeating (setInterval).
type Timer struct {
	loop     *Loop
	fn       func()
	delay    time.Duration
	repeat   bool
	deadline time.Duration
	seq      uint64
	index    int // position in the loop's heap, -1 when not scheduled
	ref      bool
	cleared  bool // by Clear: like Node's destroyed Timeout, refresh cannot revive it
}

// SetTimeout is setTimeout(fn, d).
func (l *Loop) SetTimeout(d time.Duration, fn func()) *Timer {
	return l.newTimer(d, fn, false)
}

// SetInterval is setInterval(fn, d).
func (l *Loop) SetInterval(d time.Duration, fn func()) *Timer {
	return l.newTimer(d, fn, true)
}

func (l *Loop) newTimer(d time.Duration, fn func(), repeat bool) *Timer {
	if d < time.Millisecond || d > maxTimeout {
		d = time.Millisecond
	}
	t := &Timer{loop: l, fn: fn, delay: d, repeat: repeat, index: -1, ref: true}
	t.schedule()
	return t
}

func (t *Timer) schedule() {
	l := t.loop
	l.seq++
	t.deadline, t.seq = l.Now()+t.delay, l.seq
	if t.index >= 0 {
		heap.Fix(&l.timers, t.index)
		return
	}
	heap.Push(&l.timers, t)
	if t.ref {
		l.refTimers++
	}
}

// Clear is clearTimeout / clearInterval.
func (t *Timer) Clear() {
	t.cleared = true
	t.unschedule()
}

// unschedule takes the timer off the loop's heap, as firing a one-shot
// timer does, without clearing it: a refresh may still rearm it.
func (t *Timer) unschedule() {
	if t.index < 0 {
		return
	}
	heap.Remove(&t.loop.timers, t.index)
	if t.ref {
		t.loop.refTimers--
	}
}

// Refresh restarts the timer from now with its original delay, as
// timeout.refresh() does, also after it fired; it counts as newly created
// for tie-breaking. A cleared timer stays cleared, as in Node, so a socket
// touched after destroy cannot time out.
func (t *Timer) Refresh() {
	if !t.cleared {
		t.schedule()
	}
}

// Ref makes the timer keep the loop alive (the default).
func (t *Timer) Ref() {
	if !t.ref && t.index >= 0 {
		t.loop.refTimers++
	}
	t.ref = true
}

// Unref lets the loop finish even while the timer is pending.
func (t *Timer) Unref() {
	if t.ref && t.index >= 0 {
		t.loop.refTimers--
	}
	t.ref = false
}

// HasRef is timeout.hasRef().
func (t *Timer) HasRef() bool { return t.ref }

// Active reports whether the timer will still fire.
func (t *Timer) Active() bool { return t.index >= 0 }

// fire runs the timer's callback, first rescheduling an interval (or
// retiring a one-shot timer) so the callback may clear or refresh it.
func (t *Timer) fire() {
	if t.repeat {
		t.schedule()
	} else {
		t.unschedule()
	}
	t.fn()
}

type timerHeap []*Timer

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if h[i].deadline != h[j].deadline {
		return h[i].deadline < h[j].deadline
	}
	return h[i].seq < h[j].seq
}
func (h timerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *timerHeap) Push(x any) {
	t := x.(*Timer)
	t.index = len(*h)
	*h = append(*h, t)
}
func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	t.index = -1
	*h = old[:len(old)-1]
	return t
}

// Immediate is a setImmediate callback waiting for the check phase.
type Immediate struct {
	loop    *Loop
	fn      func()
	ref     bool
	cleared bool
}

// SetImmediate is setImmediate(fn): fn runs in the next check phase.
func (l *Loop) SetImmediate(fn func()) *Immediate {
	im := &Immediate{loop: l, fn: fn, ref: true}
	l.immediates = append(l.immediates, im)
	l.refImmediates++
	return im
}

// Clear is clearImmediate.
func (im *Immediate) Clear() {
	if im.cleared {
		return
	}
	im.cleared = true
	if im.ref {
		im.loop.refImmediates--
	}
}

// Unref lets the loop finish while the immediate is pending.
func (im *Immediate) Unref() {
	if im.ref && !im.cleared {
		im.loop.refImmediates--
	}
	im.ref = false
}

// Ref makes a pending immediate keep the loop alive again (the default).
func (im *Immediate) Ref() {
	if !im.ref && !im.cleared {
		im.loop.refImmediates++
	}
	im.ref = true
}
