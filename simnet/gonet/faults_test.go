package gonet_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/simhttp/simhttp/record"
	"github.com/simhttp/simhttp/replay"
	"github.com/simhttp/simhttp/simnet"
	"github.com/simhttp/simhttp/simnet/gonet"
)

// exchange is one net/http GET from web to api:80 on w, the server
// answering with a 1000-byte body; it returns what the client saw and when.
func exchange(t *testing.T, w *simnet.World, timeout time.Duration) (outcome string, took time.Duration) {
	web, api := w.Host("web"), w.Host("api")
	gonet.Run(t, w, func(t *testing.T) {
		ln, err := gonet.Listen(api, 80)
		if err != nil {
			t.Fatal(err)
		}
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Write(bytes.Repeat([]byte("b"), 1000))
		})}
		go srv.Serve(ln)
		defer srv.Close()
		d := &gonet.Dialer{Host: web}
		client := &http.Client{Transport: &http.Transport{DialContext: d.DialContext}, Timeout: timeout}
		defer client.CloseIdleConnections()
		start := time.Now()
		resp, err := client.Get("http://api/")
		if err == nil {
			var body []byte
			body, err = io.ReadAll(resp.Body)
			resp.Body.Close()
			if err == nil {
				outcome = fmt.Sprintf("%d, %d bytes", resp.StatusCode, len(body))
			}
		}
		if err != nil {
			// A timeout's message depends on which of two goroutines net/http
			// wakes at that instant runs first, so only its kind is compared.
			outcome = describe(err)
			if !strings.Contains(outcome, "timeout=true") {
				outcome += ": " + err.Error()
			}
		}
		took = time.Since(start)
	})
	return outcome, took
}

// TestEveryFaultActsOnGoConnections puts a net/http exchange under each
// kind of rule: the Go client sees what the fault means, at the instant it
// means it, and the trace shows the fault's packets. The keep-alive race
// (close-on-reuse) needs a second request; Example_keepAliveRace shows it.
func TestEveryFaultActsOnGoConnections(t *testing.T) {
	const timeout = 5 * time.Second
	cases := []struct {
		rule    simnet.Rule
		outcome string
		took    time.Duration
		net     string // a net event the trace must hold, as name or name:reason
	}{
		{simnet.Rule{What: simnet.FaultRefuse, Server: "api"},
			`is=[ECONNREFUSED] op=dial timeout=false: Get "http://api/": dial tcp 10.0.0.2:80: connect: connection refused`,
			2 * time.Millisecond, "refuse"},
		{simnet.Rule{What: simnet.FaultBlackHoleConnect, Server: "api"},
			"is=[context.DeadlineExceeded] op=- timeout=true", timeout, "drop:black-hole"},
		{simnet.Rule{What: simnet.FaultBlackHoleData, Dir: simnet.ServerToClient},
			"is=[context.DeadlineExceeded] op=- timeout=true", timeout, "drop:black-hole"},
		{simnet.Rule{What: simnet.FaultReset, Dir: simnet.ServerToClient, Pattern: []byte("\r\n\r\n")},
			// The body came with the RST: the reader gets it, then the reset.
			"is=[ECONNRESET] op=read timeout=false: read tcp 10.0.0.1:49152->10.0.0.2:80: read: connection reset by peer",
			4 * time.Millisecond, "rst"},
		{simnet.Rule{What: simnet.FaultClose, Dir: simnet.ServerToClient, AfterBytes: 10},
			`is=[] op=- timeout=false: Get "http://api/": net/http: HTTP/1.x transport connection broken: malformed HTTP status code "2"`,
			4 * time.Millisecond, "fin"},
		{simnet.Rule{What: simnet.FaultStall, Dir: simnet.ClientToServer, Duration: 3 * time.Second},
			"200, 1000 bytes", 3*time.Second + 4*time.Millisecond, "seg"},
		{simnet.Rule{What: simnet.FaultDelay, Dir: simnet.ServerToClient, Delay: 300 * time.Millisecond},
			"200, 1000 bytes", 304 * time.Millisecond, "seg"},
		{simnet.Rule{What: simnet.FaultSlice, Dir: simnet.ServerToClient, Size: 100},
			"200, 1000 bytes", 4 * time.Millisecond, "seg"},
		{simnet.Rule{What: simnet.FaultPartition, Client: "web", Server: "api", Duration: 2 * time.Second},
			"200, 1000 bytes", 3*time.Second + 4*time.Millisecond, "drop:partition"},
		{simnet.Rule{What: simnet.FaultDNSFail, Name: "api"},
			`is=[] op=dial timeout=false: Get "http://api/": dial tcp: lookup api: no such host`, 0, ""},
		{simnet.Rule{What: simnet.FaultDNSDelay, Name: "api", Delay: 2 * time.Second},
			"200, 1000 bytes", 2*time.Second + 4*time.Millisecond, "seg"},
	}
	for _, c := range cases {
		t.Run(c.rule.What.String(), func(t *testing.T) {
			w, _ := simnet.NewWorld(3)
			w.AddHost("web")
			w.AddHost("api")
			rule, err := w.AddRule(c.rule)
			if err != nil {
				t.Fatal(err)
			}
			var seen []string
			w.Loop().Events().Observe(func(ev simnet.Event) {
				if ev.Obj == "net" {
					seen = append(seen, ev.Name)
					if r, ok := ev.Detail["reason"].(string); ok {
						seen = append(seen, ev.Name+":"+r)
					}
				}
			})
			outcome, took := exchange(t, w, timeout)
			if outcome != c.outcome || took != c.took {
				t.Errorf("got %q after %v, want %q after %v", outcome, took, c.outcome, c.took)
			}
			if rule.Fired() == 0 {
				t.Error("the rule never fired")
			}
			if c.net != "" && !slices.Contains(seen, c.net) {
				t.Errorf("no %q in the trace's net events %v", c.net, seen)
			}
		})
	}
}

// A capture recorded from the world holds the Go programs' traffic: the
// replay package reads back net/http's request and response from it.
func TestCaptureHoldsGoTraffic(t *testing.T) {
	w, _ := simnet.NewWorld(5)
	w.AddHost("web")
	w.AddHost("api")
	var capture bytes.Buffer
	rec, err := record.NewRecorder(&capture, record.Options{Format: record.PCAP})
	if err != nil {
		t.Fatal(err)
	}
	w.Loop().Events().Observe(rec.Observe)
	if outcome, _ := exchange(t, w, time.Second); outcome != "200, 1000 bytes" {
		t.Fatalf("exchange: %s", outcome)
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	c, err := replay.ReadCapture(&capture)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Connections) != 1 || len(c.Connections[0].Exchanges) != 1 {
		t.Fatalf("capture of %d packets has %d connections, want 1 with 1 exchange", c.Packets, len(c.Connections))
	}
	x := c.Connections[0].Exchanges[0]
	if !x.Complete || x.Request.Head.Method != "GET" || x.Response.Head.StatusCode != 200 || len(x.Response.Body) != 1000 {
		t.Errorf("exchange read back: complete=%v %s -> %d with %d body bytes", x.Complete, x.Request.Head.Method, x.Response.Head.StatusCode, len(x.Response.Body))
	}
	if h := strings.Join(x.Request.Head.RawHeaders, " "); !strings.Contains(h, "User-Agent Go-http-client/1.1") {
		t.Errorf("request headers %q lack net/http's User-Agent", h)
	}
}
