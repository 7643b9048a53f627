package simnet

import (
	"slices"
	"time"
)

// The poll phase keeps two things apart, as a real machine does.
//
// The kernel's work (segments arriving, handshakes completing, data landing
// in receive buffers) happens at its virtual instant whatever the program is
// doing: it runs right after the callback that made it due, or when the
// clock reaches it. It calls no user code; it makes things ready.
//
// Readiness is what epoll reports: I/O completions for user code, kept in
// the order they became ready. A poll phase runs only the completions that
// were ready when it polled (libuv handles the events one epoll_wait
// returned); those that become ready while its callbacks run wait for the
// next turn, after the check and close phases. When nothing is ready and
// nothing else is pending, the poll blocks: the clock jumps to the next
// kernel instant or timer, whichever comes first. Before it blocks, the
// kernel work left to linger (delayed ACKs) is done.
//
// Around the poll runs libuv's pending queue, for what libuv owes a
// handle without asking epoll (a socket shutdown with nothing left to
// write): one round before each poll, up to eight right after it.
type ioState struct {
	kernel   kernelQueue // kernel work by instant, then by creation
	ready    []ioRdy     // completions in the order they became ready
	head     int         // first completion of ready not run yet
	deferred []func()    // completions of watchers started since the last poll
	again    []func()    // level-triggered readiness left after the last poll
	boundary uint64      // completions ready up to this seq belong to the running poll phase
	polls    uint64      // epoll_wait calls so far
	ranIO    bool        // the running poll phase ran a completion, so it must not block
	inKernel bool
	lingers  []task // kernel work left for when the loop has nothing else to do at this instant
	lingered []task // the lingers being run, kept for their backing array

	// libuv's pending queue: callbacks it owes without asking epoll (a
	// shutdown with nothing left to write). One round runs before each
	// poll, and up to maxPendingRounds after it.
	pendQ     []func()
	pendRun   []func() // the round being run
	pendNext  int
	pendRound int
}

// maxPendingRounds is how often libuv runs its pending queue after a poll.
const maxPendingRounds = 8

type ioRdy struct {
	seq uint64
	t   task
}

func (s *ioState) readyLen() int { return len(s.ready) - s.head }

// waiting reports completions that will run in the next poll phase at the
// latest.
func (s *ioState) waiting() bool {
	return s.readyLen() > 0 || len(s.deferred) > 0 || len(s.again) > 0 || len(s.pendQ) > 0 || s.pendNext < len(s.pendRun)
}

// lingerWith queues fn(arg), kernel work, for the moment the loop would
// block: a delayed ACK waits for whatever reply the program sends at this
// instant to carry it. Taking fn and arg apart costs no closure.
func (l *Loop) lingerWith(fn func(any), arg any) {
	l.io.lingers = append(l.io.lingers, task{with: fn, arg: arg})
}

// runLingers runs the lingering kernel work and what it makes due; it
// reports whether there was any.
func (l *Loop) runLingers() bool {
	s := &l.io
	if len(s.lingers) == 0 {
		return false
	}
	work := s.lingers
	s.lingers = s.lingered[:0]
	for i, t := range work {
		work[i] = task{}
		l.call(t)
	}
	s.lingered = work
	l.runKernel()
	return true
}

// pending queues fn on libuv's pending queue.
func (l *Loop) pending(fn func()) { l.io.pendQ = append(l.io.pendQ, fn) }

// takePending starts pending round n with what is queued now; it reports
// false when there is nothing to run or the rounds are used up.
func (s *ioState) takePending(n int) bool {
	if n >= maxPendingRounds || len(s.pendQ) == 0 {
		return false
	}
	s.pendRound = n
	s.pendRun, s.pendQ = s.pendQ, s.pendRun[:0]
	s.pendNext = 0
	return true
}

// nextPending returns the next callback of the running pending round.
func (s *ioState) nextPending() func() {
	if s.pendNext == len(s.pendRun) {
		return nil
	}
	fn := s.pendRun[s.pendNext]
	s.pendRun[s.pendNext] = nil
	s.pendNext++
	if s.pendNext == len(s.pendRun) {
		s.pendRun, s.pendNext = s.pendRun[:0], 0
	}
	return fn
}

func (s *ioState) idle() bool { return s.kernel.len() == 0 && len(s.lingers) == 0 && !s.waiting() }

