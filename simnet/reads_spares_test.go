package simnet_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/simhttp/simhttp/simnet"
)

// burstReader runs a world whose server sends n segments' worth of bytes
// in one write, which reach the client at one instant and queue for its
// reads, and returns what the client read, chunk by chunk; with sp the
// world takes its objects from sp and releases them after.
func burstReader(t *testing.T, sp *simnet.Spares, n int) string {
	t.Helper()
	opts := onSpares(sp)
	w, cli, srv := twoHosts(t, opts...)
	if _, err := srv.Listen(simnet.ListenOptions{Port: 80}, func(s *simnet.Socket) {
		var data []byte
		for i := range n {
			data = append(data, bytes.Repeat([]byte{byte('a' + i%26)}, 1400)...)
		}
		s.End(data, nil)
	}); err != nil {
		t.Fatal(err)
	}
	var got strings.Builder
	s, _ := cli.Connect(simnet.ConnectOptions{Host: "server", Port: 80})
	s.Events.Data.On(func(p []byte) { fmt.Fprintf(&got, "%d%c%c|", len(p), p[0], p[len(p)-1]) })
	run(t, w)
	releaseOnSpares(t, w, sp)
	return got.String()
}

// TestQueuedReadsFromSparesCarryNothingOver: the reads that arrive at one
// instant queue in an array from the world's spares; the next world, given
// it again - fewer reads, then more than it holds - reads exactly its own
// data, as a fresh world does.
func TestQueuedReadsFromSparesCarryNothingOver(t *testing.T) {
	sameOnSpares(t, []int{12, 3, 40, 5}, burstReader)
}
