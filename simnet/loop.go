package simnet

import (
	"fmt"
	"runtime/debug"
	"sync"
	"time"

	"github.com/simhttp/simhttp/internal/spares"
)

// Loop is a one-threaded event loop with Node's task phases: timers, I/O
// (poll), immediates (check) and close callbacks, with the nextTick and
// promise-job queues drained after every callback.
//
// A Loop made by NewLoop runs on a virtual clock that jumps to the next due
// event; one made by NewRealLoop follows the wall clock and waits for work
// posted from other goroutines. Every callback runs on the goroutine that
// calls Run or Step.
type Loop struct {
	now    time.Duration
	seq    uint64 // orders timers, kernel work and readiness by creation
	phase  phase
	budget int // callbacks left to run in the current check phase

	timers     timerQueue
	io         ioState
	ticks      fifo[task]
	micro      fifo[task]
	immediates fifo[*Immediate]
	closing    []func() // handles closed since the last close phase, oldest first
	closeBatch []func() // the running close phase's handles; the newest runs first

	// StepUntil's bound: the poll does not wait past until, and halted
	// says that it stopped there instead of waiting.
	until   time.Duration
	bounded bool
	halted  bool

	freeWriteBatches *writeBatch // sockets' completed write batches, for reuse

	spareWrites spares.List[writeReq] // drained sockets' pending arrays
	spareHeld   spares.List[byte]     // drained sockets' held bytes

	due       *Timer // the timer next handed out to fire
	fireDueFn func() // fireDue, made once: a method value per firing would allocate

	refTimers     int
	refHandles    int
	refImmediates int

	events   *Events
	uncaught *UncaughtError
	globals  map[any]any // per-loop state, as Node keeps per-process state
	spares   *Spares     // where the world's objects come from and go back to; nil: allocated afresh

	real *wallClock // nil on a virtual loop
}

type phase uint8

const (
	phaseTimers phase = iota
	phasePrePoll
	phasePoll
	phasePostPoll
	phaseCheck
	phaseClose
)

// NewLoop returns a loop on a virtual clock that starts at zero.
func NewLoop() *Loop { return initLoop(&Loop{}, true) }

// initLoop readies the zero loop l, which may keep arrays for its queues
// and its events, emptied (a released world's, see [Spares]); keepTail
// false leaves uncaught errors without the latest events.
func initLoop(l *Loop, keepTail bool) *Loop {
	if l.events == nil {
		l.events = newEvents(l.Now, keepTail)
	} else {
		l.events.keepTail(keepTail)
	}
	return l
}

// Now is the loop's current time since it started.
func (l *Loop) Now() time.Duration {
	if l.real != nil {
		return l.real.now()
	}
	return l.now
}

// Global returns the loop's value for key, made by init on first use. State
// that Node keeps once per process, such as http.globalAgent, is kept once
// per loop this way, and goes when the loop goes.
func (l *Loop) Global(key any, init func() any) any {
	v, ok := l.globals[key]
	if !ok {
		if l.globals == nil {
			l.globals = map[any]any{}
		}
		v = init()
		l.globals[key] = v
	}
	return v
}

// Events is the loop's observer fan-out and object numbering.
func (l *Loop) Events() *Events { return l.events }

// NextTick is process.nextTick: fn runs after the current callback, before
// any promise job.
func (l *Loop) NextTick(fn func()) { l.ticks.push(fnTask(fn)) }

// NextTickWith is process.nextTick(fn, arg): with a function that captures
// nothing and a pointer for arg, queueing it allocates nothing, where a
// closure or method value per tick would.
func (l *Loop) NextTickWith(fn func(any), arg any) { l.ticks.push(task{with: fn, arg: arg}) }

// QueueMicrotask queues a promise job: it runs after the nextTick queue is
// empty, before the loop moves on.
func (l *Loop) QueueMicrotask(fn func()) { l.micro.push(fnTask(fn)) }

// OnClose queues fn for the close-callbacks phase, where libuv reports
// closed handles (and where net.Socket emits 'close'). Like uv_close, which
// pushes onto the head of a list the phase then walks, one phase runs the
// handles closed since the last one newest first; a handle closed during the
// phase waits for the next turn's.
func (l *Loop) OnClose(fn func()) { l.closing = append(l.closing, fn) }

// closingLen counts the close callbacks not run yet.
func (l *Loop) closingLen() int { return len(l.closing) + len(l.closeBatch) }

// alive mirrors uv_loop_alive: something ref'd can still make a callback run.
func (l *Loop) alive() bool {
	return l.refTimers > 0 || l.refHandles > 0 || l.refImmediates > 0 ||
		l.closingLen() > 0 || l.ticks.len() > 0 || l.micro.len() > 0
}

