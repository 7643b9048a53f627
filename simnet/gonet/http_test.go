package gonet_test

import (
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/simhttp/simhttp/simnet"
	"github.com/simhttp/simhttp/simnet/gonet"
)

func TestHTTPRoundTrip(t *testing.T) {
	w, err := simnet.NewWorld(1, simnet.WithLink(simnet.Link{Latency: 50 * time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	web, _ := w.AddHost("web")
	api, _ := w.AddHost("api")
	w.Loop().Events().Observe(func(ev simnet.Event) { t.Logf("%v %s#%d %s %v", ev.T, ev.Obj, ev.ID, ev.Name, ev.Detail) })
	gonet.Run(t, w, func(t *testing.T) {
		ln, err := gonet.Listen(api, 80)
		if err != nil {
			t.Fatal(err)
		}
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "hello "+r.URL.Path)
		})}
		go srv.Serve(ln)
		d := &gonet.Dialer{Host: web}
		c := &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
		start := time.Now()
		for i := 0; i < 3; i++ {
			resp, err := c.Get("http://api/x")
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			t.Logf("%v %s %q", time.Since(start), resp.Status, b)
		}
		c.CloseIdleConnections()
		srv.Close()
	})
}
