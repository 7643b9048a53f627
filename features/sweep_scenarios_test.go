package features

import (
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/cucumber/godog"
	messages "github.com/cucumber/messages/go/v21"

	"github.com/simhttp/simhttp/simnet"
)

// TestSweepScenariosRunAsGodogDoes runs the same scenarios through godog
// and through the sweep's own runner and wants the same worlds from both,
// in the same order: each one's reference, trace and failure, word for
// word. It covers every bundled scenario that runs in the simulation at
// two seeds (some fail on purpose), and @sweep scenarios under the faults
// of 10 seeds, the bundled ones, and 30 of ones that fail.
func TestSweepScenariosRunAsGodogDoes(t *testing.T) {
	for _, c := range []struct {
		name   string
		paths  []string
		tag    string
		seeds  []uint64
		faults bool
		fails  bool // some seed fails: the comparison covers failures
	}{
		{"bundled", nil, "", []uint64{1, 7}, false, true},
		{"bundled @sweep", nil, "@sweep", seq(1, 10), true, false},
		{"failing @sweep", []string{"testdata/sweep.feature", "testdata/sweep_reuse.feature:4"}, "@sweep", seq(1, 30), true, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			cat, err := loadCatalog(c.paths, nil)
			if err != nil {
				t.Fatal(err)
			}
			paths := withoutRealServices((&suite{catalog: cat}).runnable())
			scenarios, err := matchScenarios(cat, paths, c.tag)
			if err != nil {
				t.Fatal(err)
			}
			failed := 0
			for _, seed := range c.seeds {
				newSuite := func(worlds *[]string) *suite {
					s := &suite{catalog: cat, seed: seed, onWorld: func(w *world) { *worlds = append(*worlds, describeWorld(w)) }}
					if c.faults {
						s.faults = &faultPlan{}
					}
					return s
				}
				var viaGodog, viaSweep []string
				g := newSuite(&viaGodog)
				tags := c.tag
				if tags == "" {
					tags = "~@no-such-tag"
				}
				g.run(godog.Options{Format: "progress", Output: io.Discard, Tags: tags}, paths)
				s := newSuite(&viaSweep)
				scenarios.run(s)
				if len(viaGodog) == 0 || g.ran != s.ran || len(g.failures) != len(s.failures) {
					t.Fatalf("seed %d: godog ran %d scenarios (%d failed), the sweep's runner %d (%d failed)", seed, g.ran, len(g.failures), s.ran, len(s.failures))
				}
				failed += len(s.failures)
				for i := range viaGodog {
					if viaGodog[i] != viaSweep[i] {
						t.Fatalf("seed %d, world %d: godog gave\n%s\nthe sweep's runner gave\n%s", seed, i, viaGodog[i], viaSweep[i])
					}
				}
			}
			if c.fails && failed == 0 {
				t.Errorf("no scenario failed at %d seeds: the comparison covers no failure", len(c.seeds))
			}
		})
	}
}

func seq(first, last uint64) []uint64 {
	var out []uint64
	for s := first; s <= last; s++ {
		out = append(out, s)
	}
	return out
}

// withoutRealServices drops the files whose scenarios drive a real
// service: their traces carry wall-clock times, so no two runs agree.
func withoutRealServices(paths []string) []string {
	return slices.DeleteFunc(paths, func(p string) bool { return strings.Contains(p, "real_service") })
}

func describeWorld(w *world) string {
	s := fmt.Sprintf("%s %q\n%s", w.ref(), w.name, simnet.Compact(w.events, true))
	if w.failure != nil {
		s += "\nfailed: " + w.failure.Error()
	}
	return s
}