// Run runs callbacks until the loop is idle: nothing ref'd is left that could
// still run a callback, as when a Node process exits. On a virtual loop it
// also stops when nothing is scheduled at all. It returns the first uncaught
// panic of a callback as an *UncaughtError.
func (l *Loop) Run() error {
	if l.uncaught != nil {
		return l.uncaught
	}
	if l.runGuarded() {
		return nil
	}
	return l.uncaughtErr()
}

// runGuarded is Run's steps under one panic guard, where each step had
// its own: a panic ends the run wherever it comes from, and a guard's
// deferred call and recover cost a keep-alive GET about 250 instructions
// in its three steps. It reports that the loop went idle, as a step
// reporting nothing ran says even after a guarded kernel arrival
// panicked (Run returned no error then); a panic or a step that ran into
// an uncaught error ends it reporting false.
func (l *Loop) runGuarded() (idle bool) {
	defer l.catch()
	for l.step() {
		if l.uncaught != nil {
			return false
		}
	}
	return true
}

// RunUntil runs callbacks due up to virtual time t, then sets the clock to t.
func (l *Loop) RunUntil(t time.Duration) error {
	for {
		ran, err := l.StepUntil(t)
		if err != nil || !ran {
			if err == nil && l.now < t {
				l.now = t
			}
			return err
		}
	}
}

// StepUntil is Step for a world that stops at virtual time t: it runs the
// next callback only if it is due by t. When the loop would wait past t,
// nothing runs, the clock moves to t and StepUntil reports false; so a
// world cut at t never sees what comes after t. A later call goes on from
// that wait.
func (l *Loop) StepUntil(t time.Duration) (bool, error) {
	if l.real != nil {
		return false, &Error{Code: "ERR_INVALID_STATE", Message: "StepUntil needs a virtual clock"}
	}
	l.until, l.bounded = t, true
	defer func() { l.bounded = false }()
	return l.Step()
}

// NextDue is the earliest virtual instant at which a callback could run, or
// false when nothing is scheduled: a driver that shares the clock with other
// work (simnet/gonet) sleeps until then.
func (l *Loop) NextDue() (time.Duration, bool) { return l.nextDue() }

// nextDue is the earliest instant at which a callback could run.
func (l *Loop) nextDue() (time.Duration, bool) {
	if l.ticks.len() > 0 || l.micro.len() > 0 || l.immediates.len() > 0 || l.closingLen() > 0 || l.io.waiting() || len(l.io.lingers) > 0 {
		return l.now, true
	}
	next, ok := time.Duration(0), false
	if t := l.timers.first(); t != nil {
		next, ok = t.deadline, true
	}
	if at, due := l.io.nextKernel(); due && (!ok || at < next) {
		next, ok = at, true
	}
	return next, ok
}

// Step runs the next callback (and the nextTick and promise jobs it queues)
// and reports whether there was one to run.
func (l *Loop) Step() (bool, error) {
	if l.uncaught != nil {
		return false, l.uncaught
	}
	if l.stepGuarded() {
		return true, l.uncaughtErr()
	}
	return false, nil
}

// stepGuarded is one step under a panic guard; a panic counts as a step
// that ran, as one in a callback always did.
func (l *Loop) stepGuarded() (ran bool) {
	defer l.catch()
	ran = true
	return l.step()
}

// step runs the next callback, then the kernel work it made due (a kernel
// does not wait for the program's next turn: on loopback, connect()
// completes the handshake before it returns), then the nextTick callbacks
// and promise jobs they queued, and reports whether there was one. Its
// caller guards against panics.
func (l *Loop) step() bool {
	l.runKernel()
	if l.ticks.len() > 0 || l.micro.len() > 0 {
		l.drainTicks()
		return true
	}
	for {
		if l.phase == phaseTimers && !l.alive() {
			return false
		}
		if t := l.next(); t.valid() {
			t.run()
			l.runKernelUnguarded()
			l.drainTicks()
			return true
		}
		if l.halted {
			l.halted = false
			return false
		}
		if l.phase == phaseCheck && l.stalled() {
			return false
		}
	}
}

// stalled reports that a virtual loop left its poll phase with nothing
// scheduled at all: nothing could ever run again.
func (l *Loop) stalled() bool {
	return l.real == nil && l.io.idle() && l.timers.idle() &&
		l.immediates.len() == 0 && l.closingLen() == 0
}

