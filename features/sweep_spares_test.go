package features

import (
	"reflect"
	"runtime/debug"
	"testing"
)

// TestSweepSeedReusingWorldsMatchesItAlone runs seeds one after another on
// one worker, every world reusing the objects of the worlds before it, and
// wants each seed's traces and failures to be those of the seed run alone,
// on freshly loaded scenarios with nothing to reuse: nothing of one seed
// reaches the next. The failing feature's seeds keep their worlds; the
// bundled ones pass and give theirs back, which the test checks happened.
func TestSweepSeedReusingWorldsMatchesItAlone(t *testing.T) {
	// Without collections the pools keep what the worlds gave back, so
	// reuse is certain rather than likely.
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	for _, paths := range [][]string{nil, {"testdata/sweep.feature"}} {
		load := func(everything bool) *sweepScenarios {
			sw, err := loadSweep(SweepOptions{Paths: paths}, everything)
			if err != nil {
				t.Fatal(err)
			}
			return sw.scenarios
		}
		shared := load(false) // as a worker process loads them
		for seed := uint64(1); seed <= 40; seed++ {
			after := runSeed(shared, seed, true, false)
			alone := runSeed(load(true), seed, true, false)
			if after.traces != alone.traces {
				t.Errorf("%v seed %d: after other seeds the traces are\n%s\nalone\n%s", paths, seed, after.traces, alone.traces)
			}
			if !reflect.DeepEqual(after.failures, alone.failures) {
				t.Errorf("%v seed %d: after other seeds the failures are %v, alone %v", paths, seed, after.failures, alone.failures)
			}
		}
		// The race detector's sync.Pool drops what it is given at
		// random, so there the reuse is only likely.
		if paths == nil && !raceDetector {
			reused := 0
			for i := range shared.scenarios {
				if w, _ := shared.scenarios[i].worlds.Get().(*world); w != nil && w.spares != nil {
					reused++
				}
			}
			if reused != len(shared.scenarios) {
				t.Errorf("%d of %d bundled scenarios kept their worlds' objects for the next seed", reused, len(shared.scenarios))
			}
		}
	}
}
