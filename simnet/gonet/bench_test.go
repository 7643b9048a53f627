package gonet_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/simhttp/simhttp/simnet"
	"github.com/simhttp/simhttp/simnet/gonet"
)

// keepAliveRequests makes n GETs of a 64-byte body over one kept-alive
// connection between an http.Server on ln and an http.Client dialling with
// dial. Both networks run exactly this.
func keepAliveRequests(tb testing.TB, n int, ln net.Listener, url string, dial func(ctx context.Context, network, addr string) (net.Conn, error)) {
	body := make([]byte, 64)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(body) })}
	go srv.Serve(ln)
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{DialContext: dial}}
	defer client.CloseIdleConnections()
	for range n {
		resp, err := client.Get(url)
		if err != nil {
			tb.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

// BenchmarkHTTPKeepAlive compares net/http keep-alive requests over the
// adapter with the same code over the kernel's loopback, in one run, and
// with the ceiling any adapter could reach: the same code over in-memory
// connections with no network and no simulation (pipe: net.Pipe, where a
// write waits for its reader; buffered: a write returns at once, as on a
// socket). The timer runs outside the bubble, whose clock is virtual: the
// simulated figure includes building the world and the bubble once per
// b.N requests.
func BenchmarkHTTPKeepAlive(b *testing.B) {
	b.Run("simnet", func(b *testing.B) {
		ok := inTest(func(t *testing.T) {
			// No latency, as on loopback: virtual time would not cost wall
			// time anyway, but every instant is one more quiescent point.
			w, client, server := newWorld(t, simnet.WithLink(simnet.Link{}))
			gonet.Run(t, w, func(t *testing.T) {
				ln, err := gonet.Listen(server, 80)
				if err != nil {
					t.Fatal(err)
				}
				keepAliveRequests(t, b.N, ln, "http://server/", (&gonet.Dialer{Host: client}).DialContext)
			})
		})
		if !ok {
			b.Fatal("the simulated run failed")
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	})
	b.Run("loopback", func(b *testing.B) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		var d net.Dialer
		keepAliveRequests(b, b.N, ln, "http://"+ln.Addr().String()+"/", d.DialContext)
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	})
	for _, kind := range []string{"pipe", "buffered"} {
		b.Run(kind, func(b *testing.B) {
			ln := newMemListener(kind == "buffered")
			keepAliveRequests(b, b.N, ln, "http://memory/", ln.DialContext)
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
		})
	}
}

// BenchmarkIdleHour is a whole test that holds a connection and an
// http.Server through an hour of virtual idleness: world, bubble, driver,
// handshake and shutdown included.
func BenchmarkIdleHour(b *testing.B) {
	ok := inTest(func(t *testing.T) {
		for range b.N {
			w, client, server := newWorld(t)
			gonet.Run(t, w, func(t *testing.T) {
				c, s := connect(t, client, server)
				defer c.Close()
				defer s.Close()
				time.Sleep(time.Hour)
			})
			if w.Loop().Now() < time.Hour {
				b.Fatalf("the world is at %v", w.Loop().Now())
			}
		}
	})
	if !ok {
		b.Fatal("the simulated run failed")
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/virtual-hour")
}
