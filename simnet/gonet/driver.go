package gonet

import (
	"cmp"
	"fmt"
	"net"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/simhttp/simhttp/simnet"
)

// Option tunes Run.
type Option func(*settings)

type settings struct{ stuckAfter time.Duration }

// StuckAfter sets how much wall time may pass without the bubble's
// goroutines all blocking before Run gives up with a panic naming the
// bubble (default 30 s): a goroutine that spins, or waits on something
// synctest cannot see (a mutex held forever, real I/O), would otherwise
// hang the test.
func StuckAfter(d time.Duration) Option { return func(s *settings) { s.stuckAfter = d } }

// Run runs body inside a testing/synctest bubble whose clock is w's virtual
// clock, with w's loop driven from a goroutine of the same bubble. Body and
// every goroutine it starts may use Listen, Dialer and the connections they
// return, and time.Now, time.Sleep, timers and context deadlines all follow
// the world's time. The loop advances only when every goroutine of the
// bubble is durably blocked. When body returns, every connection and
// listener the adapter made is closed, as when a process exits, and Run
// waits for the bubble's goroutines to end.
//
// Node-side code on w (httpcore servers and clients) runs on the loop as
// before; set it up before Run, from loop callbacks, or through Do.
func Run(t *testing.T, w *simnet.World, body func(t *testing.T), opts ...Option) {
	t.Helper()
	cfg := settings{stuckAfter: 30 * time.Second}
	for _, o := range opts {
		o(&cfg)
	}
	name := "bubble of " + t.Name()
	wall := time.Now()
	// Made outside the bubble, so the watchdog outside may receive from it.
	started := make(chan *driver, 1)
	stopWatch := watch(name, cfg.stuckAfter, started)
	defer stopWatch()
	synctest.Test(t, func(t *testing.T) {
		d, err := attach(t, w, name, wall)
		started <- d
		if err != nil {
			t.Fatal(err)
		}
		go d.drive()
		defer d.stop()
		body(t)
	})
}

// registry finds the driver of a world from any goroutine of its bubble.
var registry struct {
	sync.Mutex
	byLoop map[*simnet.Loop]*driver
}

// driver is the one goroutine that runs a world's loop while Run's body
// runs: it is where goroutines meet the single-threaded simulation.
type driver struct {
	t     *testing.T
	name  string
	world *simnet.World
	loop  *simnet.Loop
	keep  *simnet.Handle // a Go program is alive while its body runs
	start time.Time      // the bubble's clock when Run began
	base  time.Duration  // the loop's clock when Run began
	wall  time.Time      // the wall clock outside the bubble when Run began

	mu      sync.Mutex
	ops     []op
	arrived uint64 // ops submitted so far, breaking ties between ops no key tells apart
	stopped bool   // body returned
	exited  bool   // the driver is gone; no op will be applied again
	wake    chan struct{}
	done    chan struct{}

	progress atomic.Uint64 // quiescent points reached, for the watchdog
	virtual  atomic.Int64  // the loop's clock at the latest quiescent point, for the watchdog

	// Owned by the driver goroutine.
	conds     []*sync.Cond    // to broadcast when the step ends
	closing   []chan struct{} // to close when the step ends
	conns     []*TCPConn
	dials     []*dialAttempt // connects under way
	listeners []*TCPListener
	nconns    int
	nlisten   int
	shut      bool
	over      bool  // Run has returned: the adapter's handlers leave the world alone
	broken    error // the loop's uncaught error, once it stopped
}

// op is a socket operation a goroutine asked for; the driver applies it at
// the next quiescent point, ordered by key.
type op struct {
	key   opKey
	apply func()
}

// opKey orders the operations of one quiescent point: operations on
// existing connections by connection number and per-connection sequence,
// then on listeners, then new listeners and dials by host and address.
// Only operations identical under this key keep their arrival order,
// which the Go scheduler picks.
type opKey struct {
	class   int // opConn, opListener, opListen, opDial, opDo
	name    string
	id      int
	seq     uint64
	arrival uint64
}

const (
	opConn = iota
	opListener
	opListen
	opDial
	opDo
)

func compareKeys(a, b opKey) int {
	return cmp.Or(cmp.Compare(a.class, b.class), cmp.Compare(a.name, b.name),
		cmp.Compare(a.id, b.id), cmp.Compare(a.seq, b.seq), cmp.Compare(a.arrival, b.arrival))
}

func attach(t *testing.T, w *simnet.World, name string, wall time.Time) (*driver, error) {
	registry.Lock()
	defer registry.Unlock()
	loop := w.Loop()
	if registry.byLoop[loop] != nil {
		return nil, fmt.Errorf("gonet: Run: this world is already driven by the %s", registry.byLoop[loop].name)
	}
	d := &driver{
		t: t, name: name, world: w, loop: loop, keep: loop.NewHandle(),
		start: time.Now(), base: loop.Now(), wall: wall,
		wake: make(chan struct{}, 1), done: make(chan struct{}),
	}
	if registry.byLoop == nil {
		registry.byLoop = map[*simnet.Loop]*driver{}
	}
	registry.byLoop[loop] = d
	return d, nil
}

