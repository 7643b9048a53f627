package simnet

import (
	"testing"
	"time"
)

// TestDrainedSocketKeepsNoArrays writes while connecting, so the bytes wait
// in the socket: once the kernel took them the socket holds no array of
// its own, and the next socket to wait takes the same ones.
func TestDrainedSocketKeepsNoArrays(t *testing.T) {
	w, srv, cli := serverAndClient(t)
	got := 0
	if _, err := srv.Listen(ListenOptions{Port: 80}, func(s *Socket) {
		s.Events.Data.On(func(p []byte) { got += len(p) })
	}); err != nil {
		t.Fatal(err)
	}
	connectAndWrite := func() *Socket {
		s, err := cli.Connect(ConnectOptions{Host: "10.0.0.1", Port: 80})
		if err != nil {
			t.Fatal(err)
		}
		s.Write([]byte("hello"), nil)
		if err := w.Loop().RunUntil(w.Loop().Now() + time.Second); err != nil {
			t.Fatal(err)
		}
		return s
	}
	first := connectAndWrite()
	if first.pending != nil || first.held != nil {
		t.Errorf("a drained socket keeps pending cap %d, held cap %d", cap(first.pending), cap(first.held))
	}
	l := w.Loop()
	if l.spareWrites.Len() != 1 || l.spareHeld.Len() != 1 {
		t.Fatalf("the loop keeps %d pending and %d held arrays, want 1 each", l.spareWrites.Len(), l.spareHeld.Len())
	}
	held := l.spareHeld.Take()
	l.spareHeld.Put(held)
	s, err := cli.Connect(ConnectOptions{Host: "10.0.0.1", Port: 80})
	if err != nil {
		t.Fatal(err)
	}
	s.Write([]byte("again"), nil)
	if &s.held[0] != &held[:1][0] || l.spareHeld.Len() != 0 || l.spareWrites.Len() != 0 {
		t.Errorf("a socket that waits to write does not reuse the spare arrays")
	}
	if err := l.Run(); err != nil {
		t.Fatal(err)
	}
	if got != 10 {
		t.Errorf("the server read %d bytes, want 10", got)
	}
}