func (s *ioState) nextKernel() (time.Duration, bool) {
	if s.kernel.len() == 0 {
		return 0, false
	}
	return s.kernel.first().at, true
}

// kernelAt queues kernel work for virtual time at.
func (l *Loop) kernelAt(at time.Duration, fn func()) {
	l.seq++
	q := &l.io.kernel
	if q.fns == nil {
		q.fns = map[uint64]func(){}
	}
	q.fns[l.seq] = fn
	q.push(ioEvent{at: max(at, l.now), seq: l.seq})
}

// arriveAt queues seg's arrival at the end to for virtual time at.
func (l *Loop) arriveAt(at time.Duration, to *end, seg segment) {
	l.seq++
	l.io.kernel.push(ioEvent{at: max(at, l.now), seq: l.seq, to: to, seg: seg})
}

// ready reports an I/O completion to user code: it runs in the first poll
// phase that polls from now on.
func (l *Loop) ready(fn func()) {
	l.seq++
	l.io.ready = append(l.io.ready, ioRdy{seq: l.seq, t: fnTask(fn)})
}

// readyWith is ready of fn(arg), which costs no closure.
func (l *Loop) readyWith(fn func(any), arg any) {
	l.seq++
	l.io.ready = append(l.io.ready, ioRdy{seq: l.seq, t: task{with: fn, arg: arg}})
}

// readyNextPoll reports a completion of a watcher started since the last
// poll. libuv hands new watchers to epoll only when it next polls, so a
// socket that is already ready by then joins epoll's ready list behind
// everything that became ready before: on loopback the server's accept of
// a connection comes before the client learns its connect completed.
func (l *Loop) readyNextPoll(fn func()) {
	l.io.deferred = append(l.io.deferred, fn)
}

// readyNext reports a completion that continues the running one: libuv
// goes on with the same watcher before it turns to the next, so fn runs
// next in this poll phase, once the running callback and its nextTicks
// are done.
func (l *Loop) readyNext(fn func()) {
	s := &l.io
	s.ready = slices.Insert(s.ready, s.head, ioRdy{seq: s.boundary, t: fnTask(fn)})
}

// readyAgain reports that a watcher is still ready after its callback ran
// (a listener with more connections waiting). epoll re-queues such a
// level-triggered fd as it returns it, so the next poll reports it before
// anything that became ready while this poll's callbacks ran.
func (l *Loop) readyAgain(fn func()) { l.io.again = append(l.io.again, fn) }

// schedule reports an I/O completion at virtual time at.
func (l *Loop) schedule(at time.Duration, fn func()) {
	if at <= l.now {
		l.ready(fn)
		return
	}
	l.kernelAt(at, func() { l.ready(fn) })
}

// haltBefore stops a poll bounded by StepUntil that would wait until wake,
// past the bound: the clock moves to the bound and the poll stays where it
// is, to go on waiting when the loop is stepped again.
func (l *Loop) haltBefore(wake time.Duration) bool {
	if !l.bounded || wake <= l.until {
		return false
	}
	l.now = max(l.now, l.until)
	l.halted = true
	return true
}

// polls counts the loop's polls, so the network can tell whether a watcher
// it started has been polled yet.
func (l *Loop) polls() uint64 { return l.io.polls }

// runKernel runs the kernel work due now, including what it makes due now.
// It runs after every callback, most of which queue no kernel work, so the
// test for none is kept small enough to inline.
func (l *Loop) runKernel() {
	if !l.io.kernel.empty() {
		l.runKernelWork()
	}
}

// runKernelUnguarded is runKernel without a panic guard of its own, for a
// caller already under one (a loop's step and drain), which covers the
// segments' arrivals too.
func (l *Loop) runKernelUnguarded() {
	if !l.io.kernel.empty() {
		l.kernelWork()
	}
}

// runKernelWork is the kernel work under a panic guard of its own, which
// turns a panic in a segment's arrival into the loop's uncaught error, as
// call does for a callback.
func (l *Loop) runKernelWork() {
	defer l.catch()
	l.kernelWork()
}