// next picks the callback the current phase runs next, moving through the
// phases as each runs dry, as one turn of libuv's loop does. It returns no
// task only where Step stops: on entering the check phase of a stalled
// loop and the timers phase of a loop no longer alive, and when a bounded
// poll halted. It makes those two tests itself, as it enters the phase,
// and goes on when they pass: a return to Step for each cost a keep-alive
// GET four returns and calls.
func (l *Loop) next() task {
	for {
		switch l.phase {
		case phaseTimers:
			if t := l.timers.due(l.Now()); t != nil {
				l.due = t
				if l.fireDueFn == nil {
					l.fireDueFn = l.fireDue
				}
				return fnTask(l.fireDueFn)
			}
			l.phase = phasePrePoll
			l.io.takePending(0)
		case phasePrePoll:
			if fn := l.io.nextPending(); fn != nil {
				return fnTask(fn)
			}
			l.phase = phasePoll
			l.enterPoll()
		case phasePoll:
			if t := l.poll(); t.valid() {
				l.io.ranIO = true
				return t
			}
			if l.halted {
				return task{}
			}
			l.phase = phasePostPoll
			l.io.takePending(0)
		case phasePostPoll:
			if fn := l.io.nextPending(); fn != nil {
				return fnTask(fn)
			}
			if l.io.takePending(l.io.pendRound + 1) {
				continue
			}
			l.phase, l.budget = phaseCheck, l.immediates.len()
			if l.stalled() {
				return task{}
			}
		case phaseCheck:
			for l.budget > 0 && l.immediates.len() > 0 {
				im := l.immediates.pop()
				l.budget--
				if im.cleared {
					continue
				}
				im.cleared = true
				if im.ref {
					l.refImmediates--
				}
				return fnTask(im.fn)
			}
			l.phase = phaseClose
			// With nothing closed, the batch is already empty: the swap
			// wrote two slices and their write barriers' checks every turn.
			if len(l.closing) > 0 {
				l.closeBatch, l.closing = l.closing, l.closeBatch[:0]
			}
		default:
			if n := len(l.closeBatch); n > 0 {
				fn := l.closeBatch[n-1]
				l.closeBatch[n-1] = nil
				l.closeBatch = l.closeBatch[:n-1]
				return fnTask(fn)
			}
			l.phase = phaseTimers
			if !l.alive() {
				return task{}
			}
		}
	}
}

// fireDue fires the timer the timers phase handed out.
func (l *Loop) fireDue() {
	t := l.due
	l.due = nil
	t.fire()
}

// DrainTicks runs the nextTick callbacks and promise jobs queued so far,
// from inside a callback, as Node does when a callback it made from C++
// returns (its HTTP server's parser hands a body chunk to JavaScript that
// way).
func (l *Loop) DrainTicks() { l.drain() }

// drain runs nextTick callbacks, then promise jobs, until both are empty,
// as Node does after every callback.
func (l *Loop) drain() {
	for l.uncaught == nil && (l.ticks.len() > 0 || l.micro.len() > 0) {
		l.drainGuarded()
	}
}

// drainGuarded is drain's work under one panic guard rather than one per
// callback: a panic ends the loop's run either way, and a dozen ticks
// run after every I/O callback of an HTTP exchange.
func (l *Loop) drainGuarded() {
	defer l.catch()
	l.drainTicks()
}

// drainTicks is drain's work for a caller that guards against panics.
func (l *Loop) drainTicks() {
	for l.uncaught == nil && (l.ticks.len() > 0 || l.micro.len() > 0) {
		for l.uncaught == nil && l.ticks.len() > 0 {
			l.ticks.pop().run()
			l.runKernelUnguarded()
		}
		for l.uncaught == nil && l.micro.len() > 0 {
			l.micro.pop().run()
			l.runKernelUnguarded()
		}
	}
}

// call runs one callback, turning a panic into the loop's uncaught error, as
// Node turns a throw into an uncaught exception that ends the process.
func (l *Loop) call(t task) {
	defer l.catch()
	t.run()
}

// catch, deferred, turns a panic into the loop's uncaught error.
func (l *Loop) catch() {
	if r := recover(); r != nil {
		l.uncaught = &UncaughtError{
			T:     l.Now(),
			Value: r,
			Stack: string(debug.Stack()),
			Trace: l.events.Tail(),
		}
	}
}

func (l *Loop) uncaughtErr() error {
	if l.uncaught != nil {
		return l.uncaught
	}
	return nil
}

// UncaughtError reports a panic in a callback the way Node reports an
// uncaught exception: the loop stops, with the time and the trace leading up to it.
type UncaughtError struct {
	T     time.Duration
	Value any
	Stack string
	Trace []Event // the last events emitted before the panic, if the loop's events were observed
}

func (e *UncaughtError) Error() string {
	return fmt.Sprintf("uncaught exception at t=%v: %v", e.T, e.Value)
}

