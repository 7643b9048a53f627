package simnet

import "testing"

// TestSegQueueKeepsOrderAcrossReuse pushes and pops in waves, so the backing
// array is emptied and reused, and checks every segment comes out in order.
func TestSegQueueKeepsOrderAcrossReuse(t *testing.T) {
	var q segQueue
	next, want := uint32(0), uint32(0)
	for wave := 1; wave <= 4; wave++ {
		for range wave {
			q.push(segment{seq: next})
			next++
		}
		for range wave {
			if got := q.pop().seq; got != want {
				t.Fatalf("wave %d: popped seq %d, want %d", wave, got, want)
			}
			want++
		}
		if q.head != 0 || len(q.q) != 0 {
			t.Fatalf("wave %d: queue not empty after popping all: head=%d len=%d", wave, q.head, len(q.q))
		}
	}
}
