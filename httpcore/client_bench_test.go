package httpcore

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/simhttp/simhttp/internal/cputime"
	"github.com/simhttp/simhttp/simnet"
)

// BenchmarkClientServerSim sends b.N sequential keep-alive GETs from an
// httpcore client to an httpcore server on simnet and reports req/s of
// wall time; beside it, measured once per process, the same workload in
// real Node v20 (fixtures/node/bench/client_server.js) and on Go's
// net/http over loopback, each warmed up and timed refRuns times, and how
// many times faster than Node the simulation is: against Node's median,
// and against its fastest and slowest run (x-node-lo, x-node-hi).
func BenchmarkClientServerSim(b *testing.B) {
	b.ReportAllocs()
	var cpu time.Duration
	elapsed, err := simKeepAliveGets(b.N, func() { b.ResetTimer(); cpu = cputime.Used() })
	if err != nil {
		b.Fatal(err)
	}
	cpu = cputime.Used() - cpu
	b.StopTimer()
	sim := float64(b.N) / elapsed.Seconds()
	b.ReportMetric(sim, "req/s")
	b.ReportMetric(elapsed.Seconds()*1e6/float64(b.N), "us/req")
	if cpu > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/req")
	}
	ref := measureReferences(b)
	if ref.nethttp.ok() {
		reportSpread(b, "nethttp", ref.nethttp)
		b.ReportMetric(sim/ref.nethttp.median, "x-nethttp")
	}
	if ref.node.ok() {
		reportSpread(b, "node", ref.node)
		b.ReportMetric(sim/ref.node.median, "x-node")
		b.ReportMetric(sim/ref.node.max, "x-node-lo")
		b.ReportMetric(sim/ref.node.min, "x-node-hi")
	}
}

// BenchmarkClientServerSimFloor is what allocation alone charges for
// the objects BenchmarkClientServerSim's GET must make afresh, as Node
// makes them and a program may keep them: the ClientRequest with its
// response, a server exchange (its request and response, a share of a
// full slab) and the two messages' rawHeaders arrays (2 and 4 header lines in
// this workload). It makes them and does nothing else, so its CPU per GET
// is the part of the simulation's that no code path can remove without
// making those objects smaller.
func BenchmarkClientServerSimFloor(b *testing.B) {
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cputime.Used()
	for i := range b.N {
		floorSink.req = new(ClientRequest)
		if i%maxExchangeSlab == 0 {
			floorSink.slab = make([]serverExchange, maxExchangeSlab)
		}
		floorSink.reqRaw = make([]string, 2*2)
		floorSink.resRaw = make([]string, 2*4)
	}
	cpu = cputime.Used() - cpu
	b.StopTimer()
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/req")
}

// floorSink keeps the floor's objects reachable from outside the loop, so
// the compiler cannot place them on the stack.
var floorSink struct {
	req            *ClientRequest
	slab           []serverExchange
	reqRaw, resRaw []string
}

// simKeepAliveGets sends n sequential GETs over one keep-alive socket on a
// simulated host talking to itself, and returns the wall time they took;
// ready runs once the world is built, just before the first request.
func simKeepAliveGets(n int, ready func()) (time.Duration, error) {
	w, err := simnet.NewWorld(1)
	if err != nil {
		return 0, err
	}
	h, err := w.AddHost("local")
	if err != nil {
		return 0, err
	}
	hello := []byte("hello")
	srv, err := CreateServer(h, ServerOptions{}, func(_ *IncomingMessage, res *ServerResponse) { _ = res.End(hello, nil) })
	if err != nil {
		return 0, err
	}
	if err := srv.Listen(80, "127.0.0.1", nil); err != nil {
		return 0, err
	}
	srv.Unref()
	a, err := NewAgent(h, AgentOptions{KeepAlive: true, MaxSockets: 1})
	if err != nil {
		return 0, err
	}
	opts := RequestOptions{Host: "127.0.0.1", Port: 80, Agent: a}
	left, bytesRead := n, 0
	var fail error
	var one func()
	onResponse := func(res *IncomingMessage) {
		res.Events.Data.On(func(p []byte) { bytesRead += len(p) })
		res.Events.End.On(func(struct{}) { w.Loop().SetImmediate(one) })
	}
	one = func() {
		if left == 0 || fail != nil {
			return
		}
		left--
		req, err := Get(h, "", opts, onResponse)
		if err != nil {
			fail = err
			return
		}
		req.Events.Error.On(func(err error) { fail = err })
	}
	ready()
	start := time.Now()
	one()
	if err := w.Loop().Run(); err != nil {
		return 0, err
	}
	elapsed := time.Since(start)
	if fail != nil || bytesRead != n*len(hello) {
		return 0, fmt.Errorf("after %d requests: %d bytes read, error %v", n, bytesRead, fail)
	}
	return elapsed, nil
}

