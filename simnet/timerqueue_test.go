package simnet

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestTimerQueueGivesTheEarliestTimer drives the per-delay lists through
// random schedules, refreshes, clears and firings and checks, after every
// step, that the queue's next timer is the (deadline, seq) minimum of all
// queued timers: the order one heap of every timer gave, which recorded
// traces depend on. With a few delays lists are shared; with hundreds,
// emptied lists are pruned and made again.
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
		var want *Timer
		for _, tm := range all {
			if tm.Active() && (want == nil || tm.deadline < want.deadline || tm.deadline == want.deadline && tm.seq < want.seq) {
				want = tm
			}
		}
		if got := l.timers.first(); got != want {
			t.Fatalf("%d delays, step %d: the queue gives %+v, the earliest queued timer is %+v", delays, step, got, want)
		}
	}
	if fired == 0 || len(l.timers.byDelay) > 2*delays {
		t.Fatalf("%d delays: %d timers fired, %d lists kept", delays, fired, len(l.timers.byDelay))
	}
}
