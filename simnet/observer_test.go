package simnet

import (
	"testing"
	"time"
)

func TestEventsKeepTheirTailOnlyWhileObserved(t *testing.T) {
	clock := 0
	e := newEvents(func() time.Duration { clock++; return time.Duration(clock) }, true)
	e.Emit(Event{Obj: "test", ID: 1, Name: "unseen"})
	if tail := e.Tail(); len(tail) != 0 || clock != 0 {
		t.Fatalf("with no observer: tail %v, clock read %d times; want nothing kept and no clock read", tail, clock)
	}
	var seen []Event
	e.Observe(func(ev Event) { seen = append(seen, ev) })
	e.Emit(Event{Obj: "test", ID: 1, Name: "seen"})
	tail := e.Tail()
	if len(seen) != 1 || len(tail) != 1 || seen[0].T != 1 || tail[0].Name != "seen" || tail[0].T != 1 {
		t.Errorf("observed: saw %v, tail %v; want the one event stamped at 1 in both", seen, tail)
	}
}

// TestNewIDCountsEachKindOnItsOwn: NewID finds recent kinds without the
// map, so kinds that come round in order, leave the few it keeps at hand
// and come back, or come at random must still each count 1, 2, 3... on
// their own.
func TestNewIDCountsEachKindOnItsOwn(t *testing.T) {
	e := newEvents(func() time.Duration { return 0 }, false)
	kinds := []string{"req", "sreq", "sres", "res", "socket", "ssocket"}
	want := map[string]int{}
	var order []string
	for round := range 3 {
		order = append(order, kinds[:4]...)
		order = append(order, kinds[round:]...)
	}
	for i := range 200 {
		order = append(order, kinds[(i*i+3*i)%len(kinds)])
	}
	for i, k := range order {
		want[k]++
		if got := e.NewID(k); got != want[k] {
			t.Fatalf("call %d: NewID(%q) = %d, want %d", i, k, got, want[k])
		}
	}
}
