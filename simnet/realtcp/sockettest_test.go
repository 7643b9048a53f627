package realtcp

import (
	"testing"

	"github.com/simhttp/simhttp/simnet/internal/sockettest"
)

// TestSocketSuite runs the cases every runtime must pass on loopback, with
// client and server on one runtime as they would be in one Node process.
func TestSocketSuite(t *testing.T) {
	sockettest.Run(t, sockettest.Env{Open: func(t *testing.T) sockettest.Peers {
		rt := newRuntime(t)
		return sockettest.Peers{
			Client: rt,
			Server: rt,
			Host:   "127.0.0.1",
			Run:    func(done func() bool) error { return sockettest.StepUntil(rt.Loop(), done) },
		}
	}})
}
