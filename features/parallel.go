package features

import (
	"sync"
	"sync/atomic"
)

// inParallel computes work(0) ... work(n-1) on up to jobs goroutines and
// returns the results in index order, so the outcome never depends on
// which finished first; done runs after each one finishes, for progress,
// on one goroutine at a time.
//
// Each worker takes its next index itself and calls done under a lock,
// rather than being handed indexes and reporting back over channels, so
// no goroutine is parked and readied per item: with a core idle, readying
// one wakes a thread to run it, on the core a second worker needs.
func inParallel[T any](n, jobs int, work func(i int) T, done func()) []T {
	results := make([]T, n)
	var next atomic.Int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range min(jobs, n) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				results[i] = work(i)
				mu.Lock()
				done()
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return results
}
