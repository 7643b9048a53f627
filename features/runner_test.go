package features

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/simhttp/simhttp/simnet"
)

func run(t *testing.T, opts RunOptions) (bool, error, string) {
	t.Helper()
	var out bytes.Buffer
	if opts.Format == "" {
		opts.Format = "progress"
	}
	opts.Output = &out
	ok, err := Run(opts)
	return ok, err, out.String()
}

func TestASyntaxErrorNamesItsPlaceAndTheRestRuns(t *testing.T) {
	ok, err, out := run(t, RunOptions{Paths: []string{"testdata/syntax_error.feature", "testdata/refused.feature:3"}})
	if ok {
		t.Error("Run passed with a file that does not parse")
	}
	var fe *FeatureError
	if !errors.As(err, &fe) || fe.File != "testdata/syntax_error.feature" || !strings.Contains(err.Error(), "(6:") {
		t.Errorf("err = %v, want a *FeatureError for testdata/syntax_error.feature naming line 6", err)
	}
	if !strings.Contains(out, "1 scenarios (1 passed)") {
		t.Errorf("the other file did not run:\n%s", out)
	}
}

func TestAnUnknownStepLeavesItsScenarioOutAndTheRestRuns(t *testing.T) {
	ok, err, out := run(t, RunOptions{Paths: []string{"testdata/unknown_step.feature"}})
	if ok {
		t.Error("Run passed with an unknown step")
	}
	var se *StepError
	if !errors.As(err, &se) || !strings.Contains(err.Error(), "unknown_step.feature:4") {
		t.Errorf("err = %v, want a *StepError at unknown_step.feature:4", err)
	}
	if !strings.Contains(out, "1 scenarios (1 passed)") {
		t.Errorf("the sound scenario did not run alone:\n%s", out)
	}
}

func TestAnInvalidValueFailsItsScenarioAndTheRunGoesOn(t *testing.T) {
	ok, err, out := run(t, RunOptions{Paths: []string{"testdata/invalid_value.feature"}})
	if ok || err != nil {
		t.Errorf("Run = %v, %v; want false, nil", ok, err)
	}
	for _, want := range []string{`unknown fault "explode"`, `The value of "timeout" is out of range`, "3 scenarios (1 passed, 2 failed)"} {
		if !strings.Contains(out, want) {
			t.Errorf("the report does not say %q:\n%s", want, out)
		}
	}
}

func TestAFailureNamesItsSeedAndTheCommandThatRepeatsIt(t *testing.T) {
	ok, _, out := run(t, RunOptions{Paths: []string{"testdata/refused.feature"}, Seed: 42})
	if ok {
		t.Fatal("Run passed a failing scenario")
	}
	if !strings.Contains(out, "seed 42; reproduce with: simhttp trace testdata/refused.feature:8 --seed 42") {
		t.Errorf("the report does not say how to repeat the failure:\n%s", out)
	}
}

func TestJUnitReportForCI(t *testing.T) {
	_, _, out := run(t, RunOptions{Paths: []string{"testdata/refused.feature"}, Format: "junit"})
	if !strings.Contains(out, "<testsuites") || !strings.Contains(out, `failures="1"`) {
		t.Errorf("not a JUnit report with one failure:\n%s", out)
	}
}

func TestUnknownFormatIsRefused(t *testing.T) {
	if _, err := Run(RunOptions{Format: "html"}); err == nil || !strings.Contains(err.Error(), `"html"`) {
		t.Errorf("err = %v, want one naming the format", err)
	}
}

func TestTraceDirGetsEachScenariosTrace(t *testing.T) {
	dir := t.TempDir()
	run(t, RunOptions{Paths: []string{"testdata/refused.feature:3"}, TraceDir: dir})
	f, err := os.Open(filepath.Join(dir, "testdata_refused.feature-3.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	evs, err := simnet.ReadTrace(f)
	if err != nil {
		t.Fatal(err)
	}
	if c := simnet.Compact(evs, false); !strings.Contains(c, "req:error(ECONNREFUSED)") {
		t.Errorf("trace %q lacks the request's error", c)
	}
}

func TestPrettyPointsEachStepAtItsFeatureLine(t *testing.T) {
	ok, err, out := run(t, RunOptions{Paths: []string{"grammar/handlers.feature"}, Format: "pretty"})
	if !ok || err != nil {
		t.Fatalf("ok %v, err %v:\n%s", ok, err, out)
	}
	if strings.Contains(out, ".go:") {
		t.Errorf("the report names Go code:\n%s", out)
	}
	for i, line := range strings.Split(strings.TrimSpace(mustRead(t, "grammar/handlers.feature")), "\n") {
		text := strings.TrimSpace(line)
		for _, kw := range []string{"Given ", "When ", "Then ", "And "} {
			if strings.HasPrefix(text, kw) && !strings.Contains(out, fmt.Sprintf("# grammar/handlers.feature:%d\n", i+1)) {
				t.Errorf("no step points at grammar/handlers.feature:%d (%s):\n%s", i+1, text, out)
			}
		}
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

func TestRunTakesSeveralFormatsTagsAndConcurrency(t *testing.T) {
	junit := filepath.Join(t.TempDir(), "report.xml")
	ok, err, out := run(t, RunOptions{Format: "progress,junit:" + junit, Tags: "@node:client-success,@node:server-simple", Concurrency: 2})
	if !ok || err != nil {
		t.Fatalf("ok %v, err %v:\n%s", ok, err, out)
	}
	if !strings.Contains(out, "2 scenarios (2 passed)") {
		t.Errorf("the tags did not pick the two scenarios:\n%s", out)
	}
	if report := mustRead(t, junit); strings.Count(report, "<testcase ") != 2 {
		t.Errorf("the JUnit report has not 2 test cases:\n%s", report)
	}
}

func TestRunRefusesWhatSelectsNothingOrCannotBeWritten(t *testing.T) {
	for _, opts := range []RunOptions{
		{Tags: "@no-such-tag"},
		{Format: "pretty,bogus"},
		{Format: "pretty,progress"},
		{Format: "junit:"},
		{Concurrency: -1},
	} {
		if ok, err, _ := run(t, opts); ok || err == nil {
			t.Errorf("%+v: ok %v, err %v; want an error", opts, ok, err)
		}
	}
}
