package simnet_test

import (
	"testing"

	"github.com/simhttp/simhttp/simnet"
)

// TestSocketPausedBeforeConnectReadsAfterResume covers a socket paused while
// still connecting: once resumed it must read again, not hang.
func TestSocketPausedBeforeConnectReadsAfterResume(t *testing.T) {
	w := newWorld(t, 3)
	srv := addHost(t, w, "server")
	cli := addHost(t, w, "client")
	ln, err := srv.Listen(simnet.ListenOptions{Port: 80}, func(s *simnet.Socket) {
		s.End([]byte("hello"), nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	sock, err := cli.Connect(simnet.ConnectOptions{Host: "server", Port: 80})
	if err != nil {
		t.Fatal(err)
	}
	sock.Pause()
	var got []byte
	sock.Events.Data.On(func(p []byte) { got = append(got, p...) })
	sock.Events.Connect.On(func(struct{}) { sock.Resume() })
	sock.Events.End.On(func(struct{}) { ln.Close() })
	if err := w.Loop().Run(); err != nil {
		t.Fatal(err)
	}
	if string(got) != "hello" {
		t.Fatalf("read %q after resuming, want hello", got)
	}
}
