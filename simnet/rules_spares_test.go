package simnet_test

import (
	"testing"
	"time"

	"github.com/simhttp/simhttp/simnet"
)

// ruledEcho is echoOnce under fault rules whose states hold segments and
// count bytes and patterns, returning the compact trace; with sp the
// world takes its objects, rule states included, from sp and releases
// them after.
func ruledEcho(t *testing.T, sp *simnet.Spares, rules []simnet.Rule) string {
	t.Helper()
	opts := onSpares(sp)
	w, cli, srv := twoHosts(t, opts...)
	for _, r := range rules {
		if _, err := w.AddRule(r); err != nil {
			t.Fatal(err)
		}
	}
	trace, _ := echoExchange(t, w, cli, srv)
	releaseOnSpares(t, w, sp)
	return trace
}

// TestRuleStatesFromSparesCarryNothingOver: a world whose connections'
// rule states come from a released world's - stalled segments, bytes and
// pattern progress counted - runs its own rules as a fresh world does.
func TestRuleStatesFromSparesCarryNothingOver(t *testing.T) {
	sets := [][]simnet.Rule{
		{{What: simnet.FaultStall, Dir: simnet.ServerToClient, Duration: 20 * time.Millisecond},
			{What: simnet.FaultDelay, Dir: simnet.ClientToServer, Delay: 5 * time.Millisecond},
			{What: simnet.FaultSlice, Size: 2}},
		{{What: simnet.FaultDelay, Dir: simnet.ServerToClient, AfterBytes: 3, Delay: 7 * time.Millisecond}},
		{{What: simnet.FaultSlice, Size: 1, Pattern: []byte("ll")}},
		nil,
	}
	sameOnSpares(t, sets, ruledEcho)
}