// references are the req/s of the same workload outside the simulation.
type references struct{ node, nethttp spread }

// spread is the median, fastest and slowest of refRuns timed runs.
type spread struct{ median, min, max float64 }

func (s spread) ok() bool { return s.median > 0 }

func spreadOf(runs []float64) spread {
	slices.Sort(runs)
	return spread{median: runs[len(runs)/2], min: runs[0], max: runs[len(runs)-1]}
}

func reportSpread(b *testing.B, name string, s spread) {
	b.ReportMetric(s.median, name+"-req/s")
	b.ReportMetric(s.min, name+"-min-req/s")
	b.ReportMetric(s.max, name+"-max-req/s")
}

var (
	refOnce sync.Once
	refs    references
)

// Each reference warms up with refWarmup requests, so Node's JIT and Go's
// connection pool are past their start-up, then times refRequests; it does
// so refRuns times (Node in a fresh process each time) and the ratio uses
// the median. Short runs, one sample, understated Node 2.5x and let the
// ratio swing 3x between runs of the same code.
const (
	refWarmup   = 5000
	refRequests = 20000
	refRuns     = 3
)

func measureReferences(b *testing.B) references {
	refOnce.Do(func() {
		refs.nethttp = measureNetHTTP(b)
		refs.node = measureNode(b)
	})
	return refs
}

// measureNode runs fixtures/node/bench/client_server.js refRuns times.
func measureNode(b *testing.B) spread {
	node, err := exec.LookPath("node")
	if err != nil {
		b.Log("SKIPPING the Node reference: no `node` on PATH, so no node-req/s or x-node")
		return spread{}
	}
	script := filepath.Join("..", "fixtures", "node", "bench", "client_server.js")
	runs := make([]float64, refRuns)
	for i := range runs {
		out, err := exec.Command(node, script, strconv.Itoa(refRequests), strconv.Itoa(refWarmup)).Output()
		if err != nil {
			b.Logf("SKIPPING the Node reference: client_server.js failed: %v", err)
			return spread{}
		}
		if runs[i], err = strconv.ParseFloat(string(bytes.TrimSpace(out)), 64); err != nil || runs[i] <= 0 {
			b.Logf("SKIPPING the Node reference: client_server.js printed %q", out)
			return spread{}
		}
	}
	return spreadOf(runs)
}

// measureNetHTTP runs the workload on net/http over loopback: one
// keep-alive connection, sequential GETs, refRuns timed runs after one
// warm-up.
func measureNetHTTP(b *testing.B) spread {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("hello"))
	}))
	defer srv.Close()
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
	get := func() error {
		resp, err := c.Get(srv.URL)
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return err
	}
	gets := func(n int) error {
		for range n {
			if err := get(); err != nil {
				return err
			}
		}
		return nil
	}
	if err := gets(refWarmup); err != nil {
		b.Logf("net/http reference failed: %v", err)
		return spread{}
	}
	runs := make([]float64, refRuns)
	for i := range runs {
		start := time.Now()
		if err := gets(refRequests); err != nil {
			b.Logf("net/http reference failed: %v", err)
			return spread{}
		}
		runs[i] = refRequests / time.Since(start).Seconds()
	}
	return spreadOf(runs)
}

// TestBenchmarkWorkloadIsSound runs the benchmark's workload briefly, so
// the benchmark cannot rot unnoticed.
func TestBenchmarkWorkloadIsSound(t *testing.T) {
	if _, err := simKeepAliveGets(50, func() {}); err != nil {
		t.Fatal(err)
	}
}