// kernelWork runs the kernel work due now. A panic leaves inKernel set,
// which no longer matters: the loop stops at an uncaught error for good.
func (l *Loop) kernelWork() {
	s := &l.io
	if s.inKernel {
		return
	}
	s.inKernel = true
	for l.uncaught == nil && !s.kernel.empty() {
		// The event is read where it waits and dropped, rather than
		// popped: a pop copied its whole line out and back twice.
		ev := s.kernel.first()
		if ev.at > l.Now() {
			break
		}
		if to := ev.to; to != nil {
			seg := ev.seg
			s.kernel.drop(ev)
			to.c.arrive(to, seg)
		} else {
			seq := ev.seq
			s.kernel.drop(ev)
			fn := s.kernel.fns[seq]
			delete(s.kernel.fns, seq)
			l.call(fnTask(fn))
		}
	}
	s.inKernel = false
}

// enterPoll is one epoll_wait: watchers started since the last one join,
// and what is ready now is the batch this poll phase runs.
func (l *Loop) enterPoll() {
	s := &l.io
	s.polls++
	if n := len(s.again); n > 0 {
		// Ahead of what is ready, in the array ready already has: in
		// the slots run already when there are enough, else moved up
		// into its room. A new array each time was garbage at once,
		// and the one after it as soon as a completion was appended.
		if s.head >= n {
			s.head -= n
		} else {
			end := len(s.ready)
			s.ready = slices.Grow(s.ready, n-s.head)[:end+n-s.head]
			copy(s.ready[n:], s.ready[s.head:end])
			s.head = 0
		}
		for i, fn := range s.again {
			s.ready[s.head+i] = ioRdy{seq: s.boundary, t: fnTask(fn)}
			s.again[i] = nil
		}
		s.again = s.again[:0]
	}
	for i, fn := range s.deferred {
		s.deferred[i] = nil
		l.ready(fn)
	}
	s.deferred = s.deferred[:0]
	s.boundary = l.seq
	s.ranIO = false
}

// takeReady returns the next completion of the running poll's batch.
func (l *Loop) takeReady() task {
	s := &l.io
	if s.head == len(s.ready) || s.ready[s.head].seq > s.boundary {
		return task{}
	}
	t := s.ready[s.head].t
	s.ready[s.head] = ioRdy{}
	s.head++
	if s.head == len(s.ready) {
		s.ready, s.head = s.ready[:0], 0
	}
	return t
}

// poll returns the next completion of this poll phase, blocking on a
// virtual loop (advancing the clock) when nothing was ready and nothing
// else waits, as libuv blocks in epoll_wait until I/O or a timer.
func (l *Loop) poll() task {
	if l.real != nil {
		return l.real.poll(l)
	}
	for {
		if t := l.takeReady(); t.valid() {
			return t
		}
		if l.io.ranIO || l.immediates.len() > 0 || l.closingLen() > 0 || l.io.waiting() {
			return task{}
		}
		if l.runLingers() {
			l.enterPoll()
			continue
		}
		wake := time.Duration(-1)
		if t := l.timers.first(); t != nil {
			wake = t.deadline
		}
		at, ok := l.io.nextKernel()
		if !ok || (wake >= 0 && at > wake) {
			if l.haltBefore(wake) {
				return task{}
			}
			if wake > l.now {
				l.now = wake
			}
			return task{}
		}
		if l.haltBefore(at) {
			return task{}
		}
		l.now = max(l.now, at)
		l.runKernel()
		if l.uncaught != nil {
			return task{}
		}
		l.enterPoll()
	}
}

// poll hands out the completions of this poll's batch and those posted by
// I/O goroutines; when there are none and nothing else is ready, it blocks
// until one is posted or the next timer or kernel work is due.
func (c *wallClock) poll(l *Loop) task {
	if t := l.takeReady(); t.valid() {
		return t
	}
	if fn := c.take(); fn != nil {
		return fnTask(fn)
	}
	if !l.io.ranIO && l.runLingers() {
		l.enterPoll()
		if t := l.takeReady(); t.valid() {
			return t
		}
	}
	if l.io.ranIO || l.immediates.len() > 0 || l.closingLen() > 0 || l.io.waiting() || !l.alive() {
		return task{}
	}
	wake := time.Duration(-1)
	if t := l.timers.first(); t != nil {
		wake = t.deadline
	}
	if at, ok := l.io.nextKernel(); ok && (wake < 0 || at < wake) {
		wake = at
	}
	var deadline <-chan time.Time
	if wake >= 0 {
		d := wake - c.now()
		if d <= 0 {
			return task{}
		}
		c.timer.Reset(d)
		defer c.timer.Stop()
		deadline = c.timer.C
	}
	select {
	case <-c.wake:
		return fnTask(c.take())
	case <-deadline:
		return task{}
	}
}
