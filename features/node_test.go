package features

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	messages "github.com/cucumber/messages/go/v21"
)

// referenceCase is one entry of fixtures/node/traces/index.json.
type referenceCase struct {
	Case    string `json:"case"`
	Area    string `json:"area"`
	Compact string `json:"compact"`
	Client  string `json:"client"`
}

// grammarAreas are the reference areas recorded for behaviours the scenario
// grammar expresses (fixtures/node/README.md): each of their cases is meant
// to be a @node scenario, so none is recorded and left unchecked.
var grammarAreas = []string{"client-before-connect", "server-timeouts", "server-body-abort", "server-routes",
	"actions", "api-calls", "listeners", "sequences", "raw-clients", "raw-servers"}

func TestEveryCaseOfTheGrammarAreasHasANodeScenario(t *testing.T) {
	raw, err := os.ReadFile("../fixtures/node/traces/index.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []referenceCase
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	tagged := map[string]bool{}
	forEachNodeTag(t, func(_ *featureFile, _ *messages.Pickle, _, name string) { tagged[name] = true })
	n := 0
	for _, rc := range cases {
		if !slices.Contains(grammarAreas, rc.Area) {
			continue
		}
		n++
		if !tagged[rc.Case] {
			t.Errorf("%s (area %s) is recorded but no bundled scenario is tagged @node:%s", rc.Case, rc.Area, rc.Case)
		}
	}
	if n == 0 {
		t.Fatal("index.json has no case of the grammar areas")
	}
}

// TestNodeTagsExpectTheReference checks that each scenario tagged
// @node:<case> expects, in its "the whole run is" step, exactly the compact
// form real Node v20 recorded for <case>, and in its "the client sees" step,
// if any, exactly the client's part of it.
func TestNodeTagsExpectTheReference(t *testing.T) {
	raw, err := os.ReadFile("../fixtures/node/traces/index.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []referenceCase
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	want := map[string]referenceCase{}
	for _, c := range cases {
		want[c.Case] = c
	}
	tagged := 0
	forEachNodeTag(t, func(f *featureFile, p *messages.Pickle, tag, name string) {
		tagged++
		ref, known := want[name]
		if !known {
			t.Errorf("%s: %q: no reference case %q in index.json", f.uri, p.Name, name)
			return
		}
		got, found := expected(p.Steps, "the whole run is:")
		if !found {
			t.Errorf("%s: %q is tagged %s but has no \"the whole run is:\" step", f.uri, p.Name, tag)
			return
		}
		if !sameWords(got, ref.Compact) {
			t.Errorf("%s: %q expects\n\t%s\nbut Node v20 recorded for %s\n\t%s", f.uri, p.Name, words(got), name, ref.Compact)
		}
		if got, found := expected(p.Steps, "the client sees:"); found && !sameWords(got, ref.Client) {
			t.Errorf("%s: %q expects the client to see\n\t%s\nbut Node v20's client saw for %s\n\t%s", f.uri, p.Name, words(got), name, ref.Client)
		}
	})
	if tagged == 0 {
		t.Fatal("no scenario is tagged @node:<case>")
	}
}

// forEachNodeTag calls fn for every @node:<case> tag of every bundled
// scenario, with the case's name, so each Node check walks them one way.
func forEachNodeTag(t *testing.T, fn func(f *featureFile, p *messages.Pickle, tag, name string)) {
	t.Helper()
	c, err := loadCatalog(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range c.files {
		for _, p := range f.pickles {
			for _, tag := range p.Tags {
				if name, ok := strings.CutPrefix(tag.Name, "@node:"); ok {
					fn(f, p, tag.Name, name)
				}
			}
		}
	}
}

// sameWords reports whether an expected trace and a recorded one hold the
// same tokens, however the docstring wraps them.
func sameWords(a, b string) bool {
	return slices.Equal(strings.Fields(a), strings.Fields(b))
}

// words puts a docstring's tokens on one line, for a failure message.
func words(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// expected returns the docstring of a scenario's step with this text.
func expected(steps []*messages.PickleStep, text string) (string, bool) {
	for _, st := range steps {
		if st.Text == text && st.Argument != nil && st.Argument.DocString != nil {
			return st.Argument.DocString.Content, true
		}
	}
	return "", false
}
