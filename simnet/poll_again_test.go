package simnet

import (
	"fmt"
	"slices"
	"testing"
)

// TestEnterPollPutsStillReadyFirst: a poll runs the watchers still ready
// after the last one first, then what became ready meanwhile, in order,
// whether the run slots of the completions' array have room for them or
// the waiting completions must move up.
func TestEnterPollPutsStillReadyFirst(t *testing.T) {
	for _, c := range []struct{ run, waiting, again int }{{0, 3, 2}, {1, 2, 3}, {4, 2, 3}, {3, 0, 3}, {2, 5, 2}} {
		l := NewLoop()
		var got []string
		note := func(s string) func() { return func() { got = append(got, s) } }
		for i := range c.run + c.waiting {
			l.ready(note(fmt.Sprint("w", i)))
		}
		l.io.boundary = l.seq
		for range c.run {
			l.takeReady()
		}
		for i := range c.again {
			l.readyAgain(note(fmt.Sprint("a", i)))
		}
		l.enterPoll()
		for t := l.takeReady(); t.with != nil; t = l.takeReady() {
			t.run()
		}
		var want []string
		for i := range c.again {
			want = append(want, fmt.Sprint("a", i))
		}
		for i := range c.waiting {
			want = append(want, fmt.Sprint("w", c.run+i))
		}
		if !slices.Equal(got, want) {
			t.Errorf("%+v: ran %v, want %v", c, got, want)
		}
	}
}
