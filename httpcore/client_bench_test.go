package httpcore

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/simhttp/simhttp/simnet"
)

// BenchmarkClientServerSim sends b.N sequential keep-alive GETs from an
// httpcore client to an httpcore server on simnet and reports req/s of
// wall time; beside it, measured once per run, the same workload in real
// Node v20 (fixtures/node/bench/client_server.js) and on Go's net/http over
// loopback, and how many times faster than Node the simulation is.
func BenchmarkClientServerSim(b *testing.B) {
	b.ReportAllocs()
	elapsed, err := simKeepAliveGets(b.N, b.ResetTimer)
	if err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	sim := float64(b.N) / elapsed.Seconds()
	b.ReportMetric(sim, "req/s")
	ref := measureReferences(b)
	if ref.nethttp > 0 {
		b.ReportMetric(ref.nethttp, "nethttp-req/s")
	}
	if ref.node > 0 {
		b.ReportMetric(ref.node, "node-req/s")
		b.ReportMetric(sim/ref.node, "x-node")
	}
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
type references struct{ node, nethttp float64 }

var (
	refOnce sync.Once
	refs    references
)

// referenceRequests is how many requests each reference run times: enough
// to leave start-up behind, few enough for two cores.
const referenceRequests = 3000

func measureReferences(b *testing.B) references {
	refOnce.Do(func() {
		refs.nethttp = measureNetHTTP(b)
		node, err := exec.LookPath("node")
		if err != nil {
			b.Log("SKIPPING the Node reference: no `node` on PATH, so no node-req/s or x-node")
			return
		}
		out, err := exec.Command(node, filepath.Join("..", "fixtures", "node", "bench", "client_server.js"),
			strconv.Itoa(referenceRequests)).Output()
		if err != nil {
			b.Logf("SKIPPING the Node reference: client_server.js failed: %v", err)
			return
		}
		refs.node, err = strconv.ParseFloat(string(bytes.TrimSpace(out)), 64)
		if err != nil {
			b.Logf("SKIPPING the Node reference: client_server.js printed %q", out)
			refs.node = 0
		}
	})
	return refs
}

// measureNetHTTP runs the workload on net/http over loopback: one
// keep-alive connection, sequential GETs.
func measureNetHTTP(b *testing.B) float64 {
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
	for range 100 {
		if err := get(); err != nil {
			b.Logf("net/http reference failed: %v", err)
			return 0
		}
	}
	start := time.Now()
	for range referenceRequests {
		if err := get(); err != nil {
			b.Logf("net/http reference failed: %v", err)
			return 0
		}
	}
	return referenceRequests / time.Since(start).Seconds()
}

// TestBenchmarkWorkloadIsSound runs the benchmark's workload briefly, so
// the benchmark cannot rot unnoticed.
func TestBenchmarkWorkloadIsSound(t *testing.T) {
	if _, err := simKeepAliveGets(50, func() {}); err != nil {
		t.Fatal(err)
	}
}
