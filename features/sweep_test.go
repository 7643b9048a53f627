package features

import (
	"bytes"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/simhttp/simhttp/httpcore"
	"github.com/simhttp/simhttp/simnet"
)

func TestShrinkKeepsOnlyTheRulesTheFailureNeeds(t *testing.T) {
	var rules []simnet.Rule
	for i := 1; i <= 7; i++ {
		rules = append(rules, simnet.Rule{What: simnet.FaultSlice, Size: i})
	}
	needs := func(rs []simnet.Rule) bool {
		has := func(n int) bool {
			return slices.ContainsFunc(rs, func(r simnet.Rule) bool { return r.Size == n })
		}
		return has(2) && has(6)
	}
	calls := 0
	got := shrink(rules, func(rs []simnet.Rule) bool { calls++; return needs(rs) })
	var sizes []int
	for _, r := range got {
		sizes = append(sizes, r.Size)
	}
	if !slices.Equal(sizes, []int{2, 6}) {
		t.Errorf("shrink kept sizes %v, want [2 6]", sizes)
	}
	if calls > 40 {
		t.Errorf("shrink ran the scenario %d times for 7 rules", calls)
	}
}

func TestShrinkToNothingWhenTheFailureNeedsNoFault(t *testing.T) {
	got := shrink(drawRules(3), func([]simnet.Rule) bool { return true })
	if len(got) != 0 {
		t.Errorf("shrink kept %d rules", len(got))
	}
}

func TestDrawnRulesAreValidAndRepeatable(t *testing.T) {
	w, err := simnet.NewWorld(1)
	if err != nil {
		t.Fatal(err)
	}
	w.FollowHTTP(httpcore.NewFollower)
	for _, h := range []string{clientHost, serverHost} {
		if _, err := w.AddHost(h); err != nil {
			t.Fatal(err)
		}
	}
	for seed := uint64(0); seed < 200; seed++ {
		rules := drawRules(seed)
		if len(rules) < 1 || len(rules) > 3 {
			t.Fatalf("seed %d drew %d rules", seed, len(rules))
		}
		for _, r := range rules {
			if _, err := w.AddRule(r); err != nil {
				t.Fatalf("seed %d drew an impossible rule %s: %v", seed, r.String(), err)
			}
		}
		if again := drawRules(seed); len(again) != len(rules) || again[0].String() != rules[0].String() {
			t.Fatalf("seed %d drew different rules twice", seed)
		}
	}
}

func TestSweepSplitsSeedsIntoShards(t *testing.T) {
	seedsOf := func(lo, hi uint64, i, n int) ([]uint64, error) {
		return SweepOptions{Seeds: [2]uint64{lo, hi}, Shard: [2]int{i, n}}.sweepSeeds()
	}
	var all []uint64
	for i := 1; i <= 3; i++ {
		got, err := seedsOf(10, 20, i, 3)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, got...)
	}
	slices.Sort(all)
	want, _ := seedsOf(10, 20, 0, 0)
	if !slices.Equal(all, want) || len(want) != 11 {
		t.Errorf("the shards cover %v, want %v", all, want)
	}
	// Every shard of every small range against a count seed by seed: a
	// shard with no seed is an error, never an empty sweep.
	for n := 1; n <= 5; n++ {
		for i := 1; i <= n; i++ {
			for lo := uint64(0); lo < 12; lo++ {
				for hi := lo; hi < 12; hi++ {
					var want []uint64
					for s := lo; s <= hi; s++ {
						if s%uint64(n) == uint64(i-1) {
							want = append(want, s)
						}
					}
					got, err := seedsOf(lo, hi, i, n)
					count, cerr := SweepOptions{Seeds: [2]uint64{lo, hi}, Shard: [2]int{i, n}}.SeedCount()
					var oe *OptionError
					switch {
					case len(want) == 0 && (!errors.As(err, &oe) || !errors.As(cerr, &oe) || oe.Option != "shard"):
						t.Fatalf("shard %d/%d of %d-%d holds no seed: got %v, %v; want a --shard error", i, n, lo, hi, err, cerr)
					case len(want) > 0 && (err != nil || cerr != nil || !slices.Equal(got, want) || count != len(want)):
						t.Fatalf("shard %d/%d of %d-%d: %v (%d), %v, %v; want %v", i, n, lo, hi, got, count, err, cerr, want)
					}
				}
			}
		}
	}
	for _, bad := range [][4]uint64{{5, 4, 0, 0}, {1, 2, 0, 3}, {1, 2, 4, 3}, {0, math.MaxUint64, 0, 0}, {0, math.MaxUint64, 2, 2}} {
		if _, err := seedsOf(bad[0], bad[1], int(bad[2]), int(bad[3])); err == nil {
			t.Errorf("seeds %d-%d, shard %d/%d did not fail", bad[0], bad[1], bad[2], bad[3])
		}
	}
}

