package features

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/simhttp/simhttp/simnet"
)

func sweepResult(t *testing.T, opts SweepOptions) *SweepResult {
	t.Helper()
	var res SweepResult
	opts.Output, opts.Result, opts.Jobs = io.Discard, &res, 1
	if _, err := Sweep(opts); err != nil {
		t.Fatal(err)
	}
	return &res
}

// TestThreeShardsMergeIntoTheWholeSweep: shards 1/3, 2/3 and 3/3, written
// as JSON and read back, merge into the result of the unsharded sweep.
func TestThreeShardsMergeIntoTheWholeSweep(t *testing.T) {
	paths := []string{"testdata/sweep.feature"}
	whole := sweepResult(t, SweepOptions{Paths: paths, Seeds: [2]uint64{10, 18}})
	var shards []*SweepResult
	var names []string
	for i := 1; i <= 3; i++ {
		var b bytes.Buffer
		if err := sweepResult(t, SweepOptions{Paths: paths, Seeds: [2]uint64{10, 18}, Shard: [2]int{i, 3}}).WriteJSON(&b); err != nil {
			t.Fatal(err)
		}
		r, err := ReadSweepResult(&b, "shard")
		if err != nil {
			t.Fatal(err)
		}
		shards, names = append(shards, r), append(names, "shard"+string(rune('0'+i)))
	}
	slices.Reverse(shards)
	merged, err := MergeSweeps(shards, names)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(merged.Seeds, whole.Seeds) || merged.FailedSeeds != whole.FailedSeeds || len(merged.Failures) != len(whole.Failures) {
		t.Fatalf("merged %v (%d failed), whole %v (%d failed)", merged.Seeds, merged.FailedSeeds, whole.Seeds, whole.FailedSeeds)
	}
	if whole.FailedSeeds == 0 {
		t.Fatal("no seed failed: the merge of failures is untested")
	}
	for i := range merged.Failures {
		if m, w := merged.Failures[i], whole.Failures[i]; m.Seed != w.Seed || m.Ref != w.Ref || !slices.Equal(m.Smallest, w.Smallest) {
			t.Errorf("failure %d: merged %+v, whole %+v", i, m, w)
		}
	}
	var text bytes.Buffer
	if err := merged.WriteText(&text); err != nil || !strings.Contains(text.String(), "sweep: 9 seeds (10-18, 3 shards merged): ") {
		t.Errorf("%v\n%s", err, text.String())
	}
	var junit bytes.Buffer
	if err := merged.WriteJUnit(&junit); err != nil {
		t.Fatal(err)
	}
	var doc junitSuites
	if err := xml.Unmarshal(junit.Bytes(), &doc); err != nil || doc.Tests != 9 || doc.Failures != whole.FailedSeeds || len(doc.Suites[0].Cases) != 9 {
		t.Errorf("JUnit: %v %+v\n%s", err, doc, junit.String())
	}
}

func TestAMergeMustHoldEveryShardOfOneSweepOnce(t *testing.T) {
	shard := func(first uint64, i, n int) *SweepResult {
		return &SweepResult{First: first, Last: 9, Shard: [2]int{i, n}}
	}
	for _, c := range []struct {
		results []*SweepResult
		want    string
	}{
		{nil, "no shard results to merge"},
		{[]*SweepResult{shard(1, 1, 3), shard(1, 3, 3)}, "shard 2/3 missing"},
		{[]*SweepResult{shard(1, 1, 2), shard(1, 1, 2)}, "shard 1/2 again"},
		{[]*SweepResult{shard(1, 1, 2), shard(2, 2, 2)}, "not shards of one sweep"},
		{[]*SweepResult{shard(1, 1, 2), shard(1, 2, 3)}, "not shards of one sweep"},
	} {
		names := []string{"a.json", "b.json"}
		_, err := MergeSweeps(c.results, names)
		var fe *FeatureError
		var nr *NothingToRunError
		if err == nil || !strings.Contains(err.Error(), c.want) || !(errors.As(err, &fe) || errors.As(err, &nr)) {
			t.Errorf("merge: %v, want %q", err, c.want)
		}
	}
	if _, err := ReadSweepResult(strings.NewReader(`<testsuites/>`), "x.xml"); err == nil || !strings.Contains(err.Error(), "x.xml: not a sweep result") {
		t.Errorf("reading XML as a result: %v", err)
	}
}

func TestCheckDeterminismPassesADeterministicSweep(t *testing.T) {
	res := sweepResult(t, SweepOptions{Seeds: [2]uint64{1, 5}, CheckDeterminism: true})
	if res.FailedSeeds != 0 {
		t.Errorf("the bundled @sweep scenarios differ between two runs of one seed: %+v", res.Failures)
	}
}

// runClosingAt is one seed's run of one scenario whose request closes at
// closeAt.
func runClosingAt(closeAt time.Duration) []worldTrace {
	return []worldTrace{{ref: "f.feature:3", events: []simnet.Event{{Obj: "req", ID: 1, Name: "socket"}, {T: closeAt, Obj: "req", ID: 1, Name: "close"}}}}
}

