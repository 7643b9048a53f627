package simnet_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/simhttp/simhttp/simnet"
)

func TestParseRuleReadsEveryKey(t *testing.T) {
	fields := []simnet.RuleField{
		{"what", "reset"}, {"dir", "server->client"}, {"conn", "2"}, {"request", "3"},
		{"after", "response headers"}, {"probability", "0.5"},
	}
	got, err := simnet.ParseRule(fields, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := simnet.Rule{What: simnet.FaultReset, Dir: simnet.ServerToClient, Conn: 2, Request: 3,
		After: simnet.AfterResponseHeaders, Probability: 0.5}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("rule (-want +got):\n%s", diff)
	}
	for _, c := range []struct {
		fields []simnet.RuleField
		want   simnet.Rule
	}{
		{[]simnet.RuleField{{"what", "close on reuse"}}, simnet.Rule{What: simnet.FaultCloseOnReuse}},
		{[]simnet.RuleField{{"what", "reset"}, {"pattern", "\r\n\r\n"}}, simnet.Rule{What: simnet.FaultReset, Pattern: []byte("\r\n\r\n")}},
		{[]simnet.RuleField{{"what", "stall"}, {"pattern", `\r\n\r\n`}, {"duration", "1.5s"}},
			simnet.Rule{What: simnet.FaultStall, Pattern: []byte("\r\n\r\n"), Duration: 1500 * time.Millisecond}},
		{[]simnet.RuleField{{"what", "delay"}, {"delay", "250"}, {"at", "10"}},
			simnet.Rule{What: simnet.FaultDelay, Delay: 250 * time.Millisecond, At: 10 * time.Millisecond}},
	} {
		got, err := simnet.ParseRule(c.fields, nil)
		if err != nil {
			t.Fatalf("%v: %v", c.fields, err)
		}
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("%v (-want +got):\n%s", c.fields, diff)
		}
	}
}

func TestParseRulesJSONNamesFileIndexAndKey(t *testing.T) {
	for _, c := range []struct {
		json, key, text string
		index           int
	}{
		{`[{"what":"reset"},{"what":"reset","colour":"red"}]`, "colour", "unknown key", 1},
		{`[{"what":"reset","dir":"up"}]`, "dir", "unknown direction", 0},
		{`[{"what":"slice"}]`, "size", "must be 1 or more", 0},
		{`[{"what":"reset","after bytes":10,"pattern":"x"}]`, "pattern", "only one of", 0},
		{`[{"what":"reset","request":2,"after bytes":3}]`, "request", "counts requests", 0},
		{`[{"what":"close on reuse","after":"response"}]`, "after", "is not used", 0},
		{`[{"what":"reset","after":"the body"}]`, "after", "unknown HTTP point", 0},
		{`[{"what":"reset","conn":true}]`, "", "want a string or a number", 0},
		{`[{"dir":"any"}]`, "what", "is missing", 0},
		{`[{"what":"reset","what":"close"}]`, "what", "given twice", 0},
	} {
		_, err := simnet.ParseRulesJSON("rules.json", []byte(c.json), nil)
		var re *simnet.RuleError
		if !errors.As(err, &re) {
			t.Fatalf("%s: got %v, want a *RuleError", c.json, err)
		}
		if re.Source != "rules.json" || re.Index != c.index || re.Key != c.key || !strings.Contains(err.Error(), c.text) {
			t.Errorf("%s: got %q (index %d, key %q), want index %d, key %q and %q", c.json, err, re.Index, re.Key, c.index, c.key, c.text)
		}
	}
	if _, err := simnet.ParseRulesJSON("rules.json", []byte(`{"what":"reset"}`), nil); err == nil || !strings.Contains(err.Error(), "rules.json") {
		t.Errorf("an object instead of an array: got %v", err)
	}
}

func TestRuleJSONRoundTrips(t *testing.T) {
	rules := []simnet.Rule{
		{What: simnet.FaultReset, Dir: simnet.ServerToClient, Pattern: []byte("\r\n\r\n\\"), Conn: 3},
		{What: simnet.FaultCloseOnReuse, Request: 2, Idle: 1500 * time.Microsecond},
		{What: simnet.FaultDelay, Delay: time.Second, Probability: 0.25, After: simnet.AfterResponse},
		{What: simnet.FaultDNSDelay, Name: "api", Delay: time.Millisecond, Client: "c"},
	}
	for _, r := range rules {
		b, err := r.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		back, err := simnet.ParseRuleJSON(b, nil)
		if err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if diff := cmp.Diff(r, back); diff != "" {
			t.Errorf("%s (-want +got):\n%s", b, diff)
		}
	}
}

func TestAddRuleAtHTTPPointsNeedsAFollower(t *testing.T) {
	w, err := simnet.NewWorld(1)
	if err != nil {
		t.Fatal(err)
	}
	_, err = w.AddRule(simnet.Rule{What: simnet.FaultReset, After: simnet.AfterResponseHeaders})
	var se *simnet.Error
	if !errors.As(err, &se) || se.Field != "After" {
		t.Fatalf("got %v, want an error naming After", err)
	}
}
