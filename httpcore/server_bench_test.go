package httpcore

import (
	"bytes"
	"testing"

	"github.com/simhttp/simhttp/internal/cputime"
	"github.com/simhttp/simhttp/simnet"
)

// BenchmarkSimServer measures whole keep-alive exchanges through the server
// on simnet: a raw client on the same simulated host writes a request, reads
// the response and writes the next, so every request crosses the parser,
// the response machinery and the simulated TCP connection.
func BenchmarkSimServer(b *testing.B) {
	w, err := simnet.NewWorld(1)
	if err != nil {
		b.Fatal(err)
	}
	h, err := w.AddHost("bench")
	if err != nil {
		b.Fatal(err)
	}
	body := []byte("hello")
	srv, err := CreateServer(h, ServerOptions{}, func(_ *IncomingMessage, res *ServerResponse) {
		if err := res.End(body, nil); err != nil {
			b.Error(err)
		}
	})
	if err != nil {
		b.Fatal(err)
	}
	if err := srv.Listen(0, "127.0.0.1", nil); err != nil {
		b.Fatal(err)
	}
	addr, _ := srv.Address()
	sock, err := h.Connect(simnet.ConnectOptions{Host: "127.0.0.1", Port: int(addr.Port())})
	if err != nil {
		b.Fatal(err)
	}
	request := []byte("GET /bench HTTP/1.1\r\nHost: bench\r\nUser-Agent: simhttp-bench\r\nAccept: */*\r\n\r\n")
	var got []byte
	done := 0
	sock.Events.Data.On(func(p []byte) {
		got = append(got, p...)
		if !bytes.HasSuffix(got, body) {
			return
		}
		got = got[:0]
		done++
		if done == b.N {
			sock.End(nil, nil)
			srv.Close(nil)
			return
		}
		sock.Write(request, nil)
	})
	sock.Events.Connect.On(func(struct{}) { sock.Write(request, nil) })
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cputime.Used()
	if err := w.Loop().Run(); err != nil {
		b.Fatal(err)
	}
	cpu = cputime.Used() - cpu
	b.StopTimer()
	if done != b.N {
		b.Fatalf("%d of %d exchanges completed", done, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	if cpu > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/req")
	}
}
