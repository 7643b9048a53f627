package simnet

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"
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

// TestEmitterRemovingTheOldestKeepsOrder removes listeners by id, the
// inline oldest one first, in and out of emissions: the rest keep their
// order, and an emitter with one listener allocates nothing to add it.
func TestEmitterRemovingTheOldestKeepsOrder(t *testing.T) {
	var out []string
	var e Emitter[string]
	a := e.Add(HandlerFunc[string](func(v string) { out = append(out, "a"+v) }))
	e.On(func(v string) { out = append(out, "b"+v) })
	var c ListenerID
	c = e.AddOnce(HandlerFunc[string](func(v string) {
		out = append(out, "c"+v)
		e.Remove(a)
		e.Remove(c)
	}))
	e.Add(HandlerFunc[string](func(v string) { out = append(out, "d"+v) }))
	e.Emit("1")
	e.Emit("2")
	e.Remove(a)
	e.Add(HandlerFunc[string](func(v string) { out = append(out, "e"+v) }))
	e.Emit("3")
	e.RemoveAll()
	if e.Emit("4") || e.ListenerCount() != 0 {
		t.Errorf("after RemoveAll: %d listeners", e.ListenerCount())
	}
	want := "a1 b1 c1 d1 b2 d2 b3 d3 e3"
	if got := strings.Join(out, " "); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	var one Emitter[int]
	h := &countHandler{}
	if n := testing.AllocsPerRun(100, func() { one.Remove(one.Add(h)) }); n != 0 {
		t.Errorf("adding and removing one listener allocates %v times", n)
	}
	// On and Once must stay small enough to inline, or the function they
	// return costs an allocation even where the caller drops it.
	fn := func(int) {}
	if n := testing.AllocsPerRun(100, func() { one.On(fn); one.Once(fn); one.RemoveAll() }); n != 0 {
		t.Errorf("On and Once with their results dropped allocate %v times", n)
	}
	// A socket holds ten emitters; growing them grows every idle socket.
	if size := unsafe.Sizeof(one); size != 40 {
		t.Errorf("an Emitter takes %d bytes, want 40", size)
	}
}

// TestEmitterRemovingTheNewestKeepsOrder removes the newest listener, as a
// keep-alive request leaving its socket does, outside and inside an
// emission: the others keep their order and count, an id already removed
// removes nothing, and a later listener still goes last.
func TestEmitterRemovingTheNewestKeepsOrder(t *testing.T) {
	var out []string
	var e Emitter[string]
	add := func(name string) ListenerID {
		return e.Add(HandlerFunc[string](func(v string) { out = append(out, name+v) }))
	}
	a := add("a")
	b := add("b")
	c := add("c")
	e.Remove(c)
	e.Remove(c)
	e.Emit("1")
	e.Remove(b)
	var d ListenerID
	d = e.Add(HandlerFunc[string](func(v string) {
		out = append(out, "d"+v)
		e.Remove(d)
	}))
	add("e")
	e.Emit("2")
	e.Emit("3")
	e.Remove(a)
	e.Emit("4")
	if got, want := strings.Join(out, " "), "a1 b1 a2 d2 e2 a3 e3 e4"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if n := e.ListenerCount(); n != 1 {
		t.Errorf("%d listeners left, want 1", n)
	}
	e.Remove(e.Add(HandlerFunc[string](func(string) {})))
	if n := e.ListenerCount(); n != 1 {
		t.Errorf("%d listeners after adding and removing the newest, want 1", n)
	}
}

