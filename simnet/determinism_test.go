package simnet_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/simhttp/simhttp/simnet"
)

// sweepSeeds is how many seeded runs the determinism check makes.
const sweepSeeds = 1000

// TestSeededRunsRepeatByteForByte runs an echo workload under a random fault
// drawn from each seed, twice per seed, and requires identical JSONL traces;
// then it asks copies of this test binary under GOMAXPROCS 1 and 8 for the
// digest of all traces and requires the same one.
func TestSeededRunsRepeatByteForByte(t *testing.T) {
	if os.Getenv("SIMNET_SWEEP_DIGEST") != "" {
		fmt.Printf("digest %s\n", sweepDigest(t, false))
		return
	}
	digest := sweepDigest(t, true)
	for _, procs := range []string{"1", "8"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestSeededRunsRepeatByteForByte$", "-test.count=1")
		cmd.Env = append(os.Environ(), "SIMNET_SWEEP_DIGEST=1", "GOMAXPROCS="+procs)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("GOMAXPROCS=%s: %v\n%s", procs, err, out)
		}
		if !strings.Contains(string(out), "digest "+digest) {
			t.Errorf("GOMAXPROCS=%s gave another digest than GOMAXPROCS=%d's %s:\n%s", procs, runtime.GOMAXPROCS(0), digest, out)
		}
	}
}

// sweepDigest hashes the traces of every seed; with twice set it runs each
// seed again and fails on any difference.
func sweepDigest(t *testing.T, twice bool) string {
	all := sha256.New()
	kinds := map[simnet.Fault]int{}
	for seed := range uint64(sweepSeeds) {
		trace, kind := sweepRun(t, seed)
		kinds[kind]++
		if twice {
			if again, _ := sweepRun(t, seed); !bytes.Equal(trace, again) {
				t.Fatalf("seed %d: the second run's trace differs:\n%s\nvs\n%s", seed, trace, again)
			}
		}
		sum := sha256.Sum256(trace)
		all.Write(sum[:])
	}
	for f := simnet.FaultRefuse; f <= simnet.FaultDNSDelay; f++ {
		if kinds[f] == 0 {
			t.Errorf("no seed drew %v", f)
		}
	}
	return hex.EncodeToString(all.Sum(nil))
}

// sweepRun is one seed's run: two clients echo a few random messages over a
// jittery link while one random rule applies.
func sweepRun(t *testing.T, seed uint64) ([]byte, simnet.Fault) {
	var trace bytes.Buffer
	tw := simnet.NewTraceWriter(&trace, true)
	kind := echoUnderRandomRule(t, seed, tw.Observe)
	if tw.Err() != nil {
		t.Fatalf("seed %d: trace: %v", seed, tw.Err())
	}
	return trace.Bytes(), kind
}

// echoUnderRandomRule is sweepRun's workload in a world made with opts,
// observed by observe; it returns the kind of fault the rule injects.
func echoUnderRandomRule(t *testing.T, seed uint64, observe simnet.Observer, opts ...simnet.Option) simnet.Fault {
	opts = append([]simnet.Option{simnet.WithLink(simnet.Link{Latency: 2 * ms, Jitter: ms, Bandwidth: 10 << 20, MSS: 1000})}, opts...)
	w := newWorld(t, seed, opts...)
	w.Loop().Events().Observe(observe)
	cli, srv := addHost(t, w, "client"), addHost(t, w, "server")
	ln := echoServer(t, srv, 80)
	ln.Unref()
	rule := randomRule(w)
	if _, err := w.AddRule(rule); err != nil {
		t.Fatalf("seed %d: AddRule(%+v): %v", seed, rule, err)
	}
	rng := w.Rand()
	for range 2 {
		s, err := cli.Connect(simnet.ConnectOptions{Host: "server", Port: 80, Timeout: 2 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		s.Events.Error.On(func(error) {})
		s.Events.Timeout.On(func(struct{}) { s.Destroy(nil) })
		want, got := 0, 0
		s.Events.Connect.On(func(struct{}) {
			for range 1 + rng.IntN(3) {
				n := 1 + rng.IntN(3000)
				want += n
				s.Write(bytes.Repeat([]byte{'a' + byte(n%26)}, n), nil)
			}
		})
		s.Events.Data.On(func(p []byte) {
			if got += len(p); got == want {
				s.End(nil, nil)
			}
		})
	}
	if err := w.Loop().Run(); err != nil {
		t.Fatalf("seed %d: %v", seed, err)
	}
	return rule.What
}

// randomRule draws one valid rule from the world's RNG.
func randomRule(w *simnet.World) simnet.Rule {
	rng := w.Rand()
	kinds := simnet.FaultDNSDelay - simnet.FaultRefuse + 1
	r := simnet.Rule{What: simnet.FaultRefuse + simnet.Fault(rng.IntN(int(kinds))), Probability: rng.Float64()}
	dur := func(max time.Duration) time.Duration { return time.Duration(1 + rng.Int64N(int64(max))) }
	trigger := func() {
		switch rng.IntN(5) {
		case 0:
			r.AfterBytes = 1 + rng.Int64N(4000)
		case 1:
			r.Pattern = []byte{'a' + byte(rng.IntN(26))}
		case 2:
			r.At = dur(50 * ms)
		case 3:
			r.Idle = dur(10 * ms)
		}
	}
	switch r.What {
	case simnet.FaultRefuse, simnet.FaultBlackHoleConnect:
		r.Conn = rng.IntN(3)
	case simnet.FaultCloseOnReuse:
		r.Idle = dur(10 * ms)
	case simnet.FaultPartition:
		r.Client, r.Server, r.At, r.Duration = "client", "server", dur(20*ms), dur(time.Second)
	case simnet.FaultDNSFail, simnet.FaultDNSDelay:
		r.Name = "server"
		if r.What == simnet.FaultDNSDelay {
			r.Delay = dur(100 * ms)
		}
	default:
		r.Dir = simnet.Dir(rng.IntN(3))
		r.Conn = rng.IntN(3)
		trigger()
		switch r.What {
		case simnet.FaultDelay:
			r.Delay = dur(100 * ms)
		case simnet.FaultSlice:
			r.Size = 1 + rng.IntN(500)
		case simnet.FaultStall:
			r.Duration = dur(time.Second)
		}
	}
	return r
}
