package simnet

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// TestTimerQueueGivesTheEarliestTimer drives the per-delay lists through
// random schedules, refreshes, clears and firings and checks, after every
// step, that the queue's next timer is the (deadline, seq) minimum of all
// queued timers: the order one heap of every timer gave, which recorded
// traces depend on. It looks at the queue after one step in three, so
// that lists whose first timers moved wait under their old keys, several
// at a time, as they do between the loop's turns. With a few delays lists
// are shared; with hundreds,
// emptied lists are pruned and made again, and a timer refreshed after
// its list was pruned must not go back to it.
func TestTimerQueueGivesTheEarliestTimer(t *testing.T) {
	for _, delays := range []int{6, 400} {
		checkTimerQueue(t, delays)
	}
}

func checkTimerQueue(t *testing.T, delays int) {
	rng := rand.New(rand.NewPCG(1, uint64(delays)))
	l := NewLoop()
	var all []*Timer
	fired := 0
	for step := range 20_000 {
		switch op := rng.IntN(10); {
		case op < 4 || len(all) == 0:
			d := time.Duration(1+rng.IntN(delays)) * 10 * time.Millisecond
			all = append(all, l.newTimer(d, func() { fired++ }, rng.IntN(5) == 0))
			if len(all) > 50 {
				all[0].Clear()
				all = all[1:]
			}
		case op < 6:
			all[rng.IntN(len(all))].Refresh()
		case op < 7:
			all[rng.IntN(len(all))].Clear()
		default:
			if _, err := l.Step(); err != nil {
				t.Fatal(err)
			}
		}
		if rng.IntN(3) != 0 {
			continue
		}
		var want *Timer
		for _, tm := range all {
			if tm.Active() && (want == nil || tm.deadline < want.deadline || tm.deadline == want.deadline && tm.seq < want.seq) {
				want = tm
			}
		}
		for _, tm := range all {
			if tm.Active() && l.timers.byDelay[tm.delay()] != tm.list {
				t.Fatalf("%d delays, step %d: a timer of %v is queued in a list that is not its delay's", delays, step, tm.delay())
			}
		}
		wantDue := want
		if want != nil && want.deadline > l.Now() {
			wantDue = nil
		}
		if got := l.timers.due(l.Now()); got != wantDue {
			t.Fatalf("%d delays, step %d: the queue gives %+v as due at %v, want %+v", delays, step, got, l.Now(), wantDue)
		}
		if got := l.timers.first(); got != want {
			t.Fatalf("%d delays, step %d: the queue gives %+v, the earliest queued timer is %+v", delays, step, got, want)
		}
	}
	if fired == 0 || len(l.timers.byDelay) > 2*delays {
		t.Fatalf("%d delays: %d timers fired, %d lists kept", delays, fired, len(l.timers.byDelay))
	}
}

// TestTimerRearmedWithAnotherDelayJoinsItsList rearms a timeout with a
// longer delay while its old delay's list still holds another timer: it
// must go to the list of its new delay, or a timer of the old delay made
// after it would wait behind it.
func TestTimerRearmedWithAnotherDelayJoinsItsList(t *testing.T) {
	l := NewLoop()
	var fired []string
	at := func(name string) func() {
		return func() { fired = append(fired, fmt.Sprint(name, "@", l.Now())) }
	}
	a := l.SetTimeout(5*time.Second, at("a"))
	l.SetTimeout(5*time.Second, at("b"))
	a.Clear()
	a.rearm(10 * time.Second)
	l.SetTimeout(6*time.Second, at("c"))
	l.SetTimeout(5*time.Second, at("d"))
	if err := l.Run(); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(fired, " "), "b@5s d@5s c@6s a@10s"; got != want {
		t.Fatalf("fired %s, want %s", got, want)
	}
}