// Unwrap exposes a panicked error value to errors.Is and errors.As.
func (e *UncaughtError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// Handle is a ref-countable libuv handle (a socket, a listener): while it is
// ref'd and open, the loop stays alive.
type Handle struct {
	loop   *Loop
	ref    bool
	closed bool
}

// NewHandle opens a ref'd handle.
func (l *Loop) NewHandle() *Handle {
	l.refHandles++
	// From the world's spares: every socket and server has one.
	h := Alloc[Handle](l)
	h.loop, h.ref = l, true
	return h
}

// Ref makes the handle keep the loop alive again.
func (h *Handle) Ref() {
	if !h.ref && !h.closed {
		h.ref = true
		h.loop.refHandles++
	}
}

// Unref lets the loop finish while the handle is still open.
func (h *Handle) Unref() {
	if h.ref && !h.closed {
		h.ref = false
		h.loop.refHandles--
	}
}

// Close releases the handle for good.
func (h *Handle) Close() {
	if !h.closed {
		h.Unref()
		h.closed = true
	}
}

// task is one queued callback: with called with arg. A plain func() rides
// as the arg of callFunc, so a task is three words instead of four: every
// callback is written into a queue and cleared out of it again, and while
// the collector marks, each pointer written costs a write barrier.
type task struct {
	with func(any)
	arg  any
}

// fnTask is the task running fn; a nil fn makes no task.
func fnTask(fn func()) task {
	if fn == nil {
		return task{}
	}
	return task{with: callFunc, arg: fn}
}

func callFunc(fn any) { fn.(func())() }

func (t task) valid() bool { return t.with != nil }

func (t task) run() { t.with(t.arg) }

// fifo is a queue that reuses its backing array: once it has run dry
// (unless the array outgrew maxKeptFifo), and when it is full and at least
// half its slots were taken from its front (so moving the rest down costs
// O(1) per element over time). An array of fewer than minMovedFifo slots
// grows instead, once for the loop's life: a keep-alive GET's nextTick
// queue took five callbacks before it ran dry, and moving two of four
// down called the runtime's typedslicecopy and memclrHasPointers every
// GET.
type fifo[T any] struct {
	q    []T
	head int
}

func (f *fifo[T]) push(v T) {
	if len(f.q) == cap(f.q) && cap(f.q) >= minMovedFifo && f.head >= len(f.q)/2 {
		n := copy(f.q, f.q[f.head:])
		clear(f.q[n:])
		f.q, f.head = f.q[:n], 0
	}
	f.q = append(f.q, v)
}

func (f *fifo[T]) len() int { return len(f.q) - f.head }

func (f *fifo[T]) pop() T { return f.take(maxKeptFifo) }

// take pops the oldest entry; a queue run dry keeps its array if it
// holds at most kept entries.
func (f *fifo[T]) take(kept int) T {
	v := f.q[f.head]
	var zero T
	f.q[f.head] = zero
	f.head++
	if f.head == len(f.q) {
		f.q, f.head = f.q[:0], 0
		if cap(f.q) > kept {
			// A burst's array would stay at its peak size for the
			// loop's life, 100,000 entries after 100,000 connections
			// opened at once (BenchmarkIdleHTTPConns).
			f.q = nil
		}
	}
	return v
}

// minMovedFifo is the smallest array a fifo moves its entries down in.
// The arrays a sweep's small worlds grow to fit in it: their bytes per
// seed did not move.
const minMovedFifo = 8

// maxKeptFifo is the largest array a fifo keeps once it has run dry.
const maxKeptFifo = 4096

// wallClock drives a real loop: the wall clock and a thread-safe inbox of
// completions posted by I/O goroutines.
type wallClock struct {
	start time.Time
	mu    sync.Mutex
	inbox []func()
	wake  chan struct{}
	timer *time.Timer
}

func (c *wallClock) now() time.Duration { return time.Since(c.start) }

func (c *wallClock) take() func() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.inbox) == 0 {
		return nil
	}
	fn := c.inbox[0]
	c.inbox[0] = nil
	c.inbox = c.inbox[1:]
	return fn
}

// NewRealLoop returns a loop on the wall clock, for the real-TCP runtime.
func NewRealLoop() *Loop {
	l := &Loop{real: &wallClock{start: time.Now(), wake: make(chan struct{}, 1), timer: time.NewTimer(time.Hour)}}
	l.real.timer.Stop()
	l.events = newEvents(l.Now, true)
	return l
}

// Post hands fn to a real loop from any goroutine; it runs in the poll phase.
// It is how the real-TCP runtime reports I/O completions.
func (l *Loop) Post(fn func()) {
	c := l.real
	c.mu.Lock()
	c.inbox = append(c.inbox, fn)
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}
