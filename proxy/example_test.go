package proxy_test

import (
	"fmt"
	"io"
	"net"
	"net/http"

	"github.com/simhttp/simhttp/proxy"
	"github.com/simhttp/simhttp/simnet"
)

// A Go test puts a proxy in front of its service, makes the second request
// fail, and reads what fired.
func Example() {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello")
	})}
	go srv.Serve(ln)
	defer srv.Close()

	p, err := proxy.Start(proxy.Options{Upstream: ln.Addr().String()})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close()
	rule, _ := simnet.ParseRuleJSON([]byte(`{"what": "reset", "request": 2, "after": "response headers"}`), proxy.CheckRule)
	if _, err := p.AddRule(rule); err != nil {
		fmt.Println(err)
		return
	}

	client := &http.Client{Transport: &http.Transport{}}
	for i := 1; i <= 3; i++ {
		res, err := client.Get("http://" + p.Addr() + "/")
		if err != nil {
			fmt.Println(i, "error")
			continue
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		fmt.Println(i, res.StatusCode, string(body), err != nil)
	}
	for _, f := range p.Counters().Faults {
		fmt.Printf("%s on connection %d, request %d\n", f.What, f.Connection, f.Request)
	}
	// Output:
	// 1 200 hello false
	// 2 200  true
	// 3 200 hello false
	// reset on connection 1, request 2
}
