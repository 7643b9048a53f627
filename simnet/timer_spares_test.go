package simnet_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/simhttp/simhttp/simnet"
)

// timerStorm runs a world of timers drawn from seed - many delays, so the
// loop prunes its emptied lists, some cleared, rearmed with other delays
// or refreshed - and returns the order they fired in at what times. With
// sp the world takes its timers, lists and maps from sp and releases them
// after.
func timerStorm(t *testing.T, sp *simnet.Spares, seed uint64) string {
	t.Helper()
	opts := onSpares(sp)
	w := newWorld(t, seed, opts...)
	l := w.Loop()
	r := rand.New(rand.NewPCG(seed, 1))
	var fired strings.Builder
	var timers []*simnet.Timer
	for i := range 200 {
		d := time.Duration(1+r.IntN(150)) * time.Millisecond
		timers = append(timers, l.SetTimeout(d, func() {
			fmt.Fprintf(&fired, "%d@%v ", i, l.Now())
			if next := r.IntN(4); next == 0 {
				timers[r.IntN(len(timers))].Clear()
			} else if next == 1 {
				timers[r.IntN(len(timers))].Refresh()
			}
		}))
	}
	for range 40 {
		timers[r.IntN(len(timers))].Clear()
	}
	run(t, w)
	releaseOnSpares(t, w, sp)
	return fired.String()
}

// TestReusedTimersRunAsFreshOnes: timers and their lists handed from one
// released world to the next keep nothing of the first world: each world
// of a run on shared spares fires its timers exactly as a fresh world of
// the same seed does.
func TestReusedTimersRunAsFreshOnes(t *testing.T) {
	sameOnSpares(t, []uint64{0, 1, 2, 3, 4, 5}, timerStorm)
}
