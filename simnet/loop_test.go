package simnet

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

// TestLoopPhasesMatchNode runs fixtures/node/loop/phases.js's program on the
// virtual loop and compares the order with what real Node v20 recorded.
func TestLoopPhasesMatchNode(t *testing.T) {
	want, err := os.ReadFile("../fixtures/node/loop/phases.txt")
	if err != nil {
		t.Fatal(err)
	}
	l := NewLoop()
	var out []string
	log := func(s string) { out = append(out, s) }
	ms := time.Millisecond

	l.QueueMicrotask(func() {
		log("main:promise1")
		l.NextTick(func() { log("main:tick-from-promise") })
	})
	l.NextTick(func() {
		log("main:tick1")
		l.QueueMicrotask(func() { log("main:promise-from-tick") })
	})
	l.NextTick(func() { log("main:tick2") })
	l.QueueMicrotask(func() { log("main:promise2") })

	l.SetTimeout(10*ms, func() { log("timer:10ms-a") })
	l.SetTimeout(5*ms, func() { log("timer:5ms") })
	l.SetTimeout(10*ms, func() {
		log("timer:10ms-b")
		l.SetImmediate(func() { log("immediate:from-timer") })
		l.SetTimeout(0, func() { log("timer:from-timer") })
		l.NextTick(func() { log("tick:from-timer") })
	})
	l.SetTimeout(10*ms, func() { log("timer:10ms-c") })

	l.SetTimeout(20*ms, func() {
		l.SetImmediate(func() {
			log("immediate:1")
			l.SetImmediate(func() { log("immediate:nested") })
			l.NextTick(func() { log("tick:from-immediate1") })
		})
		l.SetImmediate(func() { log("immediate:2") })
	})

	n := 0
	var iv *Timer
	iv = l.SetInterval(30*ms, func() {
		n++
		log("interval:" + string(rune('0'+n)))
		if n == 3 {
			iv.Clear()
		}
	})
	late := l.SetTimeout(100*ms, func() { log("timer:refreshed") })
	l.SetTimeout(50*ms, func() { late.Refresh() })
	l.SetTimeout(10000*ms, func() { log("timer:unref-never") }).Unref()

	if err := l.Run(); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(out, "\n") + "\n"
	if got != string(want) {
		t.Errorf("order differs from Node\n got:\n%s\nwant:\n%s", got, want)
	}
	if l.Now() != 150*ms {
		t.Errorf("loop ended at %v, want 150ms (the refreshed timer)", l.Now())
	}
}

