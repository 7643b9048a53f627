package simnet_test

import (
	"bytes"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/simhttp/simhttp/simnet"
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
	if err := l.Run(); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkEchoSim is realtcp's BenchmarkEchoLoopback on the simulated
// network: one kept-open connection between two hosts, a 64-byte message
// echoed back, the next sent when the whole echo has arrived.
func BenchmarkEchoSim(b *testing.B) {
	w := newWorld(b, 1)
	cli, srv := addHost(b, w, "client"), addHost(b, w, "server")
	var ln simnet.Listener
	ln, err := srv.Listen(simnet.ListenOptions{Port: 80}, func(s *simnet.Socket) {
		ln.Close()
		s.Events.Data.On(func(p []byte) { s.Write(p, nil) })
	})
	if err != nil {
		b.Fatal(err)
	}
	c, err := cli.Connect(simnet.ConnectOptions{Host: "server", Port: 80})
	if err != nil {
		b.Fatal(err)
	}
	msg := bytes.Repeat([]byte{'e'}, 64)
	sent, got := 0, 0
	c.Events.Connect.On(func(struct{}) {
		b.ResetTimer()
		sent++
		c.Write(msg, nil)
	})
	c.Events.Data.On(func(p []byte) {
		got += len(p)
		if got < sent*len(msg) {
			return
		}
		if sent == b.N {
			b.StopTimer()
			c.End(nil, nil)
			return
		}
		sent++
		c.Write(msg, nil)
	})
	if err := w.Loop().Run(); err != nil {
		b.Fatal(err)
	}
	if got != b.N*len(msg) {
		b.Fatalf("echoed %d bytes, want %d", got, b.N*len(msg))
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "roundtrips/s")
}

// BenchmarkIdleConns opens 100,000 connections and leaves them idle; the
// metric is the live heap per connection pair, both sockets and both ends
// included. Target: 8 KiB.
func BenchmarkIdleConns(b *testing.B) {
	const pairs = 100_000
	for range b.N {
		before := heapAfterGC()
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
		used := heapAfterGC() - before
		b.ReportMetric(float64(used)/pairs, "bytes/conn")
		runtime.KeepAlive(w)
		runtime.KeepAlive(ln)
		runtime.KeepAlive(clients)
	}
}

func heapAfterGC() int64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
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