// reports writes a result holding one failure as text and as JSON, and
// checks the JSON reads back into the same text, as a merge of shards does.
func reports(t *testing.T, f SweepFailure) (text, js string) {
	t.Helper()
	res := SweepResult{Seeds: []uint64{f.Seed}, FailedSeeds: 1, Failures: []SweepFailure{f}}
	var tb, jb, again bytes.Buffer
	if err := res.WriteText(&tb); err != nil {
		t.Fatal(err)
	}
	if err := res.WriteJSON(&jb); err != nil {
		t.Fatal(err)
	}
	back, err := ReadSweepResult(bytes.NewReader(jb.Bytes()), "r.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := back.WriteText(&again); err != nil || again.String() != tb.String() {
		t.Errorf("the JSON read back reports\n%s\nnot\n%s", again.String(), tb.String())
	}
	return tb.String(), jb.String()
}

func TestFirstDifferenceNamesTheEventWhereTwoRunsPart(t *testing.T) {
	a, b := runClosingAt(5), runClosingAt(6)
	if _, differs := firstDifference(a, a, 7); differs {
		t.Error("identical runs differ")
	}
	f, differs := firstDifference(a, b, 7)
	if !differs || !f.Determinism || f.Divergence.Event != 1 || !strings.Contains(f.Divergence.Second, `"t":6`) || f.Reproduce != "simhttp sweep f.feature:3 --seeds 7-7 --check-determinism" {
		t.Errorf("%v %+v", differs, f)
	}
	text, js := reports(t, f)
	wantText := `FAIL f.feature:3 seed 7
  not deterministic: two runs of seed 7 part at event 1 of f.feature:3
    first run:  {"t":5,"obj":"req","id":1,"event":"close"}
    second run: {"t":6,"obj":"req","id":1,"event":"close"}
  reproduce: simhttp sweep f.feature:3 --seeds 7-7 --check-determinism
sweep: 1 seeds (0-0): 0 passed, 1 failed
`
	if text != wantText {
		t.Errorf("text:\n%s\nwant\n%s", text, wantText)
	}
	// The divergence's fields come from simnet.Divergence, another
	// package: this pins the shape MergeSweeps and users' tools read.
	wantJSON := `"determinism": true,
      "divergence": {
        "event": 1,
        "first": "{\"t\":5,\"obj\":\"req\",\"id\":1,\"event\":\"close\"}",
        "second": "{\"t\":6,\"obj\":\"req\",\"id\":1,\"event\":\"close\"}"
      }`
	if !strings.Contains(js, wantJSON) {
		t.Errorf("--json of a divergence:\n%s\nwant it to hold\n%s", js, wantJSON)
	}
}

// TestARunThatEndsEarlyShowsNoSuchEvent: the side of a divergence whose
// run had no more events reads the same in the sweep's report as in
// simnet.Divergence's error.
func TestARunThatEndsEarlyShowsNoSuchEvent(t *testing.T) {
	a := runClosingAt(5)
	short := []worldTrace{{ref: a[0].ref, events: a[0].events[:1]}}
	f, differs := firstDifference(a, short, 7)
	if !differs || f.Divergence == nil || f.Divergence.Event != 1 || f.Divergence.Second != "" {
		t.Fatalf("%v %+v", differs, f)
	}
	text, _ := reports(t, f)
	_, second := f.Divergence.Shown()
	if !strings.Contains(text, "    second run: "+second+"\n") || !strings.Contains(f.Divergence.Error(), "second: "+second) || !strings.Contains(second, "no such event") {
		t.Errorf("the run that ended shows %q; report:\n%s\nerror: %v", second, text, f.Divergence)
	}
}

// TestRunsThatCannotBeComparedReportNoEvent: runs of different scenarios,
// or with an event that cannot be encoded, fail the check with no
// divergence at all: no event 0 that never happened, no fault schedule.
func TestRunsThatCannotBeComparedReportNoEvent(t *testing.T) {
	nan := []worldTrace{{ref: "f.feature:3", events: []simnet.Event{{Obj: "req", ID: 1, Name: "x", Detail: map[string]any{"v": math.NaN()}}}}}
	other := []worldTrace{{ref: "f.feature:9"}}
	for _, c := range []struct {
		name     string
		a, b     []worldTrace
		ref, why string
	}{
		{"a run against no run", runClosingAt(5), nil, "f.feature:3", "their scenario 1 is f.feature:3 in the first run, none (it ran 0) in the second"},
		{"no run against a run", nil, runClosingAt(5), "f.feature:3", "their scenario 1 is none (it ran 0) in the first run, f.feature:3 in the second"},
		{"two scenarios", runClosingAt(5), other, "f.feature:3", "their scenario 1 is f.feature:3 in the first run, f.feature:9 in the second"},
		{"an event that cannot be encoded", nan, nan, "f.feature:3", "two runs of seed 7 cannot be compared: the first run's trace event 0"},
	} {
		f, differs := firstDifference(c.a, c.b, 7)
		if !differs || !f.Determinism || f.Divergence != nil || f.Ref != c.ref || !strings.Contains(f.Error, c.why) {
			t.Errorf("%s: %v %+v; want %s failing the check with %q", c.name, differs, f, c.ref, c.why)
			continue
		}
		text, js := reports(t, f)
		if strings.Contains(text, "run:") || strings.Contains(text, "fault schedule") || !strings.Contains(text, c.why) {
			t.Errorf("%s: text:\n%s", c.name, text)
		}
		if strings.Contains(js, "divergence") || strings.Contains(js, `"event"`) || !strings.Contains(js, `"determinism": true`) {
			t.Errorf("%s: JSON:\n%s", c.name, js)
		}
	}
}
