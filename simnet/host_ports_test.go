package simnet_test

import (
	"testing"
	"time"

	"github.com/simhttp/simhttp/simnet"
)

// TestLocalPortsAreUniquePerRoute binds local ports as Linux does: a port
// in use towards one server is taken towards it until that connection is
// gone, free towards another server meanwhile, and ephemeral ports skip
// the ones taken.
func TestLocalPortsAreUniquePerRoute(t *testing.T) {
	w := newWorld(t, 1)
	for _, name := range []string{"a", "b"} {
		srv := addHost(t, w, name)
		if _, err := srv.Listen(simnet.ListenOptions{Port: 80}, func(s *simnet.Socket) {
			s.Events.End.On(func(struct{}) { s.End(nil, nil) })
		}); err != nil {
			t.Fatal(err)
		}
	}
	cli := addHost(t, w, "client")
	connect := func(host string, port int) (*simnet.Socket, *string) {
		s, err := cli.Connect(simnet.ConnectOptions{Host: host, Port: 80, LocalPort: port})
		if err != nil {
			t.Fatal(err)
		}
		code := new(string)
		s.Events.Error.On(func(err error) { *code = simnet.CodeOf(err) })
		return s, code
	}
	first, code := connect("a", 50000)
	_, again := connect("a", 50000)
	_, other := connect("b", 50000)
	eph, ephCode := connect("a", 0)
	if err := w.Loop().RunUntil(w.Loop().Now() + time.Second); err != nil {
		t.Fatal(err)
	}
	if *code != "" || *again != "EADDRINUSE" || *other != "" || *ephCode != "" {
		t.Fatalf("port 50000 to a, again to a, to b, ephemeral to a: errors %q %q %q %q; want only the second EADDRINUSE", *code, *again, *other, *ephCode)
	}
	if p := eph.LocalAddr().Port(); p < 49152 || p == 50000 {
		t.Errorf("the ephemeral port is %d", p)
	}
	if first.LocalAddr().Port() != 50000 {
		t.Errorf("the first connection's port is %d, want 50000", first.LocalAddr().Port())
	}
	first.End(nil, nil)
	run(t, w)
	_, code = connect("a", 50000)
	run(t, w)
	if *code != "" {
		t.Errorf("port 50000 to a once the first connection is gone: %s", *code)
	}
}
