package simnet

import "testing"

// The shared details must each say what their event says: one map in the
// wrong slot would put the wrong hadError in every trace.
func TestCloseDetailSaysHadError(t *testing.T) {
	for _, hadError := range []bool{false, true} {
		d := closeDetail(hadError)
		if len(d) != 1 || d["hadError"] != hadError {
			t.Errorf("closeDetail(%v) = %v", hadError, d)
		}
	}
}
