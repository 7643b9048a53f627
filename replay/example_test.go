package replay_test

import (
	"context"
	"fmt"
	"os"

	"github.com/simhttp/simhttp/httpcore"
	"github.com/simhttp/simhttp/replay"
	"github.com/simhttp/simhttp/simnet"
)

// A real capture is served by its mock on a simulated host, and replayed
// against it from another with a fault injected: the server resets the
// connection once its first response head is out. Everything runs on the
// virtual clock, so the report is the same on every run.
func ExampleRun() {
	f, err := os.Open("../fixtures/captures/keepalive.pcap")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	c, err := replay.ReadCapture(f)
	if err != nil {
		fmt.Println(err)
		return
	}

	w, err := simnet.NewWorld(1)
	if err != nil {
		fmt.Println(err)
		return
	}
	client, _ := w.AddHost("client")
	server, _ := w.AddHost("server")
	srv, err := httpcore.CreateServer(server, httpcore.ServerOptions{}, replay.NewMock(c, replay.MockOptions{}).Handler())
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := srv.Listen(80, "", nil); err != nil {
		fmt.Println(err)
		return
	}
	srv.Unref()
	if _, err := w.AddRule(simnet.Rule{What: simnet.FaultReset, Server: "server", Dir: simnet.ServerToClient, Pattern: []byte("\r\n\r\n"), Conn: 1}); err != nil {
		fmt.Println(err)
		return
	}

	rep, err := replay.Run(context.Background(), c, replay.ReplayOptions{Target: "http://server:80", Runtime: client})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := rep.WriteText(os.Stdout); err != nil {
		fmt.Println(err)
	}
	fmt.Println("differed:", rep.Differed())
	// Output:
	// replay against http://server:80
	// conn 1 #1  GET /a  FAILED
	//     the response was cut short: ECONNRESET: aborted
	// conn 1 #2  GET /b  OK (200)
	// conn 1 #3  GET /a  OK (200)
	// 3 exchanges: 2 ok, 0 differed, 1 failed, 0 skipped
	// ignored as volatile (--strict compares them): date (differed in 2 exchanges)
	// differed: true
}
