package simnet_test

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/simhttp/simhttp/internal/cputime"
	"github.com/simhttp/simhttp/internal/heapuse"
	"github.com/simhttp/simhttp/simnet"
)

// timedPairs is a world of n connection pairs where every socket has a
// two-minute inactivity timeout and every client writes 64 bytes once a
// period, which the server echoes: each exchange arms and clears
// retransmission timers and refreshes the inactivity timers, so the
// timers, not the bytes, are what a growing n stresses.
type timedPairs struct {
	w         *simnet.World
	ln        simnet.Listener
	intervals []*simnet.Timer
	exchanges int
	timeouts  int
}

const timedTimeout = 2 * time.Minute

func newTimedPairs(b *testing.B, n int, period time.Duration) *timedPairs {
	b.Helper()
	p := &timedPairs{w: newWorld(b, 1)}
	srv := addHost(b, p.w, "server")
	var err error
	p.ln, err = srv.Listen(simnet.ListenOptions{Port: 80, Backlog: n}, func(s *simnet.Socket) {
		s.SetTimeout(timedTimeout)
		s.Events.Timeout.On(func(struct{}) { p.timeouts++; s.Destroy(nil) })
		s.Events.Data.On(func(d []byte) { s.Write(d, nil) })
	})
	if err != nil {
		b.Fatal(err)
	}
	msg := make([]byte, 64)
	loop := p.w.Loop()
	for i := range n {
		// A host has 16,384 ephemeral ports per destination, as on Linux.
		name := fmt.Sprint("c", i/10_000)
		h := p.w.Host(name)
		if h == nil {
			h = addHost(b, p.w, name)
		}
		s, err := h.Connect(simnet.ConnectOptions{Host: "10.0.0.1", Port: 80, Timeout: timedTimeout})
		if err != nil {
			b.Fatal(err)
		}
		s.Events.Timeout.On(func(struct{}) { p.timeouts++; s.Destroy(nil) })
		s.Events.Data.On(func([]byte) { p.exchanges++ })
		s.Events.Connect.On(func(struct{}) {
			p.intervals = append(p.intervals, loop.SetInterval(period, func() { s.Write(msg, nil) }))
		})
	}
	if err := loop.RunUntil(time.Second); err != nil {
		b.Fatal(err)
	}
	return p
}

// runFor runs the world for d of virtual time.
func (p *timedPairs) runFor(b *testing.B, d time.Duration) {
	b.Helper()
	if err := p.w.Loop().RunUntil(p.w.Loop().Now() + d); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkTimedExchanges is the cost of one timer-driven exchange among
// 1 to 100,000 concurrent connection pairs exchanging every 10 seconds
// (b.N exchanges, rounded up to whole rounds); at 100,000 it should cost
// within 1.3x of 1,000. BenchmarkTimedExchangesHugePages is the same with
// the heap in huge pages.
func BenchmarkTimedExchanges(b *testing.B) {
	for _, n := range []int{1, 100, 1_000, 10_000, 100_000} {
		b.Run(fmt.Sprint("conns=", n), func(b *testing.B) { timedExchanges(b, n, false) })
	}
}

// timedExchanges times b.N exchanges among n pairs, with the heap backed by
// huge pages once the pairs are built if huge is set.
func timedExchanges(b *testing.B, n int, huge bool) {
	const period = 10 * time.Second
	p := newTimedPairs(b, n, period)
	// One untimed round, so every queue and timer list has grown.
	p.runFor(b, period)
	p.exchanges = 0
	rounds := (b.N + n - 1) / n
	b.ReportAllocs()
	// The garbage of building the pairs is collected now: at 100,000
	// pairs the heap is still growing to 400 MiB, and the collection it
	// is due would land in the timed rounds, about a microsecond per
	// exchange that the exchanges did not cause.
	runtime.GC()
	var backed simnet.HugePages
	if huge {
		backed = backHeap(b)
	}
	b.ResetTimer()
	cpu := cputime.Used()
	p.runFor(b, time.Duration(rounds)*period)
	cpu = cputime.Used() - cpu
	b.StopTimer()
	if p.exchanges < rounds*n {
		b.Fatalf("%d exchanges in %d rounds of %d pairs", p.exchanges, rounds, n)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(p.exchanges), "ns/exchange")
	if cpu > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(p.exchanges), "cpu-ns/exchange")
	}
	if huge {
		b.ReportMetric(float64(backed.Backed)/(1<<20), "huge-MiB")
		// The runtime's scavenger may have returned free pages in the
		// meantime, splitting the huge pages they sat in.
		b.ReportMetric(float64(hugeBytesIn(b, 0, ^uintptr(0)))/(1<<20), "huge-MiB-after")
	}
}

// BenchmarkTimeoutsHour runs 100,000 connection pairs with inactivity
// timeouts for one virtual hour, exchanging once a minute (6 million
// exchanges), then stops the exchanges and runs on until every
// connection has timed out: one side's timeout destroys its socket, which
// closes the other; it reports the wall seconds and the live heap at the
// end of the hour.
func BenchmarkTimeoutsHour(b *testing.B) {
	const pairs = 100_000
	for range b.N {
		before := heapuse.AfterGC()
		p := newTimedPairs(b, pairs, time.Minute)
		start, cpu := time.Now(), cputime.Used()
		p.runFor(b, time.Hour)
		heap := heapuse.AfterGC() - before
		for _, t := range p.intervals {
			t.Clear()
		}
		p.ln.Close()
		if err := p.w.Loop().Run(); err != nil {
			b.Fatal(err)
		}
		wall, cpu := time.Since(start), cputime.Used()-cpu
		if p.exchanges < pairs*59 || p.timeouts != pairs {
			b.Fatalf("%d exchanges and %d timeouts in an hour of %d pairs", p.exchanges, p.timeouts, pairs)
		}
		b.ReportMetric(wall.Seconds(), "wall-s")
		b.ReportMetric(cpu.Seconds(), "cpu-s")
		b.ReportMetric(float64(heap)/(1<<20), "heap-MiB")
		b.ReportMetric(float64(wall.Nanoseconds())/float64(p.exchanges), "ns/exchange")
		runtime.KeepAlive(p)
	}
}

