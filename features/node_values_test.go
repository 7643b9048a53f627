package features

import (
	"bytes"
	"io"
	"os"
	"strconv"
	"testing"

	"github.com/cucumber/godog"
	messages "github.com/cucumber/messages/go/v21"
	"github.com/google/go-cmp/cmp"

	"github.com/simhttp/simhttp/simnet"
)

// valueMarks are the marks that carry what a scenario read, a getter
// returned or a call threw.
var valueMarks = map[string]bool{"mark:read": true, "mark:returned": true, "mark:thrown": true}

// TestNodeTaggedScenariosReadWhatNodeRead runs each scenario tagged
// @node:<case> whose recording has value marks, and checks that it reads,
// is returned and catches the same values, in the same order, as real
// Node v20 did.
func TestNodeTaggedScenariosReadWhatNodeRead(t *testing.T) {
	checked := 0
	forEachNodeTag(t, func(f *featureFile, p *messages.Pickle, _, name string) {
		want := recordedValues(t, name)
		if len(want) == 0 {
			return
		}
		checked++
		ref := f.uri + ":" + strconv.FormatInt(f.scens[p.AstNodeIds[0]], 10)
		got := simulatedValues(t, ref)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (%s) reads other values than Node v20 did for %s (-node +simhttp):\n%s", ref, p.Name, name, diff)
		}
	})
	if checked == 0 {
		t.Fatal("no @node scenario has value marks to check")
	}
}

// valueEvent is a value mark as a comparable, JSON-shaped value.
type valueEvent struct {
	Event  string
	Detail any
}

func recordedValues(t *testing.T, name string) []valueEvent {
	t.Helper()
	raw, err := os.ReadFile("../fixtures/node/traces/" + name + ".jsonl")
	if err != nil {
		return nil
	}
	events, err := simnet.ReadTrace(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return values(t, events)
}

func simulatedValues(t *testing.T, ref string) []valueEvent {
	t.Helper()
	c, err := loadCatalog([]string{ref}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := &suite{catalog: c, seed: 1}
	var events []simnet.Event
	s.onWorld = func(w *world) { events = w.events }
	s.run(godog.Options{Format: "progress", Output: io.Discard}, s.runnable())
	return values(t, events)
}

func values(t *testing.T, events []simnet.Event) []valueEvent {
	t.Helper()
	var out []valueEvent
	for _, ev := range events {
		if ev.Obj != "test" || !valueMarks[ev.Name] {
			continue
		}
		d, err := jsonPlain(ev.Detail)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, valueEvent{ev.Name, d})
	}
	return out
}
