package features

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/simhttp/simhttp/simnet"
)

func TestTraceIsTheSameForTheSameSeed(t *testing.T) {
	var a, b bytes.Buffer
	if err := Trace("testdata/refused.feature:3", 7, true, true, &a); err != nil {
		t.Fatal(err)
	}
	if err := Trace("testdata/refused.feature:3", 7, true, true, &b); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() || a.Len() == 0 {
		t.Fatalf("two runs with seed 7 differ or are empty:\n%s\n---\n%s", a.String(), b.String())
	}
	evs, err := simnet.ReadTrace(&a)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(simnet.Compact(evs, true), "net:") {
		t.Error("withNet left the network out")
	}
}

func TestTraceCompactForm(t *testing.T) {
	var b bytes.Buffer
	if err := Trace("testdata/refused.feature:3", 1, false, false, &b); err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(b.String()); !strings.Contains(got, "req:error(ECONNREFUSED)") || strings.Contains(got, "net:") {
		t.Errorf("compact trace %q", got)
	}
}

func TestTraceOfAFailingScenarioStillWritesItAndSaysWhy(t *testing.T) {
	var b bytes.Buffer
	err := Trace("testdata/refused.feature:8", 1, false, false, &b)
	var sf *ScenarioFailure
	if !errors.As(err, &sf) || sf.Ref != "testdata/refused.feature:8" || !strings.Contains(err.Error(), "testdata/refused.feature:8 failed") {
		t.Errorf("err = %v, want the failure", err)
	}
	if !strings.Contains(b.String(), "req:response") {
		t.Errorf("trace %q not written", b.String())
	}
}

func TestTraceNeedsAScenarioLine(t *testing.T) {
	for _, ref := range []string{"testdata/refused.feature", "testdata/refused.feature:4", "testdata/nothing.feature:3"} {
		if err := Trace(ref, 1, false, false, &bytes.Buffer{}); err == nil {
			t.Errorf("Trace(%q) did not fail", ref)
		}
	}
}

func TestTraceFindsBundledFeatures(t *testing.T) {
	c, err := loadCatalog(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	line := 0
	for _, f := range c.files {
		for _, p := range f.pickles {
			if f.uri == "client/orders.feature" && p.Name == "nothing listens on the port" {
				line = int(f.scens[p.AstNodeIds[0]])
			}
		}
	}
	var b bytes.Buffer
	if err := Trace(fmt.Sprintf("features/client/orders.feature:%d", line), 1, false, false, &b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "req:error(ECONNREFUSED)") {
		t.Errorf("trace %q", b.String())
	}
}
