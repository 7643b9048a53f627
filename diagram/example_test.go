package diagram_test

import (
	"os"
	"time"

	"github.com/simhttp/simhttp/diagram"
	"github.com/simhttp/simhttp/simnet"
)

// A request refused by the server: the client's SYN, the server's reset,
// and the request's events, drawn for Markdown. The trace could as well be
// read from a file with simnet.ReadTrace.
func ExampleMermaid() {
	net := func(name, from, to string) simnet.Event {
		return simnet.Event{Obj: "net", ID: 1, Name: name, Detail: map[string]any{"from": from, "to": to, "len": 0}}
	}
	trace := []simnet.Event{
		net("syn", "client", "api"),
		{T: time.Millisecond, Obj: "net", ID: 1, Name: "refuse", Detail: map[string]any{"from": "api", "to": "client", "len": 0}},
		{T: time.Millisecond, Obj: "req", ID: 1, Name: "error", Code: "ECONNREFUSED"},
		{T: time.Millisecond, Obj: "req", ID: 1, Name: "close"},
	}
	_ = diagram.Mermaid(os.Stdout, diagram.Trace{Events: trace, FirstDiff: 3, Expected: "req:response"})
	// Output:
	// sequenceDiagram
	//     participant L0 as req#35;1
	//     participant L1 as client
	//     participant L2 as api
	//     L1->>L2: [0s] syn
	//     L2->>L1: [1ms] refuse
	//     Note over L0: error ECONNREFUSED
	//     rect rgb(255, 210, 210)
	//     Note over L0: close
	//     Note right of L0: first difference: expected req:response
	//     end
}
