package replay

// Inspect against tshark on the same capture of simulated traffic: how many
// packets per second each gets through, reading the HTTP exchanges.

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/simhttp/simhttp/httpcore"
	"github.com/simhttp/simhttp/internal/tsharktest"
	simrecord "github.com/simhttp/simhttp/record"
	"github.com/simhttp/simhttp/simnet"
)

// simTraffic records keep-alive traffic of a simulated service into w until
// at least minPackets packets are written: conns clients each send GETs one
// after another on their own connection, the server answers with JSON of a
// few sizes, and every client ends its connection once the count is
// reached. It returns the packets and exchanges recorded.
func simTraffic(tb testing.TB, w io.Writer, conns, minPackets int) (packets, exchanges int) {
	tb.Helper()
	world, err := simnet.NewWorld(42)
	if err != nil {
		tb.Fatal(err)
	}
	client, err := world.AddHost("client")
	if err != nil {
		tb.Fatal(err)
	}
	server, err := world.AddHost("server")
	if err != nil {
		tb.Fatal(err)
	}
	rec, err := simrecord.NewRecorder(w, simrecord.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	world.Loop().Events().Observe(rec.Observe)
	bodies := [][]byte{
		[]byte(`{"ok":true}`),
		bytes.Repeat([]byte(`{"id":12345,"name":"widget","tags":["a","b"]},`), 20),
		bytes.Repeat([]byte("x"), 3000), // more than one segment
	}
	srv, err := httpcore.CreateServer(server, httpcore.ServerOptions{}, func(req *httpcore.IncomingMessage, res *httpcore.ServerResponse) {
		body := bodies[len(req.URL)%len(bodies)]
		if err := res.SetHeader("Content-Type", "application/json"); err != nil {
			res.Destroy(err)
			return
		}
		if err := res.End(body, nil); err != nil {
			res.Destroy(err)
		}
	})
	if err != nil {
		tb.Fatal(err)
	}
	if err := srv.Listen(80, "", nil); err != nil {
		tb.Fatal(err)
	}
	srv.Unref()
	for i := range conns {
		agent, err := httpcore.NewAgent(client, httpcore.AgentOptions{KeepAlive: true, MaxSockets: 1})
		if err != nil {
			tb.Fatal(err)
		}
		var next func(k int)
		next = func(k int) {
			if rec.Packets() >= minPackets {
				agent.Destroy()
				return
			}
			req, err := httpcore.Request(client, fmt.Sprintf("http://server/api/v1/items/%d?page=%d", i, k), httpcore.RequestOptions{Agent: agent}, func(res *httpcore.IncomingMessage) {
				res.Events.Data.On(func([]byte) {})
				res.Events.End.On(func(struct{}) {
					exchanges++
					world.Loop().SetImmediate(func() { next(k + 1) })
				})
			})
			if err != nil {
				tb.Fatal(err)
			}
			req.Events.Error.On(func(err error) { tb.Errorf("request %d on connection %d: %v", k, i, err) })
			if err := req.End(nil, nil); err != nil {
				tb.Fatal(err)
			}
		}
		next(0)
	}
	if err := world.Loop().Run(); err != nil {
		tb.Fatal(err)
	}
	if err := rec.Close(); err != nil {
		tb.Fatal(err)
	}
	return rec.Packets(), exchanges
}

// tsharkExchanges runs tshark as the benchmark script does, listing the
// URI of every HTTP request, and returns how many lines it printed.
func tsharkExchanges(b *testing.B, tshark, file string) int {
	return strings.Count(tsharktest.Run(b, tshark, file, "-Y", "http", "-T", "fields", "-e", "http.request.uri"), "\n")
}

// BenchmarkInspectVsTshark reads one capture of about 200,000 packets of
// simulated keep-alive traffic with Inspect (once per iteration) and with
// tshark, which runs once to warm the page cache and its own files, then
// three times timed: the ratio is against tshark's median run, with its
// fastest and slowest beside it. tshark's start-up, timed on a capture with
// no packets, is reported too, with the ratio against its runs less it.
func BenchmarkInspectVsTshark(b *testing.B) {
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		b.Skip("!!! tshark not installed: Inspect is NOT being compared with it. " +
			"Install it with: DEBIAN_FRONTEND=noninteractive apt-get install -y tshark")
	}
	var buf bytes.Buffer
	packets, exchanges := simTraffic(b, &buf, 100, 200_000)
	dir := b.TempDir()
	file, empty := filepath.Join(dir, "traffic.pcap"), filepath.Join(dir, "empty.pcap")
	if err := os.WriteFile(file, buf.Bytes(), 0o600); err != nil {
		b.Fatal(err)
	}
	// A pcap file's global header is its first 24 bytes.
	if err := os.WriteFile(empty, buf.Bytes()[:24], 0o600); err != nil {
		b.Fatal(err)
	}
	timed := func(file string, want int) float64 {
		start := time.Now()
		if lines := tsharkExchanges(b, tshark, file); lines < want {
			b.Fatalf("tshark printed %d lines for %d exchanges", lines, want)
		}
		return time.Since(start).Seconds()
	}
	timed(file, exchanges)
	var runs, starts []float64
	for range 3 {
		runs = append(runs, timed(file, exchanges))
		starts = append(starts, timed(empty, 0))
	}
	slices.Sort(runs)
	slices.Sort(starts)
	tsharkSec, startSec := runs[1], starts[1]

	b.SetBytes(int64(buf.Len()))
	b.ResetTimer()
	for b.Loop() {
		r, err := Inspect(bytes.NewReader(buf.Bytes()))
		if err != nil {
			b.Fatal(err)
		}
		if r.Packets != packets {
			b.Fatalf("Inspect read %d of %d packets", r.Packets, packets)
		}
	}
	sec := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(float64(packets)/sec, "packets/s")
	b.ReportMetric(float64(exchanges)/sec, "exchanges/s")
	b.ReportMetric(float64(packets)/tsharkSec, "tshark-packets/s")
	b.ReportMetric(tsharkSec/sec, "x-tshark")
	b.ReportMetric(runs[0]/sec, "x-tshark-lo")
	b.ReportMetric(runs[2]/sec, "x-tshark-hi")
	b.ReportMetric(startSec, "tshark-start-s")
	b.ReportMetric((tsharkSec-startSec)/sec, "x-tshark-steady")
}