// TestSweepRunsItsTaggedScenariosInOrder checks which scenarios a sweep
// prepares, and in what order: those tagged @sweep, file by file as given,
// a FILE:LINE reference only its own, with their backgrounds and an
// outline's tagged examples only.
func TestSweepRunsItsTaggedScenariosInOrder(t *testing.T) {
	const ruled = `@top
Feature: rules
  Background:
    Given a server that responds with status 200 and body "a"

  Scenario: not swept
    When the client sends GET /

  Rule: the first rule
    Background:
      Given a server that responds with status 200 and body "b"

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
    @sweep
    Scenario: swept with a doc string
      Then the client sees:
      """
      req:socket
      """
`
	c, err := loadCatalog([]string{"testdata/sweep.feature", "testdata/mismatch.feature", "-", "testdata/sweep_reuse.feature:4"}, strings.NewReader(ruled))
	if err != nil {
		t.Fatal(err)
	}
	scenarios, err := matchScenarios(c, (&suite{catalog: c}).runnable(), "@sweep")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for i := range scenarios.scenarios {
		sc := &scenarios.scenarios[i]
		var steps []string
		for _, st := range sc.pickle.Steps {
			steps = append(steps, st.Text)
		}
		got = append(got, sc.pickle.Uri+": "+sc.pickle.Name+": "+strings.Join(steps, "; "))
	}
	want := []string{
		"testdata/sweep.feature: a GET that must answer with its body whatever the faults: ",
		"testdata/sweep.feature: a GET that keeps its invariants whatever the faults: ",
		"-: swept in a rule: a server that responds with status 200 and body \"a\"; a server that responds with status 200 and body \"b\"; the client sends GET /1",
		"-: an outline, swept in one of its examples: a server that responds with status 200 and body \"a\"; a server that responds with status 200 and body \"b\"; the client sends GET /x",
		"-: swept with a doc string: a server that responds with status 200 and body \"a\"; the client sees:",
		"testdata/sweep_reuse.feature: the second request goes out on the first one's socket: ",
	}
	if len(got) != len(want) {
		t.Fatalf("the sweep runs\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("scenario %d is\n%s\nwant it to begin\n%s", i, got[i], want[i])
		}
	}
	last := scenarios.scenarios[4].steps
	if doc, ok := last[len(last)-1].in[0].Interface().(*messages.PickleDocString); !ok || doc.Content != "req:socket" {
		t.Errorf("the doc string step is called with %v", last[len(last)-1].in)
	}
}

// TestSweepConvertsEveryStepsArguments checks that the sweep's runner can
// call every step definition of the vocabulary: each parameter is one it
// converts, each capture of a pattern feeds one, and its one result is
// an error.
func TestSweepConvertsEveryStepsArguments(t *testing.T) {
	table := &messages.PickleStepArgument{DataTable: &messages.PickleTable{}, DocString: &messages.PickleDocString{}}
	for _, d := range vocabulary {
		fn := reflect.TypeOf(d.bind(&world{}))
		// The runner takes a step's one result as its error.
		if fn.NumOut() != 1 || fn.Out(0) != reflect.TypeFor[error]() {
			t.Errorf("%s: a step returning %v, not an error", d.pattern, fn)
		}
		args := make([]any, d.regexp().NumSubexp())
		for i := range args {
			args[i] = "1"
		}
		args = append(args, table)
		in, err := stepArgs(fn, args)
		if err != nil {
			t.Errorf("%s: %v", d.pattern, err)
			continue
		}
		if want := d.regexp().NumSubexp(); len(in) != want && len(in) != want+1 {
			t.Errorf("%s: %d parameters for %d captures", d.pattern, len(in), want)
		}
	}
	if _, err := stepArgs(reflect.TypeFor[func(int) error](), []any{"99999999999999999999"}); err == nil || !strings.Contains(err.Error(), `cannot convert argument 0: "99999999999999999999" to int`) {
		t.Errorf("an overflowing number gives %v", err)
	}
}

