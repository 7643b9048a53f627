package httpcore

import "testing"

// TestRareEventsAreMadeOnFirstUseOnly: emitting a rare event nobody asked
// for makes nothing; asking makes the events once, and a listener added
// then hears the emission.
func TestRareEventsAreMadeOnFirstUseOnly(t *testing.T) {
	var e IncomingEvents
	if e.emitTimeout() || e.rare.ifMade() != nil {
		t.Fatal("emitting 'timeout' with no listener made the rare events or reached someone")
	}
	heard := 0
	e.Timeout().On(func(struct{}) { heard++ })
	made := e.rare.ifMade()
	if made == nil || e.rare.get() != made || e.Aborted() != &made.aborted {
		t.Fatal("the rare events were not made once, on first use")
	}
	if !e.emitTimeout() || heard != 1 {
		t.Errorf("'timeout' reached %d listeners, want 1", heard)
	}
}
