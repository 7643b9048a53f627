package proxy

import (
	"errors"
	"fmt"
	"runtime"
	"testing"
	"time"
)

// oneP runs the proxy's legs on one P, as `simhttp proxy` does, for the
// rest of the test.
func oneP(t *testing.T) {
	n := runtime.GOMAXPROCS(1)
	t.Cleanup(func() { runtime.GOMAXPROCS(n) })
}

// A drained leg spins only while one connection is open, the machine is not
// busy and it is not told otherwise; it stops at once when the other leg
// has bytes, and rests after spinMisses spins in a row at spinMax in which
// nothing came.
func TestADrainedLegSpinsUntilTheOtherLegHasBytesAndRestsWhenNothingComes(t *testing.T) {
	oneP(t)
	src, _ := tcpConns(t)
	dst, dstPeer := tcpConns(t)
	p := &Proxy{}
	load := "0.00 0.00 0.00 1/100 7\n"
	p.spin.loadavg = func(buf []byte) (int, error) { return copy(buf, load), nil }
	r, err := newLegReader(p, src, dst)
	if err != nil {
		t.Fatal(err)
	}
	var fd uintptr
	if err := r.rc.Control(func(f uintptr) { fd = f }); err != nil {
		t.Fatal(err)
	}
	r.buf = make([]byte, 64)
	try := func() bool {
		t.Helper()
		if r.try(fd) {
			t.Fatalf("try read %d bytes (%v) from a leg nobody writes to", r.n, r.err)
		}
		return !r.since.IsZero()
	}

	if try() {
		t.Error("spun with no connection open")
	}
	p.open.Store(2)
	if try() {
		t.Error("spun with two connections open")
	}
	p.open.Store(1)
	p.opts.NoSpin = true
	if try() {
		t.Error("spun with NoSpin")
	}
	p.opts.NoSpin = false
	load = fmt.Sprintf("9.00 9.00 9.00 %d/100 7\n", runtime.NumCPU()+2)
	p.spin.decisions.Store(0) // the next decision reads the load
	if try() {
		t.Error("spun on a busy machine")
	}
	load = "0.00 0.00 0.00 1/100 7\n"
	p.spin.decisions.Store(0)

	r.window = spinMax
	for i := 1; i <= spinMisses; i++ {
		if !try() || r.rest != 0 && i < spinMisses {
			t.Fatalf("spin %d: did not spin, or rested early", i)
		}
	}
	if r.rest != spinRest {
		t.Fatalf("after %d spins that timed out the leg rests for %d parks, want %d", spinMisses, r.rest, spinRest)
	}
	for i := 0; i < spinRest; i++ {
		if try() {
			t.Fatalf("spun while resting, park %d", i)
		}
	}

	// The reply comes on the other leg: the spin ends with it, as a hit.
	if _, err := dstPeer.Write([]byte("reply")); err != nil {
		t.Fatal(err)
	}
	r.misses = spinMisses - 1
	if !try() || r.misses != 0 {
		t.Errorf("a spin that saw the other leg's bytes: spun %v, misses %d, want a spin and 0 misses", !r.since.IsZero(), r.misses)
	}
}

// The spin window grows while spins time out, rises to twice a reply's gap
// at once, falls slowly when replies come sooner, and stays within
// spinFor and spinMax; only spins that time out at spinMax count towards a
// rest.
func TestTheSpinWindowFollowsTheGapsOfReplies(t *testing.T) {
	r := &legReader{window: spinFor}
	for _, want := range []time.Duration{2 * spinFor, 4 * spinFor, 8 * spinFor, spinMax} {
		r.timedOut()
		if r.window != want || r.misses != 0 {
			t.Fatalf("after a time-out: window %v, misses %d; want %v, 0", r.window, r.misses, want)
		}
	}
	r.timedOut()
	if r.misses != 1 {
		t.Errorf("a time-out at spinMax: misses %d, want 1", r.misses)
	}
	r.replied(10 * time.Microsecond)
	if want := spinMax - spinMax/8; r.window != want || r.misses != 0 {
		t.Errorf("a quick reply: window %v, misses %d; want %v, 0", r.window, r.misses, want)
	}
	for range 100 {
		r.replied(10 * time.Microsecond)
	}
	if r.window != spinFor {
		t.Errorf("after many quick replies: window %v, want spinFor %v", r.window, spinFor)
	}
	r.replied(300 * time.Microsecond)
	if r.window != 600*time.Microsecond {
		t.Errorf("a reply after 300µs: window %v, want 600µs", r.window)
	}
	r.replied(5 * time.Millisecond)
	if r.window != spinMax {
		t.Errorf("a reply after 5ms: window %v, want spinMax %v", r.window, spinMax)
	}
}

// The legs of a proxy read the machine's load once every spinRest
// decisions, all legs together, and do not spin on a machine where more
// threads are runnable than its CPUs and the spinning one, nor with more
// than one P.
func TestTheSpinGateReadsTheLoadOncePerSpinRestDecisions(t *testing.T) {
	oneP(t)
	var g spinGate
	reads := 0
	load, fail := "0.50 0.40 0.30 1/100 7\n", false
	g.loadavg = func(buf []byte) (int, error) {
		reads++
		if fail {
			return 0, errors.New("no /proc")
		}
		return copy(buf, load), nil
	}
	decide := func(n int) (closed bool) {
		for range n {
			closed = g.closed()
		}
		return closed
	}
	if decide(1) || reads != 1 {
		t.Fatalf("first decision: busy or %d reads, want quiet and 1 read", reads)
	}
	load = fmt.Sprintf("9.00 9.00 9.00 %d/100 7\n", runtime.NumCPU()+2)
	if decide(spinRest-1) || reads != 1 {
		t.Fatalf("the load was read again before spinRest decisions (%d reads)", reads)
	}
	if !decide(1) || reads != 2 {
		t.Fatalf("decision spinRest+1: quiet or %d reads, want busy and 2 reads", reads)
	}
	load = fmt.Sprintf("9.00 9.00 9.00 %d/100 7\n", runtime.NumCPU()+1)
	if decide(spinRest) || reads != 3 {
		t.Errorf("as many runnable as the CPUs and the spinner: busy or %d reads, want quiet and 3", reads)
	}
	fail = true
	if decide(spinRest) || reads != 4 {
		t.Errorf("an unreadable load: busy or %d reads, want quiet and 4", reads)
	}
	runtime.GOMAXPROCS(2)
	if !decide(spinRest) || reads != 5 {
		t.Errorf("two Ps: open to spinning or %d reads, want closed and 5", reads)
	}
	if n, err := readLoadavg(make([]byte, 128)); err != nil || n == 0 {
		t.Errorf("reading /proc/loadavg: %d bytes, %v", n, err)
	}
}

func TestRunnableReadsLoadavg(t *testing.T) {
	for in, want := range map[string]int{
		"15.15 14.15 13.20 22/303 20651\n": 22,
		"0.00 0.01 0.05 1/120 7\n":         1,
		"0.00 0.01 0.05\n":                 0,
		"":                                 0,
	} {
		if got := runnable([]byte(in)); got != want {
			t.Errorf("runnable(%q) = %d, want %d", in, got, want)
		}
	}
}