func (d *driver) detach() {
	registry.Lock()
	delete(registry.byLoop, d.loop)
	registry.Unlock()
}

// driverOf returns the driver of h's world, or an error saying why the
// adapter cannot be used from here.
func driverOf(what string, h *simnet.Host) (*driver, error) {
	if h == nil {
		return nil, &UseError{Op: what, Why: "no host given"}
	}
	return driverOfLoop(what, h.Name(), h.Loop())
}

func driverOfLoop(what, host string, loop *simnet.Loop) (*driver, error) {
	registry.Lock()
	d := registry.byLoop[loop]
	registry.Unlock()
	if d == nil {
		return nil, &UseError{Op: what, Host: host, Why: "no gonet.Run is driving this world; use the adapter from the body of gonet.Run, inside its testing/synctest bubble"}
	}
	if !d.inBubble() {
		return nil, &UseError{Op: what, Host: host, Why: "called from a goroutine outside the testing/synctest bubble of gonet.Run (" + d.name + "); only goroutines started inside it share the world's clock"}
	}
	return d, nil
}

// Do runs fn on w's loop at the next quiescent point and waits until the
// driver's work at that point is done. It is how a goroutine of Run's
// bubble touches Node-side objects (httpcore servers, clients, sockets),
// which belong to the loop. A panic in fn comes back as the error.
func Do(w *simnet.World, fn func()) error {
	d, err := driverOfLoop("Do", "", w.Loop())
	if err != nil {
		return err
	}
	var panicked error
	ran := d.call(opKey{class: opDo}, func() {
		defer func() {
			if r := recover(); r != nil {
				panicked = fmt.Errorf("gonet: Do: fn panicked: %v", r)
			}
		}()
		fn()
	})
	if !ran {
		return &UseError{Op: "Do", Why: "gonet.Run's body has returned"}
	}
	return panicked
}

// inBubble tells a goroutine of the bubble from one outside it by the
// clock: a bubble's clock starts at midnight UTC, 2000-01-01, decades
// before the wall clock Run began at, so this holds until a test has
// simulated more than that.
func (d *driver) inBubble() bool {
	return time.Now().Round(0).Before(d.wall.Round(0).Add(-24 * time.Hour))
}

// submit queues fn for the next quiescent point; it reports false once the
// driver is gone.
func (d *driver) submit(k opKey, fn func()) bool {
	d.mu.Lock()
	if d.exited {
		d.mu.Unlock()
		return false
	}
	d.arrived++
	k.arrival = d.arrived
	d.ops = append(d.ops, op{key: k, apply: fn})
	d.mu.Unlock()
	select {
	case d.wake <- struct{}{}:
	default:
	}
	return true
}

// call submits fn and waits until the driver has applied it and ended the
// step.
func (d *driver) call(k opKey, fn func()) bool {
	ack := make(chan struct{})
	if !d.submit(k, func() { fn(); d.closeLater(ack) }) {
		return false
	}
	<-ack
	return true
}

// stop tells the driver body has returned and waits for it to finish.
func (d *driver) stop() {
	d.mu.Lock()
	d.stopped = true
	d.mu.Unlock()
	select {
	case d.wake <- struct{}{}:
	default:
	}
	<-d.done
}

// drive alternates between the goroutines and the loop. At each quiescent
// point (every other goroutine of the bubble durably blocked) it runs the
// loop up to the bubble's clock, applies the submitted operations in key
// order, and runs what they made due at this instant; goroutines it woke
// are released when that is done and get the next quiescent point at the
// same instant. When nothing woke, it sleeps until the loop's next due
// instant or the next submission, and the bubble's clock jumps there once
// everyone is blocked.
func (d *driver) drive() {
	defer close(d.done)
	defer d.detach()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		synctest.Wait()
		// Only here is every other goroutine blocked: the operations and
		// the stop must be taken now, and the goroutines the step wakes
		// are released only at its end, so none runs alongside the
		// driver and sees the network half-way through an instant.
		d.mu.Lock()
		ops, stopped := d.ops, d.stopped
		d.ops = nil
		d.mu.Unlock()
		d.progress.Add(1)
		d.advance()
		// Every wake-up waits in conds or closing, so none is held back here.
		if stopped && d.shut && len(ops) == 0 && len(d.conds)+len(d.closing) == 0 {
			d.mu.Lock()
			d.exited = true
			d.mu.Unlock()
			d.finish()
			return
		}
		slices.SortStableFunc(ops, func(a, b op) int { return compareKeys(a.key, b.key) })
		for _, o := range ops {
			o.apply()
		}
		if stopped && !d.shut {
			d.shutdown()
		}
		d.advance()
		woke := d.release()
		if len(ops) > 0 || woke > 0 || stopped {
			continue
		}
		var due <-chan time.Time
		if next, ok := d.loop.NextDue(); ok && d.broken == nil {
			timer.Reset(next - d.loop.Now())
			due = timer.C
		}
		select {
		case <-d.wake:
		case <-due:
		}
		timer.Stop()
	}
}

