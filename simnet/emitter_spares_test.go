package simnet

import (
	"slices"
	"testing"
)

// heardBy is a listener that notes its name.
type heardBy struct {
	name string
	log  *[]string
}

func (h *heardBy) Handle(int) { *h.log = append(*h.log, h.name) }

// TestAddInTakesSecondSlotsFromSpares: an emitter of a world with spares
// takes its second listener's slot from them, and the next world, given
// that slot again, hears only its own listeners, in order; without spares
// AddIn is Add.
func TestAddInTakesSecondSlotsFromSpares(t *testing.T) {
	type owner struct{ e Emitter[int] }
	sp := NewSpares()
	var log []string
	var slot *moreListeners[int]
	for round, names := range [][]string{{"a", "b", "c"}, {"d", "e"}} {
		w, err := NewWorld(1, WithSpares(sp))
		if err != nil {
			t.Fatal(err)
		}
		o := Alloc[owner](w.Loop())
		for _, name := range names {
			o.e.AddIn(w.Loop(), &heardBy{name, &log})
		}
		log = log[:0]
		o.e.Emit(round)
		if !slices.Equal(log, names) {
			t.Errorf("round %d: heard by %v, want %v", round, log, names)
		}
		if round == 1 && o.e.more != slot {
			t.Errorf("the second world's second slot is not the first world's, released")
		}
		slot = o.e.more
		if err := w.Release(); err != nil {
			t.Fatal(err)
		}
	}
	var e Emitter[int]
	plain := NewLoop()
	e.AddIn(plain, &heardBy{"x", &log})
	e.AddIn(plain, &heardBy{"y", &log})
	log = log[:0]
	e.Emit(0)
	if !slices.Equal(log, []string{"x", "y"}) {
		t.Errorf("without spares heard by %v, want [x y]", log)
	}
}
