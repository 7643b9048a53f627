package proxy

import "testing"

// A drained leg spins only while one connection is open, the machine is not
// busy and it is not told otherwise; it stops at once when the other leg has bytes, and rests after
// spinMisses spins in a row in which nothing came.
func TestADrainedLegSpinsUntilTheOtherLegHasBytesAndRestsWhenNothingComes(t *testing.T) {
	src, _ := tcpConns(t)
	dst, dstPeer := tcpConns(t)
	p := &Proxy{}
	r, err := newLegReader(p, src, dst)
	if err != nil {
		t.Fatal(err)
	}
	var fd uintptr
	if err := r.rc.Control(func(f uintptr) { fd = f }); err != nil {
		t.Fatal(err)
	}
	r.buf = make([]byte, 64)
	r.checks = 1 << 30 // the machine's load is TestRunnableReadsLoadavg's
	try := func() bool {
		t.Helper()
		if r.try(fd) {
			t.Fatalf("try read %d bytes (%v) from a leg nobody writes to", r.n, r.err)
		}
		return !r.until.IsZero()
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
	r.loaded = true
	if try() {
		t.Error("spun on a busy machine")
	}
	r.loaded = false

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
		t.Errorf("a spin that saw the other leg's bytes: spun %v, misses %d, want a spin and 0 misses", !r.until.IsZero(), r.misses)
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
