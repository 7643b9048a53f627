package httpcore

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/simhttp/simhttp/simnet"
)

// fetchWorld is a client host and an "api" host whose server does not keep
// the loop alive, so Fetch returns once its requests are done.
func fetchWorld(t *testing.T, handler func(*IncomingMessage, *ServerResponse)) *simnet.Host {
	t.Helper()
	w, err := simnet.NewWorld(1)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := w.AddHost("client")
	api, _ := w.AddHost("api")
	srv, err := CreateServer(api, ServerOptions{}, handler)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Listen(80, "", nil); err != nil {
		t.Fatal(err)
	}
	srv.Unref()
	return c
}

func echoBack(req *IncomingMessage, res *ServerResponse) {
	var body []byte
	req.Events.Data.On(func(p []byte) { body = append(body, p...) })
	req.Events.End.On(func(struct{}) {
		x, _ := req.Headers().Get("x-a")
		_ = res.SetHeader("X-Echo", req.Method+" "+req.URL+" "+x)
		_ = res.End(body, nil)
	})
}

func TestFetchPrintsResponsesAndTraces(t *testing.T) {
	c := fetchWorld(t, echoBack)
	var out strings.Builder
	err := Fetch(c, FetchSpec{
		URL: "http://api/x", Method: "PUT", Headers: []string{"X-A: 1", "x-a: 2"}, Body: []byte("hi"),
		KeepAlive: true, Repeat: 2, Trace: true,
	}, &out)
	if err != nil {
		t.Fatal(err)
	}
	resp := func(date string) string {
		return "HTTP/1.1 200 OK\nX-Echo: PUT /x 1, 2\nDate: " + date + "\nConnection: keep-alive\nKeep-Alive: timeout=5\nContent-Length: 2\n\nhi\n"
	}
	want := resp("Sat, 01 Jan 2000 00:00:00 GMT") +
		"trace: req:socket req:finish req:response res:data* res:end req:close res:close\n" +
		resp("Sat, 01 Jan 2000 00:00:00 GMT") +
		"trace: req:socket req:finish req:response res:data* res:end req:close res:close\n"
	if out.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", out.String(), want)
	}
}

func TestFetchReportsFailures(t *testing.T) {
	for _, c := range []struct {
		name    string
		handler func(*IncomingMessage, *ServerResponse)
		spec    FetchSpec
		code    string
		trace   string
	}{
		{"refused", echoBack, FetchSpec{URL: "http://api:81/", Trace: true}, "ECONNREFUSED",
			"trace: req:socket req:error(ECONNREFUSED) req:close"},
		{"timeout", func(*IncomingMessage, *ServerResponse) {}, FetchSpec{URL: "http://api/", Timeout: 100 * time.Millisecond, Trace: true},
			"ETIMEDOUT", "trace: req:socket req:finish req:timeout req:error(ETIMEDOUT) req:close"},
		{"cut short", func(req *IncomingMessage, res *ServerResponse) {
			_ = res.WriteHead(200, "", []HeaderField{{Name: "Content-Length", Values: []string{"10"}}})
			_, _ = res.Write([]byte("part"), func(error) { req.Socket().Destroy(nil) })
		}, FetchSpec{URL: "http://api/", Trace: true}, "ECONNRESET",
			"trace: req:socket req:finish req:response res:data* res:aborted req:close res:error(ECONNRESET) res:close"},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := fetchWorld(t, c.handler)
			var out strings.Builder
			err := Fetch(h, c.spec, &out)
			if simnet.CodeOf(err) != c.code {
				t.Fatalf("error %v, want code %s", err, c.code)
			}
			// The error starts a line of its own, even after a body cut
			// short without a newline.
			if !strings.Contains(out.String(), c.trace+"\n") || !strings.Contains(out.String(), "\nerror: "+c.code) &&
				!strings.HasPrefix(out.String(), "error: "+c.code) {
				t.Errorf("output:\n%s\nwant the error and %q", out.String(), c.trace)
			}
		})
	}
}

func TestFetchRefusesBadArguments(t *testing.T) {
	h := fetchWorld(t, echoBack)
	for _, spec := range []FetchSpec{
		{URL: "http://api/", Headers: []string{"no colon"}},
		{URL: "http://api/", Repeat: -1},
		{URL: "https://api/"},
		{URL: "http://api/", Method: "BAD METHOD"},
	} {
		var out strings.Builder
		err := Fetch(h, spec, &out)
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%+v: %v, want an *httpcore.Error", spec, err)
		}
	}
}