// wakeLater has cond broadcast when the step ends; it runs on the driver
// goroutine.
func (d *driver) wakeLater(cond *sync.Cond) { d.conds = append(d.conds, cond) }

// closeLater has ch closed when the step ends; it runs on the driver
// goroutine.
func (d *driver) closeLater(ch chan struct{}) { d.closing = append(d.closing, ch) }

// release wakes the goroutines the step woke and returns how many
// wake-ups it made (a broadcast counts once). A goroutine woken earlier,
// in the middle of the step, would run alongside the driver and could
// find the network as it was half-way through the instant or at its end,
// as the scheduler had it (TestGoroutinesWokenDuringAStepRunAfterIt).
func (d *driver) release() (woke int) {
	woke = len(d.conds) + len(d.closing)
	for i, c := range d.conds {
		c.Broadcast()
		d.conds[i] = nil
	}
	for i, ch := range d.closing {
		close(ch)
		d.closing[i] = nil
	}
	d.conds, d.closing = d.conds[:0], d.closing[:0]
	return woke
}

// advance runs the loop up to the bubble's clock.
func (d *driver) advance() {
	if d.broken != nil {
		return
	}
	now := max(d.base+time.Since(d.start), d.loop.Now())
	err := d.loop.RunUntil(now)
	d.virtual.Store(int64(d.loop.Now()))
	if err != nil {
		d.broken = err
		d.t.Errorf("gonet: %s: the world's loop stopped at %v: %v", d.name, d.loop.Now(), err)
		for _, c := range d.conns {
			c.fail(err)
		}
		for _, l := range d.listeners {
			l.gone()
		}
		for _, a := range slices.Clone(d.dials) {
			a.settle(nil, &net.OpError{Op: "dial", Net: "tcp", Err: err})
		}
	}
}

// shutdown closes what the adapter opened, as the exit of a process
// closes its sockets: goroutines still reading or accepting see their
// connection or listener closed.
func (d *driver) shutdown() {
	d.shut = true
	for _, l := range d.listeners {
		l.closeNow()
	}
	for _, c := range d.conns {
		c.closeNow()
	}
	for _, a := range slices.Clone(d.dials) {
		a.abort()
	}
}

func (d *driver) forgetDial(a *dialAttempt) {
	if i := slices.Index(d.dials, a); i >= 0 {
		d.dials = slices.Delete(d.dials, i, i+1)
	}
}

// finish hands the world back: the adapter's handlers go quiet, so the loop
// can run again outside the bubble.
func (d *driver) finish() {
	d.over = true
	d.keep.Close()
	for _, c := range d.conns {
		c.sock = nil
	}
	d.conns, d.listeners = nil, nil
}

// forget drops a connection that closed from the shutdown list.
func (d *driver) forget(c *TCPConn) {
	if i := slices.Index(d.conns, c); i >= 0 {
		d.conns = slices.Delete(d.conns, i, i+1)
	}
}

// watch panics, naming the bubble, when its goroutines go stuckAfter of
// wall time without a quiescent point; the returned func stops it.
func watch(name string, stuckAfter time.Duration, started <-chan *driver) func() {
	quit := make(chan struct{})
	go func() {
		var drv *driver
		select {
		case drv = <-started:
		case <-quit:
		}
		if drv == nil {
			return
		}
		tick := time.NewTicker(stuckAfter / 4)
		defer tick.Stop()
		last, since := drv.progress.Load(), time.Now()
		for {
			select {
			case <-quit:
				return
			case <-tick.C:
			}
			if p := drv.progress.Load(); p != last {
				last, since = p, time.Now()
				continue
			}
			if time.Since(since) >= stuckAfter {
				buf := make([]byte, 1<<20)
				buf = buf[:runtime.Stack(buf, true)]
				panic(fmt.Sprintf("gonet: %s: its goroutines have not all blocked for %v of wall time (virtual time %v): "+
					"a goroutine is spinning, or waiting on something testing/synctest does not count as durably blocked "+
					"(a mutex held for long, real network or file I/O, a channel made outside the bubble)\n\n%s",
					name, stuckAfter, time.Duration(drv.virtual.Load()), buf))
			}
		}
	}()
	return func() { close(quit) }
}
