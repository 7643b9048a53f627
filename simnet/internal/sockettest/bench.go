package sockettest

import (
	"bytes"
	"testing"

	"github.com/simhttp/simhttp/simnet"
)

// BenchEcho measures 64-byte echo round trips over one kept-open connection,
// the next message sent once the whole echo has arrived, and reports
// "roundtrips/s". The server listens on listenHost, the client dials
// dialHost, and run drives the loop until it is idle. simnet and the real-TCP
// runtime both run exactly this workload, so their figures compare.
func BenchEcho(b *testing.B, client, server simnet.Runtime, listenHost, dialHost string, run func() error) {
	var ln simnet.Listener
	ln, err := server.Listen(simnet.ListenOptions{Host: listenHost}, func(s *simnet.Socket) {
		ln.Close()
		s.Events.Data.On(func(p []byte) { s.Write(p, nil) })
	})
	if err != nil {
		b.Fatal(err)
	}
	c, err := client.Connect(simnet.ConnectOptions{Host: dialHost, Port: int(ln.Addr().Port())})
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
	if err := run(); err != nil {
		b.Fatal(err)
	}
	if got != b.N*len(msg) {
		b.Fatalf("echoed %d bytes, want %d", got, b.N*len(msg))
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "roundtrips/s")
}
