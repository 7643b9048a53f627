package features

import (
	"sync/atomic"
	"testing"
)

// TestInParallelKeepsIndexOrder checks that every index is worked once,
// the results come back in index order whatever the number of workers,
// and done runs once per index, never two at a time.
func TestInParallelKeepsIndexOrder(t *testing.T) {
	for _, jobs := range []int{1, 2, 7, 200} {
		var worked, inDone atomic.Int64
		calls := 0
		got := inParallel(100, jobs, func(i int) int {
			worked.Add(1)
			return i * i
		}, func() {
			if inDone.Add(1) != 1 {
				t.Error("done ran on two goroutines at once")
			}
			calls++
			inDone.Add(-1)
		})
		if worked.Load() != 100 || calls != 100 || len(got) != 100 {
			t.Fatalf("jobs %d: %d indexes worked, done ran %d times, %d results; want 100 of each", jobs, worked.Load(), calls, len(got))
		}
		for i, r := range got {
			if r != i*i {
				t.Fatalf("jobs %d: result %d is %d, want %d", jobs, i, r, i*i)
			}
		}
	}
}
