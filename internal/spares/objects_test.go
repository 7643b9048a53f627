package spares

import "testing"

type obj struct {
	n    int
	next *obj
}

// TestObjectsComeBackZeroedInOrder: Recycle takes back every object New
// handed out, zeroed, and New hands them out again in the order they were
// first made before allocating more; a nil Objects allocates each time.
func TestObjectsComeBackZeroedInOrder(t *testing.T) {
	var o Objects[obj]
	a, b := o.New(), o.New()
	a.n, a.next, b.n = 1, b, 2
	o.Recycle()
	if *a != (obj{}) || *b != (obj{}) {
		t.Fatalf("recycled objects hold %+v and %+v, want them zeroed", *a, *b)
	}
	if got := o.New(); got != a {
		t.Errorf("the first object after Recycle is not the first one made")
	}
	if got := o.New(); got != b {
		t.Errorf("the second object after Recycle is not the second one made")
	}
	if c := o.New(); c == a || c == b {
		t.Errorf("a third object reuses one handed out already")
	}
	var none *Objects[obj]
	if p, q := none.New(), none.New(); p == q || *p != (obj{}) {
		t.Errorf("a nil Objects handed out %p and %p (%+v)", p, q, *p)
	}
	none.Recycle()
}

// TestObjectsKeepAtMostMaxObjects: a world making more than MaxObjects
// leaves the rest to the collector.
func TestObjectsKeepAtMostMaxObjects(t *testing.T) {
	var o Objects[obj]
	for range MaxObjects + 10 {
		o.New()
	}
	o.Recycle()
	if len(o.free) != MaxObjects || len(o.made) != 0 {
		t.Errorf("after recycling %d objects %d are kept and %d still counted as made, want %d and 0", MaxObjects+10, len(o.free), len(o.made), MaxObjects)
	}
}

// TestSlicesComeBackZeroedByLength: Make hands a recycled slice, zeroed,
// only to a caller asking for its length.
func TestSlicesComeBackZeroedByLength(t *testing.T) {
	var s Slices[int]
	two := s.Make(2)
	two[0], two[1] = 7, 8
	s.Recycle()
	if two[0] != 0 || two[1] != 0 {
		t.Fatalf("a recycled slice holds %v, want zeroes", two)
	}
	if three := s.Make(3); len(three) != 3 || &three[0] == &two[0] {
		t.Errorf("a slice of 3 reused the slice of 2")
	}
	if again := s.Make(2); &again[0] != &two[0] {
		t.Errorf("a slice of 2 did not reuse the recycled slice of 2")
	}
	var none *Slices[int]
	if b := none.Make(4); len(b) != 4 {
		t.Errorf("a nil Slices made %d elements, want 4", len(b))
	}
	none.Recycle()
}
