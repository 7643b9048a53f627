package realtcp_test

import (
	"fmt"

	"github.com/simhttp/simhttp/simnet"
	"github.com/simhttp/simhttp/simnet/realtcp"
)

// An echo server and its client on one runtime, over loopback: Run returns
// once both sockets and the listener are closed, as a Node process exits.
func ExampleRuntime() {
	rt := realtcp.New()
	var ln simnet.Listener
	ln, err := rt.Listen(simnet.ListenOptions{Host: "127.0.0.1"}, func(s *simnet.Socket) {
		ln.Close()
		s.Events.Data.On(func(p []byte) { s.Write(p, nil) })
	})
	if err != nil {
		fmt.Println(err)
		return
	}

	to := ln.Addr()
	c, err := rt.Connect(simnet.ConnectOptions{Host: to.Addr().String(), Port: int(to.Port())})
	if err != nil {
		fmt.Println(err)
		return
	}
	var echo []byte
	c.Events.Data.On(func(p []byte) {
		echo = append(echo, p...)
		if len(echo) == len("hello") {
			c.End(nil, nil)
		}
	})
	c.Events.Close.On(func(hadError bool) { fmt.Printf("echo %q, hadError %v\n", echo, hadError) })
	c.Write([]byte("hello"), nil)

	if err := rt.Run(); err != nil {
		fmt.Println(err)
	}
	// Output: echo "hello", hadError false
}
