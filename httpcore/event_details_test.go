package httpcore

import "testing"

// The shared details must each say what their event says, the table of
// free's included, and a socket past the table must still get its own
// number.
func TestEventDetailsSayTheirValue(t *testing.T) {
	for _, reused := range []bool{false, true} {
		if d := socketDetail(reused); len(d) != 1 || d["reusedSocket"] != reused {
			t.Errorf("socketDetail(%v) = %v", reused, d)
		}
	}
	for id := range 2 * len(freeDetails) {
		if d := freeDetail(id); len(d) != 1 || d["socket"] != id {
			t.Errorf("freeDetail(%d) = %v", id, d)
		}
	}
}
