package simnet_test

import (
	"testing"

	"github.com/simhttp/simhttp/simnet"
	"github.com/simhttp/simhttp/simnet/internal/sockettest"
)

// TestSocketSuiteOnSimulatedNetwork runs the runtime-independent socket
// cases between two simulated hosts, and again over one host's loopback.
func TestSocketSuiteOnSimulatedNetwork(t *testing.T) {
	for _, tc := range []struct {
		name     string
		loopback bool
	}{{"TwoHosts", false}, {"Loopback", true}} {
		t.Run(tc.name, func(t *testing.T) {
			sockettest.Run(t, sockettest.Env{Open: func(t *testing.T) sockettest.Peers {
				w := newWorld(t, 7)
				srv := addHost(t, w, "server")
				if tc.loopback {
					return sockettest.Peers{Client: srv, Server: srv, Host: "127.0.0.1", Run: steps(w)}
				}
				return sockettest.Peers{Client: addHost(t, w, "client"), Server: srv, Host: "server", Run: steps(w)}
			}})
		})
	}
}

func steps(w *simnet.World) func(func() bool) error {
	return func(done func() bool) error { return sockettest.StepUntil(w.Loop(), done) }
}