func TestSweepReportsEachFailingSeedWithItsSmallestSchedule(t *testing.T) {
	var out bytes.Buffer
	var progress []int
	ok, err := Sweep(SweepOptions{Paths: []string{"testdata/sweep.feature"}, Seeds: [2]uint64{12, 16}, Output: &out,
		Progress: func(done, total int) { progress = append(progress, done, total) }})
	if err != nil {
		t.Fatal(err)
	}
	report := out.String()
	if ok || !strings.Contains(report, "FAIL testdata/sweep.feature:4 seed ") {
		t.Fatalf("no seed failed the body check under faults:\n%s", report)
	}
	for _, want := range []string{"reproduce: simhttp sweep testdata/sweep.feature:4 --seeds ", "smallest fault schedule (", "sweep: 5 seeds (12-16): "} {
		if !strings.Contains(report, want) {
			t.Errorf("the report does not say %q:\n%s", want, report)
		}
	}
	if !slices.Equal(progress, []int{1, 5, 2, 5, 3, 5, 4, 5, 5, 5}) {
		t.Errorf("progress went %v, want each of 5 seeds in turn", progress)
	}
}

// TestBundledSweepKeepsEveryInvariant sweeps the bundled @sweep scenarios,
// as the README tells a user to, and fails on any seed: a @sweep scenario
// that asserts more than what holds under every drawn fault (an exact
// event sequence, say) fails a user's first sweep.
func TestBundledSweepKeepsEveryInvariant(t *testing.T) {
	var out bytes.Buffer
	ok, err := Sweep(SweepOptions{Seeds: [2]uint64{1, 200}, Output: &out})
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		t.Fatalf("the bundled sweep failed:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "sweep: 200 seeds (1-200): 200 passed, 0 failed") {
		t.Errorf("the sweep's summary is not 200 passed:\n%s", out.String())
	}
}

// TestEveryDrawnReuseFaultFires runs each close-on-reuse rule the sweep
// draws, alone and made certain (a drawn probability only thins out the
// strikes), on a scenario whose second request reuses the first one's
// socket: a drawn rule that cannot strike would sweep nothing.
func TestEveryDrawnReuseFaultFires(t *testing.T) {
	c, err := loadCatalog([]string{"testdata/sweep_reuse.feature"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	drawn := 0
	for seed := uint64(0); seed < 40; seed++ {
		for _, r := range drawRules(seed) {
			if r.What != simnet.FaultCloseOnReuse {
				continue
			}
			drawn++
			r.Probability = 0
			s := &suite{catalog: c, seed: seed, faults: &faultPlan{isFixed: true, fixed: []simnet.Rule{r}}}
			scenarios, err := matchScenarios(c, s.runnable(), "@sweep")
			if err != nil {
				t.Fatal(err)
			}
			fired := false
			s.onWorld = func(w *world) {
				for _, ev := range w.events {
					if ev.Obj == "net" && ev.Name == "fault" && ev.Detail["fault"] == simnet.FaultCloseOnReuse.String() {
						fired = true
					}
				}
			}
			scenarios.run(s)
			if s.ran != 1 {
				t.Fatalf("seed %d: %d scenarios ran, want 1", seed, s.ran)
			}
			if !fired {
				t.Errorf("seed %d drew %s, which never struck the reused socket", seed, r.String())
			}
		}
	}
	if drawn == 0 {
		t.Fatal("no seed of 0-39 drew a close-on-reuse rule")
	}
}
