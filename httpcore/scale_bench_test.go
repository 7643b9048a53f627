package httpcore

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/simhttp/simhttp/internal/cputime"
	"github.com/simhttp/simhttp/internal/heapuse"
	"github.com/simhttp/simhttp/simnet"
)

// BenchmarkBody streams a 1, 10 and 100 MiB response body from an
// httpcore server to an httpcore client on simnet, 64 KiB per write with
// Node's backpressure (write until it returns false, resume on 'drain'),
// and reports MB/s of body delivered: flat MB/s is linear growth.
func BenchmarkBody(b *testing.B) {
	for _, mib := range []int{1, 10, 100} {
		b.Run(fmt.Sprintf("%dMiB", mib), func(b *testing.B) { benchBody(b, mib<<20) })
	}
}

func benchBody(b *testing.B, size int) {
	const chunk = 64 << 10
	piece := make([]byte, chunk)
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for range b.N {
		w, err := simnet.NewWorld(1)
		if err != nil {
			b.Fatal(err)
		}
		cli, err := w.AddHost("client")
		if err != nil {
			b.Fatal(err)
		}
		srvHost, err := w.AddHost("server")
		if err != nil {
			b.Fatal(err)
		}
		srv, err := CreateServer(srvHost, ServerOptions{}, func(_ *IncomingMessage, res *ServerResponse) {
			sent := 0
			var pump func()
			pump = func() {
				for sent < size {
					sent += chunk
					ok, err := res.Write(piece, nil)
					if err != nil {
						b.Error(err)
						return
					}
					if !ok {
						return
					}
				}
				_ = res.End(nil, nil)
			}
			res.Events.Drain().On(func(struct{}) { pump() })
			pump()
		})
		if err != nil {
			b.Fatal(err)
		}
		if err := srv.Listen(80, "", nil); err != nil {
			b.Fatal(err)
		}
		got := 0
		if _, err := Get(cli, "http://server/", RequestOptions{}, func(res *IncomingMessage) {
			res.Events.Data.On(func(p []byte) { got += len(p) })
			res.Events.End.On(func(struct{}) { srv.Close(nil) })
		}); err != nil {
			b.Fatal(err)
		}
		if err := w.Loop().Run(); err != nil {
			b.Fatal(err)
		}
		if got != size {
			b.Fatalf("received %d of %d body bytes", got, size)
		}
	}
}

// BenchmarkIdleHTTPConns opens 100,000 keep-alive HTTP connections in one
// world: ten client hosts, each with one agent keeping up to 10,000 free
// sockets, make one GET per connection at once, and the server keeps its
// side (keepAliveTimeout off); it reports the live heap per connection and
// in all, after the GETs, with every connection idle. Target: under 512
// MiB in all.
func BenchmarkIdleHTTPConns(b *testing.B) {
	const conns = 100_000
	for range b.N {
		before := heapuse.AfterGC()
		w, err := simnet.NewWorld(1)
		if err != nil {
			b.Fatal(err)
		}
		srvHost, err := w.AddHost("server")
		if err != nil {
			b.Fatal(err)
		}
		hello := []byte("hello")
		srv, err := CreateServer(srvHost, ServerOptions{KeepAliveTimeout: -1}, func(_ *IncomingMessage, res *ServerResponse) {
			_ = res.End(hello, nil)
		})
		if err != nil {
			b.Fatal(err)
		}
		if err := srv.ListenOptions(simnet.ListenOptions{Port: 80, Backlog: conns}, nil); err != nil {
			b.Fatal(err)
		}
		answered, open := 0, 0
		srv.Events.Connection.On(func(s *simnet.Socket) {
			open++
			s.Events.Close.On(func(bool) { open-- })
		})
		var agents []*Agent
		for i := range conns {
			// A host has 16,384 ephemeral ports per destination, as on Linux.
			name := fmt.Sprint("c", i/10_000)
			h := w.Host(name)
			if h == nil {
				if h, err = w.AddHost(name); err != nil {
					b.Fatal(err)
				}
				a, err := NewAgent(h, AgentOptions{KeepAlive: true, MaxFreeSockets: 10_000})
				if err != nil {
					b.Fatal(err)
				}
				agents = append(agents, a)
			}
			// All at once, so no request finds a free socket to reuse.
			req, err := Get(h, "http://server/", RequestOptions{Agent: agents[len(agents)-1]}, func(res *IncomingMessage) {
				res.Events.End.On(func(struct{}) { answered++ })
				res.Resume()
			})
			if err != nil {
				b.Fatal(err)
			}
			req.Events.Error.On(func(err error) { b.Error(err) })
		}
		start, cpu := time.Now(), cputime.Used()
		if err := w.Loop().RunUntil(time.Minute); err != nil {
			b.Fatal(err)
		}
		wall, cpu := time.Since(start), cputime.Used()-cpu
		if answered != conns || open != conns {
			b.Fatalf("%d of %d GETs answered, %d connections open", answered, conns, open)
		}
		heap := heapuse.AfterGC() - before
		b.ReportMetric(float64(heap)/conns, "bytes/conn")
		b.ReportMetric(float64(heap)/(1<<20), "heap-MiB")
		b.ReportMetric(wall.Seconds(), "wall-s")
		if cpu > 0 {
			b.ReportMetric(cpu.Seconds(), "cpu-s")
		}
		runtime.KeepAlive(w)
		runtime.KeepAlive(srv)
		runtime.KeepAlive(agents)
	}
}
