package simnet

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestEmitterOrderMatchesNode replays fixtures/node/emitter/order.js:
// listeners run in the order added, a once listener runs for one emission,
// and a listener added during an emission waits for the next.
func TestEmitterOrderMatchesNode(t *testing.T) {
	want, err := os.ReadFile("../fixtures/node/emitter/order.txt")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	var e Emitter[int]
	e.On(func(v int) {
		out = append(out, "a"+strconv.Itoa(v))
		if v == 1 {
			e.On(func(w int) { out = append(out, "late"+strconv.Itoa(w)) })
		}
	})
	e.Once(func(v int) { out = append(out, "once"+strconv.Itoa(v)) })
	offC := e.On(func(v int) { out = append(out, "c"+strconv.Itoa(v)) })
	e.Emit(1)
	offC()
	e.Emit(2)
	out = append(out, "count"+strconv.Itoa(e.ListenerCount()))
	if got := strings.Join(out, " ") + "\n"; got != string(want) {
		t.Errorf("got  %q\nwant %q (Node)", got, want)
	}
}