// TestSweepStepFailuresReadAsUnderGodog gives the vocabulary steps that
// panic, fail, skip and take a number that overflows, and wants the
// sweep's runner to report each scenario's outcome word for word as
// godog's run does, the steps after the failing one not run in either.
func TestSweepStepFailuresReadAsUnderGodog(t *testing.T) {
	odd := []*stepDef{
		{pattern: `^the test step panics with "([^"]*)"$`, bind: func(*world) any {
			return func(s string) error { panic(s) }
		}},
		{pattern: `^the test step panics with an error$`, bind: func(*world) any {
			return func() error { panic(fmt.Errorf("an error: %w", io.ErrUnexpectedEOF)) }
		}},
		{pattern: `^the test step fails$`, bind: func(*world) any {
			return func() error { return errors.New("it failed") }
		}},
		{pattern: `^the test step counts (\d+)$`, bind: func(*world) any {
			return func(int) error { return nil }
		}},
		{pattern: `^the test step skips$`, bind: func(*world) any {
			return func() error { return godog.ErrSkip }
		}},
	}
	for _, d := range odd {
		d.re = regexp.MustCompile(d.pattern)
	}
	defer func(v []*stepDef) { vocabulary = v }(vocabulary)
	vocabulary = append(slices.Clip(vocabulary), odd...)
	const feature = `Feature: steps that fail
  Scenario: a step panics with a string
    Given a server that responds with status 200 and body "a"
    When the test step panics with "boom"
    And the test step fails

  Scenario: a step panics with an error
    When the test step panics with an error

  Scenario: a step fails
    Given a server that responds with status 200 and body "a"
    When the client sends GET /
    And the test step fails
    And the test step panics with "never"

  Scenario: a step's number overflows
    When the test step counts 99999999999999999999

  Scenario: a step skips the rest
    When the test step skips
    And the test step fails

  Scenario: the last step skips
    Given a server that responds with status 200 and body "a"
    When the test step skips
`
	cat, err := loadCatalog([]string{"-"}, strings.NewReader(feature))
	if err != nil {
		t.Fatal(err)
	}
	paths := (&suite{catalog: cat}).runnable()
	scenarios, err := matchScenarios(cat, paths, "")
	if err != nil {
		t.Fatal(err)
	}
	var viaGodog, viaSweep []string
	g := &suite{catalog: cat, seed: 3, onWorld: func(w *world) { viaGodog = append(viaGodog, describeWorld(w)) }}
	g.run(godog.Options{Format: "progress", Output: io.Discard}, paths)
	s := &suite{catalog: cat, seed: 3, onWorld: func(w *world) { viaSweep = append(viaSweep, describeWorld(w)) }}
	scenarios.run(s)
	if len(viaGodog) != 6 || len(g.failures) != 5 || len(viaSweep) != 6 || len(s.failures) != 5 {
		t.Fatalf("godog ran %d scenarios (%d failed), the sweep's runner %d (%d failed); want 6, 5 failing", len(viaGodog), len(g.failures), len(viaSweep), len(s.failures))
	}
	// godog finishes a scenario with its last step's error: a skip
	// before the last step leaves it passed, a skip at the last fails it.
	for i, want := range []string{"failed: boom", "failed: an error: unexpected EOF", "failed: it failed\n  seed 3;",
		`failed: cannot convert argument 0: "99999999999999999999" to int`, "", "failed: skipped\n  seed 3;"} {
		if viaGodog[i] != viaSweep[i] {
			t.Errorf("world %d: godog gave\n%s\nthe sweep's runner gave\n%s", i, viaGodog[i], viaSweep[i])
		}
		if failed := strings.Contains(viaSweep[i], "failed: "); !strings.Contains(viaSweep[i], want) || failed != (want != "") {
			t.Errorf("world %d does not say %q:\n%s", i, want, viaSweep[i])
		}
	}
}

// TestSweepStepsCallTheirDefinitionsDirectly: every step of the bundled
// @sweep scenarios has a shape callDirect calls without reflect, so a
// definition of a new shape there shows here rather than as allocations,
// and callDirect hands the definition the very arguments, in order, that
// reflect's call would and returns its error: a case of callDirect that
// mixes up its arguments or drops the error fails here. (The bundled case
// of TestSweepScenariosRunAsGodogDoes runs the shapes left to reflect.)
func TestSweepStepsCallTheirDefinitionsDirectly(t *testing.T) {
	sw, err := loadSweep(SweepOptions{}, false)
	if err != nil {
		t.Fatal(err)
	}
	stubErr := errors.New("the definition's error")
	for i := range sw.scenarios.scenarios {
		for _, st := range sw.scenarios.scenarios[i].steps {
			typ := reflect.TypeOf(st.def.bind(&world{}))
			var got []any
			stub := reflect.MakeFunc(typ, func(in []reflect.Value) []reflect.Value {
				got = got[:0]
				for _, v := range in {
					got = append(got, v.Interface())
				}
				return []reflect.Value{reflect.ValueOf(&stubErr).Elem()}
			})
			called, err := callDirect(stub.Interface(), st.args)
			if !called {
				t.Errorf("%q is a %s, which callDirect leaves to reflect", st.def.pattern, typ)
				continue
			}
			direct := slices.Clone(got)
			stub.Call(st.in)
			if err != stubErr || !reflect.DeepEqual(direct, got) {
				t.Errorf("%q: callDirect passed %#v and returned %v, reflect passes %#v and the definition returned %v",
					st.def.pattern, direct, err, got, stubErr)
			}
		}
	}
}
