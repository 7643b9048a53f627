package httpcore_test

import (
	"fmt"

	"github.com/simhttp/simhttp/httpcore"
	"github.com/simhttp/simhttp/simnet"
)

// greeter builds a world with a client host and an "api" host whose server
// answers every request with "hello".
func greeter() (*simnet.World, *simnet.Host, *httpcore.Server) {
	w, _ := simnet.NewWorld(1)
	client, _ := w.AddHost("client")
	api, _ := w.AddHost("api")
	srv, _ := httpcore.CreateServer(api, httpcore.ServerOptions{}, func(req *httpcore.IncomingMessage, res *httpcore.ServerResponse) {
		_ = res.End([]byte("hello from "+req.URL), nil)
	})
	_ = srv.Listen(80, "", nil)
	return w, client, srv
}

func ExampleRequest() {
	w, client, srv := greeter()
	var events []simnet.Event
	w.Loop().Events().Observe(func(ev simnet.Event) {
		if ev.Obj == "req" || ev.Obj == "res" {
			events = append(events, ev)
		}
	})

	req, err := httpcore.Request(client, "http://api/greeting", httpcore.RequestOptions{Method: "GET"}, func(res *httpcore.IncomingMessage) {
		fmt.Println(res.StatusCode, res.StatusMessage)
		res.Events.Data.On(func(p []byte) { fmt.Printf("%s\n", p) })
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	req.Events.Close.On(func(struct{}) { srv.Close(nil) })
	_ = req.End(nil, nil)
	_ = w.Loop().Run()

	fmt.Println(simnet.Compact(events, false))
	// Output:
	// 200 OK
	// hello from /greeting
	// req:socket req:finish req:response res:data* res:end req:close res:close
}

func ExampleAgent() {
	w, client, srv := greeter()
	agent, _ := httpcore.NewAgent(client, httpcore.AgentOptions{KeepAlive: true})

	get := func(path string, then func()) {
		req, _ := httpcore.Get(client, "http://api"+path, httpcore.RequestOptions{Agent: agent}, func(res *httpcore.IncomingMessage) {
			res.Resume()
		})
		req.Events.Close.On(func(struct{}) {
			fmt.Printf("%s reused a socket: %v\n", path, req.ReusedSocket())
		})
		agent.Events.Free.Once(func(*simnet.Socket) {
			fmt.Printf("free sockets for %s: %d\n", agent.GetName(simnet.ConnectOptions{Host: "api", Port: 80}), len(agent.FreeSockets()["api:80:"]))
			then()
		})
	}
	get("/one", func() {
		get("/two", func() {
			agent.Destroy()
			srv.Close(nil)
		})
	})
	_ = w.Loop().Run()
	// Output:
	// /one reused a socket: false
	// free sockets for api:80:: 1
	// /two reused a socket: true
	// free sockets for api:80:: 1
}