// exchangeLines is, phase by phase, how many cache lines (64 bytes) one
// timed exchange touches, counted along the code path over the layouts
// of conn, end, Socket and Timer (unsafe.Offsetof) and checked against
// cachegrind's last-level misses at 100,000 pairs (BENCHMARKS.md, issue
// 10). An end's groups are its lines: every phase (two), reads, timer;
// the connection's own line is touched by none.
//
//   - the client's write, in the timers phase (10): its interval timer
//     and the closure it calls, the socket's first two lines and its
//     timeout timer, the client end's every-phase and timer lines, the
//     send arena and a kernel event;
//   - the segment reaching the server end (5): the kernel event, the
//     end's every-phase and read lines, a ready and a linger entry;
//   - the server's read and echo (12): the ready entry, the end's three
//     groups, the socket's three lines, its 'data' closure and timeout
//     timer, the arena line it writes and the client's bytes it reads, a
//     kernel event;
//   - its delayed ACK's check (1): the linger entry and the end's line;
//   - the echo reaching the client end (6): as the segment reaching the
//     server, and the end's timer line, which the echo's ACK stops;
//   - the client's read (5): the ready entry, the end's read line, the
//     socket's second and third lines, its 'data' closure and timeout
//     timer;
//   - its ACK leaving (3): the linger entry, the end's every-phase lines
//     and a kernel event;
//   - the ACK reaching the server end (4): the kernel event and the end's
//     every-phase and timer lines.
//
// The kernel events (a line each), ready entries (half a line) and linger
// entries (24 bytes) are written in one phase and read in the next; the
// shares of a line round to whole lines per phase.
var exchangeLines = [...]int{10, 5, 12, 1, 6, 5, 3, 4}

// exchangePairLines is the distinct lines of one pair in the floor: each
// end's four (8), the sockets' first three lines (6), the interval and two
// timeout timers (3), the interval and 'data' closures (2), the two lines
// of the arena the pair's bytes take (2) and its share of the kernel's
// queues (5: three kernel events, two ready and two linger entries).
const exchangePairLines = 26

// BenchmarkTimedExchangesFloor is what the hardware itself charges for
// BenchmarkTimedExchanges' memory traffic: per exchange, it touches as
// many cache lines in as many passes over the pairs, in a plain array of
// pairs laid out in the order they run, which is the best case for the
// caches and the prefetchers, and does no other work. Its growth from
// 1,000 to 100,000 pairs estimates what the memory charges for those
// lines. It is no strict bound: the simulation itself has grown less than
// it (BENCHMARKS.md, issue 10), so it touches more, or more costly,
// memory than an exchange does.
func BenchmarkTimedExchangesFloor(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		b.Run(fmt.Sprint("conns=", n), func(b *testing.B) { exchangeFloor(b, n, false) })
	}
}

// exchangeFloor touches b.N exchanges' lines among n pairs, with the pairs
// backed by huge pages if huge is set.
func exchangeFloor(b *testing.B, n int, huge bool) {
	type line [8]uint64
	pairs := make([]line, n*exchangePairLines)
	rounds := (b.N + n - 1) / n
	runtime.GC()
	if huge {
		backHeap(b)
	}
	b.ResetTimer()
	cpu := cputime.Used()
	for range rounds {
		first := 0
		for _, touched := range exchangeLines {
			for i := range n {
				pair := pairs[i*exchangePairLines : (i+1)*exchangePairLines]
				for k := range touched {
					pair[(first+k)%exchangePairLines][0]++
				}
			}
			first += touched
		}
	}
	cpu = cputime.Used() - cpu
	b.StopTimer()
	touches, want := uint64(0), 0
	for i := range pairs {
		touches += pairs[i][0]
	}
	for _, touched := range exchangeLines {
		want += rounds * n * touched
	}
	if touches != uint64(want) {
		b.Fatalf("%d lines touched, want %d", touches, want)
	}
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(rounds*n), "cpu-ns/exchange")
}

// backHeap backs the heap with huge pages, skipping the benchmark where
// none could be had: its figures would be the small pages' again.
func backHeap(b *testing.B) simnet.HugePages {
	backed, err := simnet.BackHeapWithHugePages()
	if backed.Backed == 0 {
		b.Skipf("SKIPPED: no huge pages here: %v", err)
	}
	return backed
}

// BenchmarkTimedExchangesHugePages is BenchmarkTimedExchanges at 1,000 and
// 100,000 pairs with the heap backed by huge pages once the pairs are
// built (BackHeapWithHugePages); huge-MiB is the process's memory in huge
// pages when the timing starts, huge-MiB-after when it ends. It and the
// floor's twin come last in this file, as go test runs benchmarks in the
// order of their source: the advice stays on the process's memory, so
// benchmarks run after them in one process are in huge pages too.
func BenchmarkTimedExchangesHugePages(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		b.Run(fmt.Sprint("conns=", n), func(b *testing.B) { timedExchanges(b, n, true) })
	}
}

// BenchmarkTimedExchangesFloorHugePages is BenchmarkTimedExchangesFloor
// with the pairs in huge pages, the floor for
// BenchmarkTimedExchangesHugePages.
func BenchmarkTimedExchangesFloorHugePages(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		b.Run(fmt.Sprint("conns=", n), func(b *testing.B) { exchangeFloor(b, n, true) })
	}
}
