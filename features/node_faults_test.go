package features

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/cucumber/godog"
	messages "github.com/cucumber/messages/go/v21"

	"github.com/simhttp/simhttp/simnet"
)

// nodeFault is one entry of fixtures/node/sweep/faults.json: a fault class
// the sweep met, as real Node v20 lived it behind a faulty proxy.
type nodeFault struct {
	Case    string   `json:"case"`
	Compact string   `json:"compact"` // req, res, test, socket and agent events
	Client  string   `json:"client"`  // req, res and test events
	Errors  []string `json:"errors"`  // "obj#id CODE: message" of each 'error'
}

// clientObjects are the objects Node's run traced: the client's side only,
// as the proxy and the server behind it were not traced.
var clientObjects = []string{"req", "res", "test", "socket", "agent"}

// TestNodeFaultScenariosLiveWhatNodeLived runs each scenario tagged
// @node-fault:<case> on simnet and compares it with what Node v20 recorded
// for <case>: the scenario's "the client sees" expectation must be Node's,
// and the simulated client's requests, responses, sockets and agent must
// have emitted Node's events in Node's order. Events of sockets and agents
// after the last request or response event are left out on both sides:
// they are the teardown, and Node's must also take its proxy down.
func TestNodeFaultScenariosLiveWhatNodeLived(t *testing.T) {
	raw, err := os.ReadFile("../fixtures/node/sweep/faults.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []nodeFault
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	want := map[string]nodeFault{}
	for _, c := range cases {
		want[c.Case] = c
	}
	c, err := loadCatalog([]string{"faults/node_faults.feature"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.bad) > 0 {
		t.Fatal(c.bad[0])
	}
	tagged := map[string]bool{}
	for _, f := range c.files {
		for _, p := range f.pickles {
			name, ok := nodeFaultTag(p.Tags)
			if !ok {
				continue
			}
			tagged[name] = true
			ref, known := want[name]
			if !known {
				t.Errorf("%s: %q: no case %q in faults.json", f.uri, p.Name, name)
				continue
			}
			got, found := expected(p.Steps, "the client sees:")
			if !found {
				t.Errorf("%s: %q has no \"the client sees:\" step", f.uri, p.Name)
			} else if !sameWords(got, ref.Client) {
				t.Errorf("%s: %q expects the client to see\n\t%s\nbut Node v20's client saw\n\t%s", f.uri, p.Name, words(got), ref.Client)
			}
			line := f.scens[p.AstNodeIds[0]]
			sim, errs := simulatedClient(t, f.uri, int(line))
			if node := withoutTeardown(strings.Fields(ref.Compact)); !slices.Equal(sim, node) {
				t.Errorf("%s:%d: the simulated client did\n\t%s\nbut Node v20's did\n\t%s", f.uri, line, strings.Join(sim, " "), strings.Join(node, " "))
			}
			if !slices.Equal(errs, ref.Errors) {
				t.Errorf("%s:%d: the simulated client's errors were\n\t%q\nbut Node v20's were\n\t%q", f.uri, line, errs, ref.Errors)
			}
		}
	}
	for _, c := range cases {
		if !tagged[c.Case] {
			t.Errorf("faults.json case %q has no scenario tagged @node-fault:%s", c.Case, c.Case)
		}
	}
}

func nodeFaultTag(tags []*messages.PickleTag) (string, bool) {
	for _, tag := range tags {
		if name, ok := strings.CutPrefix(tag.Name, "@node-fault:"); ok {
			return name, true
		}
	}
	return "", false
}

// simulatedClient runs the scenario at uri:line and returns the compact
// form of its client side, without the teardown, and its errors as
// faults.json lists them.
func simulatedClient(t *testing.T, uri string, line int) (compact, errs []string) {
	t.Helper()
	one := &catalog{fsys: diskOrBundle{}}
	one.add(uri, line)
	s := &suite{catalog: one, seed: 1}
	var events []simnet.Event
	s.onWorld = func(w *world) { events = w.events }
	s.run(godog.Options{Format: "progress", Output: io.Discard}, s.runnable())
	for _, f := range s.failures {
		t.Errorf("%s failed: %v", f.ref, f.err)
	}
	client, _ := filterEvents(events, func(ev simnet.Event) bool { return slices.Contains(clientObjects, ev.Obj) })
	for _, ev := range client {
		if ev.Name == "error" {
			errs = append(errs, fmt.Sprintf("%s#%d %s: %s", ev.Obj, ev.ID, ev.Code, ev.Message))
		}
	}
	return withoutTeardown(strings.Fields(simnet.Compact(client, false))), errs
}

// withoutTeardown drops the socket and agent events after the last event
// of a request, a response or a mark.
func withoutTeardown(tokens []string) []string {
	end := len(tokens)
	for end > 0 && (strings.HasPrefix(tokens[end-1], "socket") || strings.HasPrefix(tokens[end-1], "agent")) {
		end--
	}
	return tokens[:end]
}

// TestEveryRunNodeRecordedKeepsTheEndInvariant: the sweep's invariant must
// hold for whatever real Node did under each fault.
func TestEveryRunNodeRecordedKeepsTheEndInvariant(t *testing.T) {
	raw, err := os.ReadFile("../fixtures/node/sweep/faults.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []nodeFault
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		events, reqs := eventsOf(t, c.Compact)
		if problems := endProblems(events, reqs); len(problems) > 0 {
			t.Errorf("%s: Node's own run breaks the invariant: %s", c.Case, strings.Join(problems, "; "))
		}
	}
}

// TestTheEndInvariantCatchesWhatNodeNeverDoes: each run breaks one rule.
func TestTheEndInvariantCatchesWhatNodeNeverDoes(t *testing.T) {
	for _, tc := range []struct{ run, want string }{
		{"req:socket req:error(ECONNRESET) req:close req:timeout", "request #1 emitted 1 events after 'close'"},
		{"req:socket req:error(ECONNRESET) req:error(ECONNRESET) req:close", "request #1 emitted 'error' 2 times"},
		{"req:socket req:close", "request #1 got no response and emitted no 'error'"},
		{"req:socket req:error(ECONNRESET)", "request #1 emitted 'close' 0 times"},
		{"req:socket req:response res:end res:error(ECONNRESET) req:close", "request #1's response (res#1) ended with 1 'end' and 1 'error'"},
		{"req:socket req:response req:close res:close", "request #1's response (res#1) ended with 0 'end' and 0 'error'"},
		// req#1 got no response, so req#2's response is res#1, not res#2.
		{"req:socket req#2:socket req:error(ECONNRESET) req:close req#2:response res#2:end req#2:close",
			"request #2's response (res#1) ended with 0 'end' and 0 'error'"},
	} {
		events, reqs := eventsOf(t, tc.run)
		got := strings.Join(endProblems(events, reqs), "; ")
		if got != tc.want {
			t.Errorf("%s\n\tgot  %q\n\twant %q", tc.run, got, tc.want)
		}
	}
}

// eventsOf reads a compact trace back into events, and the requests in it.
func eventsOf(t *testing.T, compact string) ([]simnet.Event, []int) {
	t.Helper()
	var events []simnet.Event
	var reqs []int
	for _, tok := range strings.Fields(compact) {
		obj, rest, ok := strings.Cut(tok, ":")
		if !ok {
			t.Fatalf("bad token %q", tok)
		}
		ev := simnet.Event{Obj: obj, ID: 1}
		if o, id, found := strings.Cut(obj, "#"); found {
			n, err := strconv.Atoi(id)
			if err != nil {
				t.Fatalf("bad token %q", tok)
			}
			ev.Obj, ev.ID = o, n
		}
		name, code, _ := strings.Cut(strings.TrimSuffix(rest, "*"), "(")
		ev.Name, ev.Code = name, strings.TrimSuffix(code, ")")
		if ev.Obj == "req" && !slices.Contains(reqs, ev.ID) {
			reqs = append(reqs, ev.ID)
		}
		events = append(events, ev)
	}
	return events, reqs
}
