package simnet_test

import (
	"testing"

	"github.com/simhttp/simhttp/simnet"
)

// addrEcho runs a world whose client connects to the server's address -
// once to a listener, and once more with a socket destroyed before its
// dial - and returns the compact trace; with sp the world takes its
// objects, pending dials and listeners included, from sp and releases
// them after.
func addrEcho(t *testing.T, sp *simnet.Spares, port int) string {
	t.Helper()
	opts := onSpares(sp)
	w, cli, srv := twoHosts(t, opts...)
	var events []simnet.Event
	w.Loop().Events().Observe(func(ev simnet.Event) { events = append(events, ev) })
	echoServer(t, srv, port)
	gone, _ := cli.Connect(simnet.ConnectOptions{Host: "10.0.0.2", Port: port})
	gone.Destroy(nil)
	s, _ := cli.Connect(simnet.ConnectOptions{Host: "10.0.0.2", Port: port})
	s.Events.Connect.On(func(struct{}) { s.Write([]byte("hello"), nil) })
	s.Events.Data.On(func([]byte) { s.End(nil, nil) })
	run(t, w)
	releaseOnSpares(t, w, sp)
	return simnet.Compact(events, true)
}

// TestDialsAndListenersFromSparesCarryNothingOver: a world whose pending
// dials and listeners come from a released world's runs as a fresh world
// does, a socket destroyed before its dial included.
func TestDialsAndListenersFromSparesCarryNothingOver(t *testing.T) {
	sameOnSpares(t, []int{80, 8080, 80}, addrEcho)
}