func TestLoopIOPhaseOrder(t *testing.T) {
	// From an I/O callback, an immediate always runs before a 0-ms timer, and
	// close callbacks run after the check phase of the same turn.
	l := NewLoop()
	var out []string
	h := l.NewHandle()
	l.schedule(5*time.Millisecond, func() {
		out = append(out, "io")
		l.SetTimeout(0, func() { out = append(out, "timer") })
		l.SetImmediate(func() { out = append(out, "immediate") })
		l.OnClose(func() { out = append(out, "close"); h.Close() })
		l.NextTick(func() { out = append(out, "tick") })
	})
	if err := l.Run(); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(out, " "), "io tick immediate close timer"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestLoopIdleWhenOnlyUnrefHandles(t *testing.T) {
	l := NewLoop()
	h := l.NewHandle()
	h.Unref()
	fired := false
	tm := l.SetTimeout(time.Second, func() { fired = true })
	tm.Unref()
	if err := l.Run(); err != nil {
		t.Fatal(err)
	}
	if fired || l.Now() != 0 {
		t.Errorf("unref'd work ran (fired=%v at %v); a Node process would have exited", fired, l.Now())
	}
	h.Ref()
	if err := l.Run(); err != nil {
		t.Fatal(err)
	}
	if !fired || l.Now() != time.Second {
		t.Errorf("an unref'd timer must still fire while a ref'd handle keeps the loop alive (fired=%v at %v)", fired, l.Now())
	}
}

func TestLoopRunUntilAndStep(t *testing.T) {
	l := NewLoop()
	var out []int
	for i := 1; i <= 3; i++ {
		l.SetTimeout(time.Duration(i)*time.Second, func() { out = append(out, i) })
	}
	if err := l.RunUntil(2500 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if len(out) != 2 || l.Now() != 2500*time.Millisecond {
		t.Fatalf("RunUntil ran %v and stopped at %v", out, l.Now())
	}
	ran, err := l.Step()
	if !ran || err != nil || len(out) != 3 {
		t.Fatalf("Step ran=%v err=%v out=%v", ran, err, out)
	}
	if ran, _ := l.Step(); ran {
		t.Fatal("Step ran something on an idle loop")
	}
}

// A world stopped at an instant must not run the next timer due after it,
// which plain Step would jump the clock to.
func TestLoopStepUntilStopsAtTheInstantBeforeALaterTimer(t *testing.T) {
	l := NewLoop()
	var fired []time.Duration
	for _, d := range []time.Duration{10 * time.Millisecond, 100 * time.Millisecond} {
		l.SetTimeout(d, func() { fired = append(fired, l.Now()) })
	}
	for {
		ran, err := l.StepUntil(50 * time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		if !ran {
			break
		}
	}
	if len(fired) != 1 || fired[0] != 10*time.Millisecond || l.Now() != 50*time.Millisecond {
		t.Fatalf("StepUntil(50ms) fired timers at %v and stopped at %v; want only the 10ms one, stopped at 50ms", fired, l.Now())
	}
	if ran, err := l.StepUntil(100 * time.Millisecond); !ran || err != nil || len(fired) != 2 {
		t.Fatalf("StepUntil(100ms) ran=%v err=%v fired=%v", ran, err, fired)
	}
	if ran, _ := l.StepUntil(time.Hour); ran || l.Now() != 100*time.Millisecond {
		t.Fatalf("StepUntil on an idle loop ran=%v and moved the clock to %v", ran, l.Now())
	}
	if _, err := NewRealLoop().StepUntil(time.Second); err == nil {
		t.Fatal("StepUntil on a real loop: want an error")
	}
}

func TestLoopPanicIsUncaught(t *testing.T) {
	l := NewLoop()
	l.Events().Observe(func(Event) {})
	l.Events().Emit(Event{Obj: "test", ID: 1, Name: "mark:before"})
	boom := errors.New("boom")
	after := false
	l.SetTimeout(7*time.Millisecond, func() { panic(boom) })
	l.SetTimeout(8*time.Millisecond, func() { after = true })
	err := l.Run()
	var ue *UncaughtError
	if !errors.As(err, &ue) || !errors.Is(err, boom) {
		t.Fatalf("Run = %v, want an UncaughtError wrapping boom", err)
	}
	if ue.T != 7*time.Millisecond || len(ue.Trace) != 1 || ue.Trace[0].Name != "mark:before" {
		t.Errorf("uncaught at %v with trace %v", ue.T, ue.Trace)
	}
	if after {
		t.Error("the loop went on after an uncaught panic")
	}
}

func TestTimerTiesByCreationAndRefresh(t *testing.T) {
	l := NewLoop()
	var out []string
	a := l.SetTimeout(10*time.Millisecond, func() { out = append(out, "a") })
	l.SetTimeout(10*time.Millisecond, func() { out = append(out, "b") })
	a.Refresh() // same deadline, but now newer than b
	if err := l.Run(); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(out, ""); got != "ba" {
		t.Errorf("got %q, want ba", got)
	}
}

// TestLoopCloseCallbacksRunNewestFirst mirrors uv_close pushing onto the
// head of the list one close phase walks: real Node v20 reports two sockets
// destroyed in one callback as "b:close a:close". A handle closed during
// the close phase waits for the next turn, after that turn's immediates.
func TestLoopCloseCallbacksRunNewestFirst(t *testing.T) {
	l := NewLoop()
	var out []string
	l.SetImmediate(func() {
		l.OnClose(func() {
			out = append(out, "a")
			l.OnClose(func() { out = append(out, "c") })
			l.SetImmediate(func() { out = append(out, "immediate") })
		})
		l.OnClose(func() { out = append(out, "b") })
	})
	if err := l.Run(); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(out, " "), "b a immediate c"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestLoopPollRunsOnlyWhatWasReady checks the batch boundary: a completion
// that becomes ready while a poll phase runs its callbacks waits for the
// next turn, after the check phase, at the same virtual instant.
func TestLoopPollRunsOnlyWhatWasReady(t *testing.T) {
	l := NewLoop()
	var out []string
	h := l.NewHandle()
	l.schedule(5*time.Millisecond, func() {
		out = append(out, "io1")
		l.SetImmediate(func() { out = append(out, "immediate") })
		l.ready(func() {
			out = append(out, "io3@"+l.Now().String())
			h.Close()
		})
	})
	l.schedule(5*time.Millisecond, func() { out = append(out, "io2") })
	if err := l.Run(); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(out, " "), "io1 io2 immediate io3@5ms"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestLoopKernelWorkRunsBetweenCallbacks checks that kernel work made due
// by a callback is done as soon as the callback returns (on loopback the
// kernel does it inside the syscall), before even its nextTicks, and that
// what it makes ready waits for the next poll.
func TestLoopKernelWorkRunsBetweenCallbacks(t *testing.T) {
	l := NewLoop()
	var out []string
	h := l.NewHandle()
	l.SetImmediate(func() {
		l.kernelAt(l.Now(), func() {
			out = append(out, "kernel")
			l.ready(func() { out = append(out, "io"); h.Close() })
		})
		l.NextTick(func() { out = append(out, "tick") })
	})
	l.SetImmediate(func() { out = append(out, "immediate2") })
	if err := l.Run(); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(out, " "), "kernel tick immediate2 io"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestRefreshRearmsAFiredTimerButNotAClearedOne holds what Node v20 prints
// for setTimeout, clearTimeout and refresh: refreshing a timeout after it
// fired runs it again, refreshing one cleared with clearTimeout does not.
func TestRefreshRearmsAFiredTimerButNotAClearedOne(t *testing.T) {
	l := NewLoop()
	var out []string
	cleared := l.SetTimeout(10*time.Millisecond, func() { out = append(out, "cleared") })
	cleared.Clear()
	cleared.Refresh()
	var fired *Timer
	fired = l.SetTimeout(10*time.Millisecond, func() {
		out = append(out, "fired@"+l.Now().String())
		if len(out) == 1 {
			l.SetTimeout(5*time.Millisecond, func() { fired.Refresh() })
		}
	})
	if err := l.Run(); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(out, " "); got != "fired@10ms fired@25ms" {
		t.Errorf("got %q, want fired@10ms fired@25ms", got)
	}
	if cleared.Active() {
		t.Error("the cleared timer is scheduled again")
	}
}

// TestNextTickWithKeepsTheTickOrder interleaves both kinds of nextTick: one
// queue, in the order queued, and a tick with an argument allocates nothing.
func TestNextTickWithKeepsTheTickOrder(t *testing.T) {
	l := NewLoop()
	var out []string
	add := func(s any) { out = append(out, *s.(*string)) }
	one, three := "1", "3"
	l.NextTickWith(add, &one)
	l.NextTick(func() { out = append(out, "2") })
	l.NextTickWith(add, &three)
	l.DrainTicks()
	if got := strings.Join(out, " "); got != "1 2 3" {
		t.Errorf("got %q, want %q", got, "1 2 3")
	}
	nop := func(any) {}
	if n := testing.AllocsPerRun(100, func() { l.NextTickWith(nop, l); l.DrainTicks() }); n != 0 {
		t.Errorf("a tick with an argument allocates %v times", n)
	}
}

// TestFifoKeepsOrderAsItReusesItsArray pops and pushes across the moves
// down and the growths of the queue's array: the order never changes.
func TestFifoKeepsOrderAsItReusesItsArray(t *testing.T) {
	var f fifo[int]
	next, want := 0, 0
	for round := range 50 {
		for range round%7 + 1 {
			f.push(next)
			next++
		}
		for range round % 5 {
			if f.len() == 0 {
				break
			}
			if got := f.pop(); got != want {
				t.Fatalf("round %d: popped %d, want %d", round, got, want)
			}
			want++
		}
	}
	for f.len() > 0 {
		if got := f.pop(); got != want {
			t.Fatalf("popped %d, want %d", got, want)
		}
		want++
	}
	if want != next {
		t.Errorf("popped %d of %d", want, next)
	}
}

// TestFifoDropsABurstsArray keeps a small array once the queue runs dry,
// so steady use allocates nothing, but not one a burst grew past
// maxKeptFifo, which would stay at its peak for the loop's life.
func TestFifoDropsABurstsArray(t *testing.T) {
	var f fifo[int]
	f.push(1)
	f.pop()
	if cap(f.q) == 0 {
		t.Fatal("a small queue dropped its array once dry")
	}
	for i := range maxKeptFifo + 1 {
		f.push(i)
	}
	for f.len() > 0 {
		f.pop()
	}
	if f.q != nil {
		t.Errorf("a queue run dry keeps an array of %d slots", cap(f.q))
	}
}

// TestPanicInATickEndsRunAndStep: Run guards all its steps at once and
// Step each of its own; either way a panic in a nextTick callback is the
// uncaught error, reported by the step that ran it, and nothing runs after.
func TestPanicInATickEndsRunAndStep(t *testing.T) {
	boom := errors.New("boom")
	for _, stepping := range []bool{false, true} {
		l := NewLoop()
		after := false
		l.SetTimeout(time.Millisecond, func() { l.NextTick(func() { panic(boom) }) })
		l.SetTimeout(2*time.Millisecond, func() { after = true })
		var err error
		if stepping {
			for {
				ran, e := l.Step()
				if e != nil {
					if !ran {
						t.Fatal("the step that panicked says it ran nothing")
					}
					err = e
					break
				}
				if !ran {
					break
				}
			}
			if ran, again := l.Step(); ran || again != err {
				t.Errorf("a step after the panic: %v, %v", ran, again)
			}
		} else {
			err = l.Run()
		}
		if !errors.Is(err, boom) || after {
			t.Errorf("stepping %v: error %v, later timer ran %v", stepping, err, after)
		}
	}
}
