package simnet

import "time"

// maxTimeout is Node's TIMEOUT_MAX (2^31-1 ms); longer or non-positive
// delays become 1 ms, as in Node.
const maxTimeout = (1<<31 - 1) * time.Millisecond

// Timer is a Node Timeout: one-shot (setTimeout) or repeating (setInterval).
//
// A Timer is 56 bytes, which Go allocates as one 64-byte cache line: with
// 100,000 connections exchanging in turn, every timer an exchange
// refreshes is a miss, and at 80 bytes most timers took two. So its loop
// and delay are its list's: a timer always has the list of its delay,
// queued or not.
type Timer struct {
	fn       func()
	deadline time.Duration
	seq      uint64
	// list is the loop's list of timers of this delay; prev and next link
	// the timer into it while queued.
	list       *timerList
	prev, next *Timer
	repeat     bool
	queued     bool
	ref        bool
	cleared    bool // by Clear: like Node's destroyed Timeout, refresh cannot revive it
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
	// From the world's spares: a sweep seed's worlds made some ten timers
	// each, as garbage once the world passed.
	t := Alloc[Timer](l)
	t.fn, t.list, t.repeat, t.ref = fn, l.timers.listOf(l, timerDelay(d), nil), repeat, true
	t.schedule()
	return t
}

// loop is the loop the timer runs on. A zero Timer (an end's
// retransmission timer before it is first armed) has no list, and none.
func (t *Timer) loop() *Loop { return t.list.loop }

// delay is the timer's delay.
func (t *Timer) delay() time.Duration { return t.list.delay }

// timerDelay is d as Node takes a timer's delay.
func timerDelay(d time.Duration) time.Duration {
	if d < time.Millisecond || d > maxTimeout {
		return time.Millisecond
	}
	return d
}

// rearm schedules a cleared timer again with delay d, as a timer made now
// with the same callback and ref would be scheduled.
func (t *Timer) rearm(d time.Duration) {
	t.cleared = false
	if d = timerDelay(d); d != t.delay() {
		t.list = t.list.loop.timers.listOf(t.list.loop, d, nil)
	}
	t.schedule()
}

