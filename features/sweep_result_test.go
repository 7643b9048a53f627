package features

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
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

func TestFirstDifferenceNamesTheEventWhereTwoRunsPart(t *testing.T) {
	a, b := runClosingAt(5), runClosingAt(6)
	if _, differs := firstDifference(a, a, 7); differs {
		t.Error("identical runs differ")
	}
	f, differs := firstDifference(a, b, 7)
	if !differs || f.Divergence.Event != 1 || !strings.Contains(f.Divergence.Second, `"t":6`) || f.Reproduce != "simhttp sweep f.feature:3 --seeds 7-7 --check-determinism" {
		t.Errorf("%v %+v", differs, f)
	}
	var text bytes.Buffer
	res := SweepResult{Seeds: []uint64{7}, FailedSeeds: 1, Failures: []SweepFailure{f}}
	if err := res.WriteText(&text); err != nil || !strings.Contains(text.String(), "part at event 1 of f.feature:3") || !strings.Contains(text.String(), "second run: {\"t\":6") {
		t.Errorf("%v\n%s", err, text.String())
	}

	f, differs = firstDifference(a, nil, 7)
	text.Reset()
	res = SweepResult{Seeds: []uint64{7}, FailedSeeds: 1, Failures: []SweepFailure{f}}
	if err := res.WriteText(&text); !differs || err != nil || !strings.Contains(text.String(), "ran different scenarios") || strings.Contains(text.String(), "first run:") {
		t.Errorf("a run against no run: %v %v\n%s", differs, err, text.String())
	}
}

// TestSweepJSONKeepsTheDivergenceShape pins the shape --json gives a run
// that was not deterministic, which MergeSweeps and users' tools read:
// the divergence's fields come from simnet.Divergence, another package.
func TestSweepJSONKeepsTheDivergenceShape(t *testing.T) {
	f, _ := firstDifference(runClosingAt(5), runClosingAt(6), 7)
	var b bytes.Buffer
	if err := (&SweepResult{Seeds: []uint64{7}, FailedSeeds: 1, Failures: []SweepFailure{f}}).WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	want := `"divergence": {
        "event": 1,
        "first": "{\"t\":5,\"obj\":\"req\",\"id\":1,\"event\":\"close\"}",
        "second": "{\"t\":6,\"obj\":\"req\",\"id\":1,\"event\":\"close\"}"
      }`
	if !strings.Contains(b.String(), want) {
		t.Errorf("--json of a divergence:\n%s\nwant it to hold\n%s", b.String(), want)
	}
}
