package httpcore

import (
	"testing"
	"time"

	"github.com/simhttp/simhttp/simnet"
)

// TestDateCacheFollowsTheVirtualSecond: a server's cached Date text on a
// simulated host is reused only within the virtual second it was made in,
// so each response still carries the clock's own second, across a second's
// last instant, its first, a jump of many, and back within one.
func TestDateCacheFollowsTheVirtualSecond(t *testing.T) {
	w, err := simnet.NewWorld(1)
	if err != nil {
		t.Fatal(err)
	}
	h, err := w.AddHost("a", "10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	var c dateCache
	for _, at := range []time.Duration{0, 999 * time.Millisecond, time.Second, 1500 * time.Millisecond,
		2*time.Second - 1, 2 * time.Second, 61 * time.Second, 61*time.Second + 1} {
		if err := w.Loop().RunUntil(at); err != nil {
			t.Fatal(err)
		}
		if got, want := c.now(h), simEpoch.Add(at).Format(httpDateLayout); got != want {
			t.Errorf("at %v: Date %q, want %q", at, got, want)
		}
	}
}
