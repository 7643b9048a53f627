package features

import (
	"errors"
	"io"
	"os"
	"strings"
	"testing"
)

func TestARunSelectingNothingIsAnError(t *testing.T) {
	cases := map[string]RunOptions{
		"an empty directory":       {Paths: []string{t.TempDir()}},
		"only a broken scenario":   {Paths: []string{"testdata/unknown_step.feature"}},
		"a file not on disk or in": {Paths: []string{"no/such.feature"}},
	}
	for what, opts := range cases {
		opts.Output = io.Discard
		ok, err := Run(opts)
		var nr *NothingToRunError
		var fe *FeatureError
		if ok || !(errors.As(err, &nr) || errors.As(err, &fe)) {
			t.Errorf("%s: ok=%v err=%v, want nothing to run", what, ok, err)
		}
	}
	ok, err := Sweep(SweepOptions{Paths: []string{"client/orders.feature"}, Seeds: [2]uint64{1, 2}, Output: io.Discard})
	var nr *NothingToRunError
	if ok || !errors.As(err, &nr) || nr.Why != "no selected scenario is tagged @sweep" {
		t.Errorf("sweep without @sweep scenarios: ok=%v err=%v", ok, err)
	}
}

func TestBundledNamesRunFromAnyDirectory(t *testing.T) {
	// The test runs in features/, where features/agent is not on disk.
	for _, p := range []string{"features/agent/pooling.feature", "features/agent/pooling.feature:9", "features/agent"} {
		c, err := loadCatalog([]string{p}, nil)
		if err != nil || len(c.files) == 0 || len(c.bad) > 0 {
			t.Errorf("loadCatalog(%q): %v %v", p, err, c.bad)
		}
	}
	// Files on disk and bundled names mix in one run.
	var results []ScenarioResult
	_, err := Run(RunOptions{Paths: []string{"testdata/refused.feature:3", "features/agent/pooling.feature:9"}, Seed: 1,
		Format: "progress", Output: io.Discard, OnScenario: func(r ScenarioResult) { results = append(results, r) }})
	if err != nil || len(results) != 2 || results[1].Err != nil {
		t.Errorf("mixed run: %v, %d results %+v", err, len(results), results)
	}
}

func TestOnScenarioGetsEachResultWithItsTraceAndFirstDifference(t *testing.T) {
	var results []ScenarioResult
	ok, err := Run(RunOptions{Paths: []string{"testdata/refused.feature"}, Seed: 1, Format: "progress", Output: io.Discard,
		OnScenario: func(r ScenarioResult) { results = append(results, r) }})
	if ok || err != nil {
		t.Fatalf("ok=%v err=%v, want a failed scenario and no problem", ok, err)
	}
	passed, failed := 0, 0
	for _, r := range results {
		if len(r.Events) == 0 || r.Seed != 1 || r.Name == "" || r.Feature == "" || r.Reproduce == "" {
			t.Errorf("incomplete result %+v", r)
		}
		if r.Err == nil {
			passed++
			continue
		}
		failed++
		if r.Ref == "testdata/refused.feature:8" && r.FirstDiff != -1 {
			t.Errorf("a status check failed, yet FirstDiff = %d", r.FirstDiff)
		}
	}
	if passed == 0 || failed == 0 {
		t.Errorf("%d passed, %d failed; want some of each", passed, failed)
	}
}

func TestASequenceMismatchLeadsToItsFirstDifferingEvent(t *testing.T) {
	var got ScenarioResult
	_, err := Run(RunOptions{Paths: []string{"testdata/mismatch.feature"}, Format: "progress", Output: io.Discard,
		OnScenario: func(r ScenarioResult) { got = r }})
	if err != nil {
		t.Fatal(err)
	}
	if got.FirstDiff < 0 || got.FirstDiff >= len(got.Events) {
		t.Fatalf("FirstDiff = %d of %d events", got.FirstDiff, len(got.Events))
	}
	ev := got.Events[got.FirstDiff]
	if ev.Obj != "req" || ev.Name != "finish" || got.Expected != "req:close" {
		t.Errorf("first difference at %s:%s, expected %q; want req:finish where req:close was expected", ev.Obj, ev.Name, got.Expected)
	}
}

func TestTheFeaturePathDashIsStandardInput(t *testing.T) {
	src := "Feature: from a pipe\n\n  Scenario: a refused connection\n    When the client sends GET /\n    Then the client sees:\n      \"\"\"\n      req:socket req:error(ECONNREFUSED) req:close\n      \"\"\"\n"
	var results []ScenarioResult
	ok, err := Run(RunOptions{Paths: []string{"-"}, Stdin: strings.NewReader(src), Seed: 1, Format: "progress", Output: io.Discard,
		OnScenario: func(r ScenarioResult) { results = append(results, r) }})
	if !ok || err != nil || len(results) != 1 || results[0].Ref != "-:3" {
		t.Errorf("ok=%v err=%v results=%+v", ok, err, results)
	}
	var fe *FeatureError
	if _, err := Run(RunOptions{Paths: []string{"-"}, Output: io.Discard}); !errors.As(err, &fe) || fe.File != "-" {
		t.Errorf("- without standard input: %v", err)
	}
}

func TestNoColorTurnsColourOff(t *testing.T) {
	t.Setenv("NO_COLOR", "1")
	if colorful(os.Stdout) || colorful(io.Discard) {
		t.Error("colour with NO_COLOR set")
	}
}
