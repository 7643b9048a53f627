package httpcore_test

import (
	"fmt"
	"strings"

	"github.com/simhttp/simhttp/httpcore"
	"github.com/simhttp/simhttp/simnet"
)

// A server on a simulated host answers a request written by a raw client
// on the same host. The world's clock is virtual, so even the Date header
// is the same on every run.
func ExampleCreateServer() {
	w, err := simnet.NewWorld(1)
	if err != nil {
		fmt.Println(err)
		return
	}
	host, err := w.AddHost("example")
	if err != nil {
		fmt.Println(err)
		return
	}
	srv, err := httpcore.CreateServer(host, httpcore.ServerOptions{}, func(req *httpcore.IncomingMessage, res *httpcore.ServerResponse) {
		if err := res.SetHeader("Content-Type", "text/plain"); err != nil {
			res.Destroy(err)
			return
		}
		if err := res.End([]byte("hello from "+req.URL), nil); err != nil {
			res.Destroy(err)
		}
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := srv.Listen(8080, "", nil); err != nil {
		fmt.Println(err)
		return
	}

	sock, err := host.Connect(simnet.ConnectOptions{Host: "127.0.0.1", Port: 8080})
	if err != nil {
		fmt.Println(err)
		return
	}
	sock.Write([]byte("GET /greeting HTTP/1.1\r\nHost: example\r\nConnection: close\r\n\r\n"), nil)
	var got strings.Builder
	sock.Events.Data.On(func(p []byte) { got.Write(p) })
	sock.Events.Close.On(func(bool) {
		fmt.Println(strings.ReplaceAll(got.String(), "\r\n", "\n"))
		srv.Close(nil)
	})

	if err := w.Loop().Run(); err != nil {
		fmt.Println(err)
	}
	// Output:
	// HTTP/1.1 200 OK
	// Content-Type: text/plain
	// Date: Sat, 01 Jan 2000 00:00:00 GMT
	// Connection: close
	// Content-Length: 20
	//
	// hello from /greeting
}
