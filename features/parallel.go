package features

import "sync"

// inParallel computes work(0) ... work(n-1) on up to jobs goroutines and
// returns the results in index order, so the outcome never depends on
// which finished first; done runs on the calling goroutine after each one
// finishes, for progress.
func inParallel[T any](n, jobs int, work func(i int) T, done func()) []T {
	results := make([]T, n)
	next := make(chan int)
	finished := make(chan struct{})
	var wg sync.WaitGroup
	for range min(jobs, n) {
		wg.Go(func() {
			for i := range next {
				results[i] = work(i)
				finished <- struct{}{}
			}
		})
	}
	go func() {
		for i := range n {
			next <- i
		}
		close(next)
	}()
	for range n {
		<-finished
		done()
	}
	wg.Wait()
	return results
}
