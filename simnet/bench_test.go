package simnet_test

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/simhttp/simhttp/internal/cputime"
	"github.com/simhttp/simhttp/internal/heapuse"
	"github.com/simhttp/simhttp/simnet"
	"github.com/simhttp/simhttp/simnet/internal/sockettest"
)

// BenchmarkLoopEvents runs timer callbacks and nextTick callbacks: 1,000
// timers re-arm themselves with varied delays, and each firing queues a
// tick. Every callback run is one event. Target: 2,000,000 events/s.
func BenchmarkLoopEvents(b *testing.B) {
	l := simnet.NewLoop()
	events := 0
	for i := range 1000 {
		delay := time.Duration(1+i%17) * time.Millisecond
		var fire func()
		fire = func() {
			events++
			l.NextTick(func() { events++ })
			if events < b.N {
				l.SetTimeout(delay, fire)
			}
		}
		l.SetTimeout(delay, fire)
	}
	b.ResetTimer()
	cpu := cputime.Used()
	if err := l.Run(); err != nil {
		b.Fatal(err)
	}
	cpu = cputime.Used() - cpu
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(events), "cpu-ns/event")
}

// BenchmarkEchoSim runs sockettest.BenchEcho, the workload of realtcp's
// BenchmarkEchoLoopback, between two simulated hosts.
func BenchmarkEchoSim(b *testing.B) {
	w := newWorld(b, 1)
	cli, srv := addHost(b, w, "client"), addHost(b, w, "server")
	sockettest.BenchEcho(b, cli, srv, "", "server", w.Loop().Run)
}

// BenchmarkIdleConns opens 100,000 connections and leaves them idle; the
// metric is the live heap per connection pair, both sockets and both ends
// included. Target: 8 KiB.
func BenchmarkIdleConns(b *testing.B) {
	const pairs = 100_000
	for range b.N {
		before := heapuse.AfterGC()
		w := newWorld(b, 1)
		srv := addHost(b, w, "server")
		var accepted []*simnet.Socket
		ln, err := srv.Listen(simnet.ListenOptions{Port: 80, Backlog: pairs}, func(s *simnet.Socket) {
			accepted = append(accepted, s)
		})
		if err != nil {
			b.Fatal(err)
		}
		// A host has 16,384 ephemeral ports per destination, as on Linux.
		var clients []*simnet.Socket
		for i := range pairs {
			h := w.Host(fmt.Sprint("c", i/10_000))
			if h == nil {
				h = addHost(b, w, fmt.Sprint("c", i/10_000))
			}
			s, err := h.Connect(simnet.ConnectOptions{Host: "10.0.0.1", Port: 80})
			if err != nil {
				b.Fatal(err)
			}
			clients = append(clients, s)
		}
		if err := w.Loop().Run(); err != nil {
			b.Fatal(err)
		}
		if len(accepted) != pairs {
			b.Fatalf("accepted %d connections, want %d", len(accepted), pairs)
		}
		used := heapuse.AfterGC() - before
		b.ReportMetric(float64(used)/pairs, "bytes/conn")
		runtime.KeepAlive(w)
		runtime.KeepAlive(ln)
		runtime.KeepAlive(clients)
	}
}

// BenchmarkIdleHour opens a connection whose socket idles for one virtual
// hour before its timeout destroys it; ns/op is the wall time of the whole
// scenario. Target: under 1 ms.
func BenchmarkIdleHour(b *testing.B) {
	for range b.N {
		w := newWorld(b, 1)
		cli, srv := addHost(b, w, "client"), addHost(b, w, "server")
		echoServer(b, srv, 80).Unref()
		s, err := cli.Connect(simnet.ConnectOptions{Host: "server", Port: 80, Timeout: time.Hour})
		if err != nil {
			b.Fatal(err)
		}
		s.Events.Timeout.On(func(struct{}) { s.Destroy(nil) })
		if err := w.Loop().Run(); err != nil {
			b.Fatal(err)
		}
		if w.Loop().Now() < time.Hour {
			b.Fatalf("the run ended at %v, before the hour was up", w.Loop().Now())
		}
	}
}
