package simnet

import "time"

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
		l.timers.fix(t.index)
		return
	}
	l.timers.push(t)
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
	t.loop.timers.remove(t.index)
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

// timerHeap orders timers by (deadline, seq), each timer knowing its index.
// It is typed rather than built on container/heap, whose calls through an
// interface cost more than the sift itself on the per-segment path.
type timerHeap []*Timer

func (h timerHeap) less(i, j int) bool {
	if h[i].deadline != h[j].deadline {
		return h[i].deadline < h[j].deadline
	}
	return h[i].seq < h[j].seq
}

func (h timerHeap) swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}

func (h *timerHeap) push(t *Timer) {
	t.index = len(*h)
	*h = append(*h, t)
	h.up(t.index)
}

// remove takes out the timer at index i.
func (h *timerHeap) remove(i int) {
	q := *h
	last := len(q) - 1
	if i != last {
		q.swap(i, last)
		if !q.down(i, last) {
			q.up(i)
		}
	}
	q[last].index = -1
	q[last] = nil
	*h = q[:last]
}

// fix restores the order after the timer at index i changed its key.
func (h timerHeap) fix(i int) {
	if !h.down(i, len(h)) {
		h.up(i)
	}
}

func (h timerHeap) up(i int) {
	for i > 0 {
		parent := (i - 1) / 2
		if !h.less(i, parent) {
			break
		}
		h.swap(i, parent)
		i = parent
	}
}

// down sifts the timer at i down within the first n; it reports whether it
// moved.
func (h timerHeap) down(i0, n int) bool {
	i := i0
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		small := l
		if r := l + 1; r < n && h.less(r, l) {
			small = r
		}
		if !h.less(small, i) {
			break
		}
		h.swap(i, small)
		i = small
	}
	return i > i0
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
