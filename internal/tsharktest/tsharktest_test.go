package tsharktest

import "testing"

// Without tshark on PATH, Need skips the test instead of failing it or
// letting it go on unchecked.
func TestNeedSkipsWithoutTshark(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	var sub *testing.T
	reached := false
	t.Run("needs tshark", func(t *testing.T) {
		sub = t
		Need(t, "nothing", "this test")
		reached = true
	})
	if !sub.Skipped() || sub.Failed() || reached {
		t.Fatalf("Need without tshark: skipped %v, failed %v, went on past Need %v; want a skip", sub.Skipped(), sub.Failed(), reached)
	}
}
