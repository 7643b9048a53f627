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