func (t *Timer) schedule() {
	ls := t.list
	l := ls.loop
	l.seq++
	if t.queued {
		l.timers.requeue(t, l.Now()+ls.delay, l.seq)
		return
	}
	t.deadline, t.seq = l.Now()+ls.delay, l.seq
	l.timers.append(t)
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
	if !t.queued {
		return
	}
	l := t.loop()
	l.timers.unlink(t)
	if t.ref {
		l.refTimers--
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
	if !t.ref && t.queued {
		t.loop().refTimers++
	}
	t.ref = true
}

// Unref lets the loop finish even while the timer is pending.
func (t *Timer) Unref() {
	if t.ref && t.queued {
		t.loop().refTimers--
	}
	t.ref = false
}

// HasRef is timeout.hasRef().
func (t *Timer) HasRef() bool { return t.ref }

// Active reports whether the timer will still fire.
func (t *Timer) Active() bool { return t.queued }

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

// timerQueue keeps the scheduled timers as Node does: in one list per
// delay, where each newly scheduled timer has the latest deadline of its
// list and goes last, so scheduling, refreshing and clearing are O(1); a
// heap orders the lists by their first timer's (deadline, seq), so a loop
// with a hundred thousand sockets' timeouts and retransmission timers
// keeps a heap as small as its distinct delays. The next timer is the
// same (deadline, seq) minimum a single heap of all timers would give.
//
// Like Node's priority queue of lists, the heap is ordered lazily: a list
// whose first timer leaves or is refreshed keeps its place, under the key
// it had, until first finds it on top. A list's first timer only ever
// gets later, so a kept key is never later than the list's own, and a
// list on top whose key is its own comes first. A keep-alive GET moves
// the first timer of a list four times; sifting each down at once was
// about 150 of its instructions.
type timerQueue struct {
	byDelay map[time.Duration]*timerList
	heap    []*timerList
	empty   int // lists in byDelay with no timer
}

// timerList is the queued timers of one delay, earliest first.
type timerList struct {
	loop       *Loop
	delay      time.Duration
	head, tail *Timer
	index      int // position in the heap
	// The (deadline, seq) the heap orders the list by: its first
	// timer's, or that of one that was first before it.
	deadline time.Duration
	seq      uint64
	mapped   bool // byDelay holds it: emptied, it is still its delay's list
}

// first is the timer due next, or nil. A list on top under an old key
// takes its first timer's and sinks to its place, until the one on top is
// under its own: no seq is given twice, so an equal seq is the same timer
// at the same deadline.
func (q *timerQueue) first() *Timer {
	for len(q.heap) > 0 {
		ls := q.heap[0]
		t := ls.head
		if t.seq == ls.seq {
			return t
		}
		ls.deadline, ls.seq = t.deadline, t.seq
		q.down(0)
	}
	return nil
}

// due is the timer due next if it is due by now, or nil. A list's key is
// never later than its first timer's, so when the key on top is later
// than now no timer is due, and no list need take its own key to say so:
// the loop asks at every turn, and timers are rarely due.
func (q *timerQueue) due(now time.Duration) *Timer {
	if len(q.heap) == 0 || q.heap[0].deadline > now {
		return nil
	}
	if t := q.first(); t.deadline <= now {
		return t
	}
	return nil
}

func (q *timerQueue) idle() bool { return len(q.heap) == 0 }

// append queues t, whose deadline and seq are the latest of its delay, at
// the end of its delay's list.
func (q *timerQueue) append(t *Timer) {
	// A timer rearmed alone (a retransmission timer, stopped by every
	// ACK) finds its emptied list where it left it, without a map lookup.
	ls := t.list
	if !ls.mapped {
		ls = q.listOf(ls.loop, ls.delay, ls)
		t.list = ls
	}
	t.queued, t.next, t.prev = true, nil, ls.tail
	if ls.tail != nil {
		ls.tail.next = t
		ls.tail = t
		return
	}
	ls.head, ls.tail = t, t
	ls.deadline, ls.seq = t.deadline, t.seq
	q.empty--
	q.push(ls)
}

// requeue moves the queued t to deadline and seq, the latest of its
// delay: to the end of its list.
func (q *timerQueue) requeue(t *Timer, deadline time.Duration, seq uint64) {
	ls := t.list
	if ls.tail != t {
		q.unlink(t)
		t.deadline, t.seq = deadline, seq
		q.append(t)
		return
	}
	// Its key only grew (the clock never goes back, seq only grows):
	// the list stays where it is until first finds it on top.
	t.deadline, t.seq = deadline, seq
}

// listOf finds or makes the list of delay d on loop l. Emptied lists stay
// in the map, so the timers of a delay that comes and goes (a socket's
// timeout replaced per request) reuse one, and with the timers that last
// used them after a prune, so a lone timer rearmed again and again (a
// retransmission timer) does not allocate either: old, the list such a
// timer held, is mapped again if it is d's; a timer rearmed with another
// delay leaves its old list behind.
func (q *timerQueue) listOf(l *Loop, d time.Duration, old *timerList) *timerList {
	if ls, ok := q.byDelay[d]; ok {
		return ls
	}
	if q.byDelay == nil {
		q.byDelay = map[time.Duration]*timerList{}
	}
	ls := old
	if ls == nil || ls.delay != d {
		ls = Alloc[timerList](l)
		ls.loop, ls.delay = l, d
	}
	q.byDelay[d] = ls
	ls.mapped = true
	q.empty++
	return ls
}

// unlink takes t out of its list; an emptied list leaves the heap. The
// map drops emptied lists once they outnumber the busy ones, so delays
// used once (random fault delays) do not pile up; which are dropped first
// cannot matter, as none holds a timer.
func (q *timerQueue) unlink(t *Timer) {
	ls := t.list
	if t.prev != nil {
		t.prev.next = t.next
	} else {
		ls.head = t.next
	}
	if t.next != nil {
		t.next.prev = t.prev
	} else {
		ls.tail = t.prev
	}
	t.prev, t.next, t.queued = nil, nil, false
	// A new first timer comes after the old in the list's order: the
	// list stays where it is until first finds it on top.
	if ls.head == nil {
		q.remove(ls.index)
		q.empty++
		if q.empty > 64 && q.empty > len(q.heap) {
			q.prune()
		}
	}
}

// prune drops every emptied list from the map.
func (q *timerQueue) prune() {
	for d, ls := range q.byDelay {
		if ls.head == nil {
			delete(q.byDelay, d)
			ls.mapped = false
		}
	}
	q.empty = 0
}

func (q *timerQueue) less(i, j int) bool {
	a, b := q.heap[i], q.heap[j]
	if a.deadline != b.deadline {
		return a.deadline < b.deadline
	}
	return a.seq < b.seq
}

func (q *timerQueue) swap(i, j int) {
	h := q.heap
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}

func (q *timerQueue) push(ls *timerList) {
	ls.index = len(q.heap)
	q.heap = append(q.heap, ls)
	q.up(ls.index)
}

// remove takes out the list at index i.
func (q *timerQueue) remove(i int) {
	last := len(q.heap) - 1
	if i != last {
		q.swap(i, last)
	}
	q.heap[last] = nil
	q.heap = q.heap[:last]
	if i != last {
		q.fix(i)
	}
}

// fix restores the order after the list at index i changed its key.
func (q *timerQueue) fix(i int) {
	if !q.down(i) {
		q.up(i)
	}
}

func (q *timerQueue) up(i int) {
	for i > 0 {
		parent := (i - 1) / 2
		if !q.less(i, parent) {
			break
		}
		q.swap(i, parent)
		i = parent
	}
}

// down sifts the list at i down; it reports whether it moved.
func (q *timerQueue) down(i0 int) bool {
	i, n := i0, len(q.heap)
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		small := l
		if r := l + 1; r < n && q.less(r, l) {
			small = r
		}
		if !q.less(small, i) {
			break
		}
		q.swap(i, small)
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
	l.immediates.push(im)
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
