package realtcp_test

import (
	"testing"

	"github.com/simhttp/simhttp/simnet/internal/sockettest"
	"github.com/simhttp/simhttp/simnet/realtcp"
)

// BenchmarkEchoLoopback runs sockettest.BenchEcho, the workload of simnet's
// BenchmarkEchoSim, over the loopback interface; client and server share
// the runtime's one loop.
func BenchmarkEchoLoopback(b *testing.B) {
	rt := realtcp.New()
	sockettest.BenchEcho(b, rt, rt, "127.0.0.1", "127.0.0.1", rt.Run)
}
