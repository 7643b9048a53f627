package features

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/cucumber/godog"

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
	var all []uint64
	for i := 1; i <= 3; i++ {
		got, err := sweepSeeds(10, 20, i, 3)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range got {
			if s%3 != uint64(i-1) {
				t.Errorf("shard %d/3 got seed %d", i, s)
			}
		}
		all = append(all, got...)
	}
	slices.Sort(all)
	want, _ := sweepSeeds(10, 20, 0, 0)
	if !slices.Equal(all, want) || len(want) != 11 {
		t.Errorf("the shards cover %v, want %v", all, want)
	}
	for _, bad := range [][4]uint64{{5, 4, 0, 0}, {1, 2, 0, 3}, {1, 2, 4, 3}} {
		if _, err := sweepSeeds(bad[0], bad[1], int(bad[2]), int(bad[3])); err == nil {
			t.Errorf("sweepSeeds%v did not fail", bad)
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
			fired := false
			s.onWorld = func(w *world) {
				for _, ev := range w.events {
					if ev.Obj == "net" && ev.Name == "fault" && ev.Detail["fault"] == simnet.FaultCloseOnReuse.String() {
						fired = true
					}
				}
			}
			s.run(godog.Options{Format: "progress", Output: io.Discard, Tags: "@sweep"}, []string{"testdata/sweep_reuse.feature"})
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

// TestSweepHandsGodogOnlyFilesWithSweepScenarios checks that a sweep, which
// runs godog once per seed, leaves out the files godog would parse for
// nothing, and keeps a FILE:LINE reference as it was given.
func TestSweepHandsGodogOnlyFilesWithSweepScenarios(t *testing.T) {
	c, err := loadCatalog([]string{"testdata/sweep.feature", "testdata/mismatch.feature", "testdata/sweep_reuse.feature:4"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	probe := &suite{catalog: c}
	got, pickles := c.tagged(probe.runnable(), "@sweep")
	want := []string{"testdata/sweep.feature", "testdata/sweep_reuse.feature:4"}
	if !slices.Equal(got, want) {
		t.Errorf("the sweep runs %q, want %q", got, want)
	}
	var names []string
	for _, p := range pickles {
		names = append(names, p.Name)
	}
	if len(names) != 3 || names[2] != "the second request goes out on the first one's socket" {
		t.Errorf("the sweep's scenarios are %q, want sweep.feature's two and sweep_reuse.feature's", names)
	}
}

// TestSweepRegistersTheStepsItsScenariosUse checks that the definitions a
// sweep gives godog are every one its scenarios' steps match, and only
// those.
func TestSweepRegistersTheStepsItsScenariosUse(t *testing.T) {
	c, err := loadCatalog([]string{"testdata/sweep.feature"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, pickles := c.tagged((&suite{catalog: c}).runnable(), "@sweep")
	steps := stepsOf(pickles)
	for _, p := range pickles {
		for _, st := range p.Steps {
			if m := matchStep(st.Text); len(m) != 1 || !slices.Contains(steps, m[0]) {
				t.Errorf("step %q matches %d definitions, and the sweep registers %d of them", st.Text, len(m), len(steps))
			}
		}
	}
	if len(steps) != 5 {
		t.Errorf("the sweep registers %d definitions for the 5 distinct sentences of its steps", len(steps))
	}
}

// TestSweepViewKeepsTheScenariosThatRun checks that the files a sweep's
// seeds read, with every other scenario blanked, give godog the same
// @sweep scenarios on the same lines, step for step, and nothing else: in
// the bundle, and in a feature with rules, backgrounds and an outline.
func TestSweepViewKeepsTheScenariosThatRun(t *testing.T) {
	bundled, err := loadCatalog(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	view := checkSweepView(t, bundled)
	if n, all := len(view.fsys.(memFS)["faults/network.feature"]), len(bundled.files[slices.IndexFunc(bundled.files, func(f *featureFile) bool { return f.uri == "faults/network.feature" })].src); n >= all {
		t.Errorf("the view of faults/network.feature is %d bytes of %d: nothing was blanked", n, all)
	}
	const ruled = `@top
Feature: rules
  Background:
    Given a server that responds with status 200 and body "a"

  Scenario: not swept
    When the client sends GET /

  Rule: the first rule
    Background:
      Given a server that responds with status 200 and body "b"

    # a comment before the tags
    @sweep @first
    Scenario: swept in a rule
      When the client sends GET /1

    @other
    Scenario Outline: an outline, swept in one of its examples
      When the client sends GET /<path>

      @sweep
      Examples:
        | path |
        | x    |

      Examples:
        | path |
        | y    |

  Rule: the second rule
    Scenario: not swept either
      When the client sends GET /2
      """
      Scenario: a doc string that looks like one
      """
`
	c, err := loadCatalog([]string{"-"}, strings.NewReader(ruled))
	if err != nil {
		t.Fatal(err)
	}
	view = checkSweepView(t, c)
	if got := string(view.fsys.(memFS)["-"]); strings.Contains(got, "not swept") || !strings.Contains(got, "| y    |") {
		t.Errorf("the view of a feature with rules:\n%s", got)
	}
}

// checkSweepView makes the view a sweep of c runs from and fails unless
// it holds c's @sweep scenarios as they are written, and no other.
func checkSweepView(t *testing.T, c *catalog) *catalog {
	t.Helper()
	paths, pickles := c.tagged((&suite{catalog: c}).runnable(), "@sweep")
	view := sweepView(c, paths, pickles)
	type scenario struct {
		uri, name string
		line      int64
		tags      []string
		steps     string
	}
	describe := func(c *catalog) []scenario {
		var out []scenario
		for _, f := range c.files {
			for _, p := range f.pickles {
				var tags []string
				for _, tag := range p.Tags {
					tags = append(tags, tag.Name)
				}
				if !slices.Contains(tags, "@sweep") {
					continue
				}
				var steps strings.Builder
				for _, st := range p.Steps {
					arg, err := json.Marshal(st.Argument)
					if err != nil {
						t.Fatal(err)
					}
					fmt.Fprintf(&steps, "%d %s %s|", f.stepLine(st), st.Text, arg)
				}
				out = append(out, scenario{f.uri, p.Name, f.scens[p.AstNodeIds[0]], tags, steps.String()})
			}
		}
		return out
	}
	seen := &catalog{fsys: view.fsys}
	for _, p := range paths {
		seen.add(splitRef(p))
	}
	if len(seen.bad) > 0 {
		t.Fatalf("the view does not parse: %v", seen.bad[0])
	}
	want, got := describe(c), describe(seen)
	if len(want) == 0 || !reflect.DeepEqual(got, want) {
		t.Errorf("the view gives godog\n%v\nwant\n%v", got, want)
	}
	// Only an outline's other examples may be left beside them: godog's
	// tag filter drops those, as it did before.
	swept := map[string]bool{}
	for _, sc := range want {
		swept[fmt.Sprint(sc.uri, sc.line)] = true
	}
	for _, f := range seen.files {
		for _, p := range f.pickles {
			if at := fmt.Sprint(f.uri, f.scens[p.AstNodeIds[0]]); !swept[at] {
				t.Errorf("the view still holds %q at %s", p.Name, at)
			}
		}
	}
	return view
}
