package proxy_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/simhttp/simhttp/proxy"
	"github.com/simhttp/simhttp/simnet"
)

// BenchmarkKeepAlive sends keep-alive GETs one after the other from Go's
// client to Go's server, directly and through the proxy with no rules and
// with an HTTP-aware rule that never fires (so every message is followed),
// and reports each one's requests/s and median and 99th-percentile
// round trip. scripts/bench-proxy.sh compares the same with wrk, Node and
// toxiproxy.
func BenchmarkKeepAlive(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello")
	}))
	defer srv.Close()
	upstream := strings.TrimPrefix(srv.URL, "http://")
	never := simnet.Rule{What: simnet.FaultReset, Request: 1 << 30, After: simnet.AfterResponseHeaders}
	for _, c := range []struct {
		name  string
		rules []simnet.Rule
		proxy bool
	}{{"direct", nil, false}, {"proxy", nil, true}, {"proxy-http-rule", []simnet.Rule{never}, true}} {
		b.Run(c.name, func(b *testing.B) {
			addr := upstream
			if c.proxy {
				p, err := proxy.Start(proxy.Options{Upstream: upstream, Rules: c.rules})
				if err != nil {
					b.Fatal(err)
				}
				defer p.Close()
				addr = p.Addr()
			}
			tr := &http.Transport{MaxIdleConnsPerHost: 1}
			defer tr.CloseIdleConnections()
			client := &http.Client{Transport: tr}
			url := "http://" + addr + "/"
			rtts := make([]time.Duration, 0, b.N)
			b.ReportAllocs()
			start := time.Now()
			for b.Loop() {
				t0 := time.Now()
				res, err := client.Get(url)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := io.Copy(io.Discard, res.Body); err != nil {
					b.Fatal(err)
				}
				res.Body.Close()
				rtts = append(rtts, time.Since(t0))
			}
			b.ReportMetric(float64(len(rtts))/time.Since(start).Seconds(), "req/s")
			sort.Slice(rtts, func(i, j int) bool { return rtts[i] < rtts[j] })
			b.ReportMetric(float64(rtts[len(rtts)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(rtts[len(rtts)*99/100].Microseconds()), "p99-µs")
		})
	}
}
