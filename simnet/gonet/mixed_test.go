package gonet_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/simhttp/simhttp/httpcore"
	"github.com/simhttp/simhttp/simnet"
	"github.com/simhttp/simhttp/simnet/gonet"
)

// One world, both ways: simhttp's Node-like client calls a net/http server,
// and net/http's client calls simhttp's Node-like server, under one clock
// and one trace.
func TestMixedWorldBothWays(t *testing.T) {
	w, err := simnet.NewWorld(11, simnet.WithLink(simnet.Link{Latency: 5 * time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	goServer, _ := w.AddHost("go-server")
	goClient, _ := w.AddHost("go-client")
	nodeServer, _ := w.AddHost("node-server")
	nodeClient, _ := w.AddHost("node-client")
	var events []simnet.Event
	w.Loop().Events().Observe(func(ev simnet.Event) {
		if ev.Obj != "net" {
			events = append(events, ev)
		}
	})
	// Node-side objects belong to the loop: this one is made before Run.
	srv, err := httpcore.CreateServer(nodeServer, httpcore.ServerOptions{}, func(req *httpcore.IncomingMessage, res *httpcore.ServerResponse) {
		_ = res.End([]byte("node answers "+req.URL), nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Listen(80, "", nil); err != nil {
		t.Fatal(err)
	}

	gonet.Run(t, w, func(t *testing.T) {
		ln, err := gonet.Listen(goServer, 80)
		if err != nil {
			t.Fatal(err)
		}
		hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "go answers %s", r.URL.Path)
		})}
		go hs.Serve(ln)
		defer hs.Close()

		// httpcore client -> net/http server. The response arrives on the
		// loop; a channel made in the bubble carries it to this goroutine.
		fromNode := make(chan string, 1)
		start := time.Now()
		err = gonet.Do(w, func() {
			_, err := httpcore.Get(nodeClient, "http://go-server/from-node", httpcore.RequestOptions{}, func(res *httpcore.IncomingMessage) {
				var body []byte
				res.Events.Data.On(func(p []byte) { body = append(body, p...) })
				res.Events.End.On(func(struct{}) { fromNode <- fmt.Sprintf("%d %s", res.StatusCode, body) })
			})
			if err != nil {
				fromNode <- err.Error()
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := <-fromNode, "200 go answers /from-node"; got != want {
			t.Errorf("httpcore client got %q, want %q", got, want)
		}
		if got := time.Since(start); got != 20*time.Millisecond {
			t.Errorf("httpcore -> net/http took %v, want two round trips of 10ms", got)
		}

		// net/http client -> httpcore server.
		d := &gonet.Dialer{Host: goClient}
		client := &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
		defer client.CloseIdleConnections()
		resp, err := client.Get("http://node-server/from-go")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if got, want := fmt.Sprintf("%d %s", resp.StatusCode, body), "200 node answers /from-go"; got != want {
			t.Errorf("net/http client got %q, want %q", got, want)
		}
	})
	srv.Close(nil)

	// The Node-side objects traced both exchanges: the client request that
	// reached the Go server, and the server request that came from Go.
	compact := simnet.Compact(events, false)
	for _, want := range []string{"req:socket", "req:response", "res:end", "server:request", "sres:finish"} {
		if !strings.Contains(compact, want) {
			t.Errorf("trace lacks %s: %s", want, compact)
		}
	}
}
