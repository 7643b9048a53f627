package simnet_test

import (
	"fmt"
	"time"

	"github.com/simhttp/simhttp/simnet"
)

// Two hosts on a 5 ms link: an echo server, and a client whose connection a
// fault rule resets once the server has sent back the first newline. The
// echo and the RST reach the client's kernel together, so the client reads
// the echo, and its reply fails at once: the kernel hands the reset to the
// write, as Linux does. The loop stops when nothing ref'd is left, as a
// Node process exits: the listener is unref'd.
func ExampleWorld() {
	w, err := simnet.NewWorld(42, simnet.WithLink(simnet.Link{Latency: 5 * time.Millisecond}))
	if err != nil {
		panic(err)
	}
	web, _ := w.AddHost("web", "10.0.0.1")
	api, _ := w.AddHost("api", "10.0.0.2")
	w.Loop().Events().Observe(func(ev simnet.Event) {
		switch {
		case ev.Name == "fault":
			fmt.Printf("%-5v fault  %s at %s\n", ev.T, ev.Detail["fault"], ev.Detail["from"])
		case ev.Obj == "net" && ev.Name != "ack":
			fmt.Printf("%-5v %-6s %s>%s len=%d\n", ev.T, ev.Name, ev.Detail["from"], ev.Detail["to"], ev.Detail["len"])
		case ev.Code != "":
			fmt.Printf("%-5v %s %s(%s)\n", ev.T, ev.Obj, ev.Name, ev.Code)
		case ev.Obj != "net":
			fmt.Printf("%-5v %s %s\n", ev.T, ev.Obj, ev.Name)
		}
	})

	ln, _ := api.Listen(simnet.ListenOptions{Port: 7}, func(s *simnet.Socket) {
		s.Events.Data.On(func(p []byte) { s.Write(p, nil) })
	})
	ln.Unref()
	_, err = w.AddRule(simnet.Rule{What: simnet.FaultReset, Server: "api", Dir: simnet.ServerToClient, Pattern: []byte("\n")})
	if err != nil {
		panic(err)
	}

	s, _ := web.Connect(simnet.ConnectOptions{Host: "api", Port: 7})
	s.Events.Connect.On(func(struct{}) { s.Write([]byte("hi\n"), nil) })
	s.Events.Data.On(func(p []byte) {
		fmt.Printf("%-5v web read %q\n", w.Loop().Now(), p)
		s.Write([]byte("again\n"), nil)
	})
	s.Events.Error.On(func(err error) { fmt.Printf("%-5v web error: %v\n", w.Loop().Now(), err) })

	if err := w.Loop().Run(); err != nil {
		panic(err)
	}
	// Output:
	// 0s    syn    web>api len=0
	// 5ms   synack api>web len=0
	// 10ms  socket connect
	// 10ms  seg    web>api len=3
	// 15ms  seg    api>web len=3
	// 15ms  fault  reset at api
	// 15ms  rst    api>web len=0
	// 15ms  ssocket close
	// 20ms  web read "hi\n"
	// 20ms  socket error(ECONNRESET)
	// 20ms  web error: write ECONNRESET
	// 20ms  socket close
}

// A world of 10,000 idle connection pairs, built before its run, then its heap
// put in huge pages: what a big world's exchanges gain is measured by
// BenchmarkTimedExchangesHugePages. An error only means some memory stays
// in small pages, so the run goes on either way.
func ExampleBackHeapWithHugePages() {
	w, err := simnet.NewWorld(1)
	if err != nil {
		panic(err)
	}
	srv, _ := w.AddHost("server", "10.0.0.1")
	cli, _ := w.AddHost("client")
	ln, _ := srv.Listen(simnet.ListenOptions{Port: 80, Backlog: 20_000}, func(*simnet.Socket) {})
	for range 10_000 {
		if _, err := cli.Connect(simnet.ConnectOptions{Host: "10.0.0.1", Port: 80}); err != nil {
			panic(err)
		}
	}
	if err := w.Loop().RunUntil(time.Second); err != nil {
		panic(err)
	}
	if backed, err := simnet.BackHeapWithHugePages(); err != nil {
		fmt.Println("some memory stays in small pages:", err)
	} else {
		fmt.Printf("%d MiB in huge pages\n", backed.Backed>>20)
	}
	ln.Close()
}

// Worlds run one after another can share Spares: each world's sockets,
// hosts and loop serve the next once it is released, and every world runs
// exactly as a world of its own would.
func ExampleSpares() {
	sp := simnet.NewSpares()
	for seed := range uint64(3) {
		w, err := simnet.NewWorld(seed, simnet.WithSpares(sp))
		if err != nil {
			panic(err)
		}
		srv, _ := w.AddHost("server")
		cli, _ := w.AddHost("client")
		srv.Listen(simnet.ListenOptions{Port: 7}, func(s *simnet.Socket) {
			s.Events.Data.On(func(p []byte) { s.End(p, nil) })
		})
		s, _ := cli.Connect(simnet.ConnectOptions{Host: "server", Port: 7})
		s.Events.Connect.On(func(struct{}) { s.Write([]byte("ping"), nil) })
		s.Events.Data.On(func(p []byte) { fmt.Printf("seed %d: %s at %v\n", seed, p, w.Loop().Now()) })
		s.Events.End.On(func(struct{}) { s.End(nil, nil) })
		if err := w.Loop().Run(); err != nil {
			panic(err)
		}
		// Nothing of w may be used from here on: its objects are the
		// next world's.
		if err := w.Release(); err != nil {
			panic(err)
		}
	}
	// Output:
	// seed 0: ping at 4ms
	// seed 1: ping at 4ms
	// seed 2: ping at 4ms
}
