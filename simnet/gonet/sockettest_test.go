package gonet_test

import (
	"context"
	"net"
	"strconv"
	"testing"

	"github.com/simhttp/simhttp/simnet"
	"github.com/simhttp/simhttp/simnet/gonet"
	"github.com/simhttp/simhttp/simnet/internal/sockettest"
	"github.com/simhttp/simhttp/simnet/realtcp"
)

// TestSocketSuite runs the net.Socket cases that simnet and the real-TCP
// runtime share through the adapter: realtcp's Node sockets, which drive
// Go connections from goroutines, over gonet's connections in place of the
// kernel's. Each case runs in a world and bubble of its own.
func TestSocketSuite(t *testing.T) {
	var client, server *simnet.Host
	sockettest.Run(t, sockettest.Env{
		Within: func(t *testing.T, run func(t *testing.T)) {
			var w *simnet.World
			w, client, server = newWorld(t)
			gonet.Run(t, w, run)
		},
		Open: func(t *testing.T) sockettest.Peers {
			d := &gonet.Dialer{Host: client}
			listen := func(_ context.Context, _, address string) (net.Listener, error) {
				_, port, err := net.SplitHostPort(address)
				if err != nil {
					return nil, err
				}
				n, err := strconv.Atoi(port)
				if err != nil {
					return nil, err
				}
				return gonet.Listen(server, n)
			}
			rt := realtcp.Over(d.DialContext, listen)
			return sockettest.Peers{
				Client: rt,
				Server: rt,
				Host:   server.Addrs()[0].String(),
				Run:    func(done func() bool) error { return sockettest.StepUntil(rt.Loop(), done) },
			}
		},
	})
}