// TestEmitterMatchesASnapshotModel drives an emitter and a plain list with
// the same random adds, once adds, removals and emissions, some made by
// listeners while an emission runs: an emission must run, in the order
// added, exactly the listeners present when it began and not removed
// before their turn. It walks every way the inline listener, the one made
// with the pointer and the rest are filled, freed and refilled.
func TestEmitterMatchesASnapshotModel(t *testing.T) {
	type entry struct {
		id   ListenerID
		once bool
	}
	rng := rand.New(rand.NewPCG(7, 11))
	for round := range 300 {
		var e Emitter[int]
		var model, snapshot []entry
		var ids []ListenerID
		pos := 0
		index := func(list []entry, id ListenerID) int {
			for i, m := range list {
				if m.id == id {
					return i
				}
			}
			return -1
		}
		drop := func(id ListenerID) {
			if i := index(model, id); i >= 0 {
				model = append(model[:i], model[i+1:]...)
			}
		}
		remove := func() {
			if len(ids) > 0 {
				id := ids[rng.IntN(len(ids))]
				e.Remove(id)
				drop(id)
			}
		}
		// passed checks that the listeners of the snapshot from pos up
		// to end did not run because they were removed.
		passed := func(end int) {
			for _, m := range snapshot[pos:end] {
				if index(model, m.id) >= 0 {
					t.Fatalf("round %d: listener %d was skipped while present", round, m.id)
				}
			}
		}
		var add func(once bool)
		add = func(once bool) {
			var id ListenerID
			h := HandlerFunc[int](func(int) {
				j := index(snapshot, id)
				if j < pos || index(model, id) < 0 {
					t.Fatalf("round %d: listener %d ran, not present at the start or removed since", round, id)
				}
				passed(j)
				pos = j + 1
				if once {
					drop(id)
				}
				switch rng.IntN(6) {
				case 0:
					add(rng.IntN(3) == 0)
				case 1:
					remove()
				}
			})
			if once {
				id = e.AddOnce(h)
			} else {
				id = e.Add(h)
			}
			model = append(model, entry{id, once})
			ids = append(ids, id)
		}
		for range 60 {
			switch op := rng.IntN(10); {
			case op < 4:
				add(op == 0)
			case op < 7:
				remove()
			default:
				snapshot, pos = append(snapshot[:0], model...), 0
				if ran := e.Emit(0); ran != (len(snapshot) > 0) {
					t.Fatalf("round %d: Emit = %v with %d listeners", round, ran, len(snapshot))
				}
				passed(len(snapshot))
			}
			if n := e.ListenerCount(); n != len(model) {
				t.Fatalf("round %d: %d listeners, want %d", round, n, len(model))
			}
		}
	}
}

type countHandler struct{ n int }

func (h *countHandler) Handle(int) { h.n++ }

// A listener that re-emits its own event without end meets Node's
// RangeError (fixtures/node/emitter/nesting.js) as a typed panic, which
// the loop reports as an uncaught exception; the emitter works again once
// the runaway has unwound.
func TestEmitterRunawayNestingIsNodesRangeError(t *testing.T) {
	raw, err := os.ReadFile("../fixtures/node/emitter/nesting.txt")
	if err != nil {
		t.Fatal(err)
	}
	var node struct {
		Name, Message string
		Code          *string
	}
	if err := json.Unmarshal(raw, &node); err != nil {
		t.Fatal(err)
	}
	if node.Name != "RangeError" {
		t.Fatalf("Node threw %s, not the RangeError ErrMaxCallStack stands for", raw)
	}
	if node.Code != nil {
		t.Fatalf("Node's RangeError has the code %q: ErrMaxCallStack should carry it instead of its own", *node.Code)
	}
	var e Emitter[int]
	depth := 0
	e.On(func(int) {
		depth++
		e.Emit(0)
	})
	l := NewLoop()
	l.SetTimeout(time.Millisecond, func() { e.Emit(0) })
	err = l.Run()
	var se *Error
	if !errors.Is(err, ErrMaxCallStack) || !errors.As(err, &se) {
		t.Fatalf("Run = %v, want an uncaught ErrMaxCallStack", err)
	}
	if se.Code != "ERR_SIMNET_MAX_CALL_STACK" || !strings.HasPrefix(se.Message, node.Message+": ") {
		t.Errorf("code %q, message %q; want ERR_SIMNET_MAX_CALL_STACK and Node's message %q first", se.Code, se.Message, node.Message)
	}
	if depth != maxNesting {
		t.Errorf("the listener ran %d times nested, want %d", depth, maxNesting)
	}
	e.RemoveAll()
	got := 0
	e.On(func(v int) { got += v })
	if !e.Emit(1) || got != 1 || e.ListenerCount() != 1 {
		t.Errorf("after the runaway: emitted %d, %d listeners", got, e.ListenerCount())
	}
}
