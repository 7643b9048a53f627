package simnet_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/simhttp/simhttp/simnet"
)

// pendingWriter runs a world whose client writes n chunks before it is
// connected, so they wait in its pending writes and held bytes, and
// returns what the server received and the order the writes' callbacks
// ran in; with sp the world takes its objects from sp and releases them
// after.
func pendingWriter(t *testing.T, sp *simnet.Spares, n int) string {
	t.Helper()
	opts := onSpares(sp)
	w, cli, srv := twoHosts(t, opts...)
	var got bytes.Buffer
	if _, err := srv.Listen(simnet.ListenOptions{Port: 80}, func(s *simnet.Socket) {
		s.Events.Data.On(func(p []byte) { got.Write(p) })
	}); err != nil {
		t.Fatal(err)
	}
	s, _ := cli.Connect(simnet.ConnectOptions{Host: "server", Port: 80})
	for i := range n {
		s.Write(bytes.Repeat([]byte{byte('a' + i%26)}, 1+i*37%500), func(error) { fmt.Fprintf(&got, "[cb%d]", i) })
	}
	s.End(nil, nil)
	run(t, w)
	releaseOnSpares(t, w, sp)
	return got.String()
}

// TestPendingWritesFromSparesCarryNothingOver: the write batches and the
// arrays of pending writes and held bytes a released world's loop kept
// serve the next world, which sends and calls back exactly as a fresh
// world does.
func TestPendingWritesFromSparesCarryNothingOver(t *testing.T) {
	sameOnSpares(t, []int{30, 4, 60, 1}, pendingWriter)
}
