package simnet

// HugePages is what [BackHeapWithHugePages] did, in bytes.
type HugePages struct {
	// Advised is the anonymous read-write memory advised as huge pages.
	Advised int64
	// Backed is the process's anonymous memory in huge pages afterwards.
	Backed int64
}

// BackHeapWithHugePages asks the kernel to back the memory the process has
// mapped so far, the Go heap with a world built in it, with 2 MiB pages.
//
// A big world's exchanges walk hundreds of megabytes, which in 4 KiB pages
// outruns the TLB as well as the caches, and under virtualisation a TLB
// miss costs a two-level page walk: at 100,000 connection pairs a
// timer-driven exchange took 6-19% less CPU with huge pages across runs,
// and a virtual hour of them 22% less (BENCHMARKS.md, issue 10). Go does
// not ask for them, and kernels that keep transparent huge pages for
// memory advised as such ("madvise", a common default) leave the heap in
// 4 KiB pages.
//
// It is opt-in and Linux only: elsewhere it returns an error wrapping
// errors.ErrUnsupported. Call it once the world is built: memory the heap
// maps later is not advised (call again after the world has grown), and the
// runtime's scavenger, returning free pages to the kernel, splits the huge
// pages they sat in. It changes no behaviour of any world, only how fast the
// process runs and how its memory is laid out, so traces are unchanged. An
// error means some memory is left in small pages and is safe to ignore.
func BackHeapWithHugePages() (HugePages, error) { return backWithHugePages() }
