package realtcp_test

import (
	"bytes"
	"testing"

	"github.com/simhttp/simhttp/simnet"
	"github.com/simhttp/simhttp/simnet/realtcp"
)

// BenchmarkEchoLoopback is BenchmarkEchoSim's workload on the OS: one
// kept-open connection over loopback, a 64-byte message echoed back, the
// next sent when the whole echo has arrived; client and server share the
// runtime's one loop.
func BenchmarkEchoLoopback(b *testing.B) {
	rt := realtcp.New()
	var ln simnet.Listener
	ln, err := rt.Listen(simnet.ListenOptions{Host: "127.0.0.1"}, func(s *simnet.Socket) {
		ln.Close()
		s.Events.Data.On(func(p []byte) { s.Write(p, nil) })
	})
	if err != nil {
		b.Fatal(err)
	}
	to := ln.Addr()
	c, err := rt.Connect(simnet.ConnectOptions{Host: to.Addr().String(), Port: int(to.Port())})
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
	if err := rt.Run(); err != nil {
		b.Fatal(err)
	}
	if got != b.N*len(msg) {
		b.Fatalf("echoed %d bytes, want %d", got, b.N*len(msg))
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "roundtrips/s")
}
