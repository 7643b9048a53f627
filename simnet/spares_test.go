package simnet

import (
	"testing"
	"time"
)

// TestSparesAreBounded keeps at most maxSpares arrays and maxSpareBytes in
// all, and hands each back once, emptied.
func TestSparesAreBounded(t *testing.T) {
	var p spares[byte]
	for range maxSpares + 1 {
		p.put(make([]byte, 3, 8))
	}
	if len(p.kept) != maxSpares || p.bytes != maxSpares*8 {
		t.Fatalf("kept %d arrays, %d bytes; want %d, %d", len(p.kept), p.bytes, maxSpares, maxSpares*8)
	}
	for range maxSpares {
		if b := p.take(); len(b) != 0 || cap(b) != 8 {
			t.Fatalf("took len %d cap %d, want an empty array of 8", len(b), cap(b))
		}
	}
	if b := p.take(); b != nil || p.bytes != 0 {
		t.Fatalf("took %v from no spares, %d bytes counted", b, p.bytes)
	}
	p.put(make([]byte, 0, maxSpareBytes))
	p.put(make([]byte, 0, 1))
	p.put(nil)
	if len(p.kept) != 1 || p.bytes != maxSpareBytes {
		t.Fatalf("kept %d arrays, %d bytes; want the first only", len(p.kept), p.bytes)
	}
}

// TestDrainedSocketKeepsNoArrays writes while connecting, so the bytes wait
// in the socket: once the kernel took them the socket holds no array of
// its own, and the next socket to wait takes the same ones.
func TestDrainedSocketKeepsNoArrays(t *testing.T) {
	w, err := NewWorld(1)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := w.AddHost("server", "10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	cli, err := w.AddHost("client")
	if err != nil {
		t.Fatal(err)
	}
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
	if len(l.spareWrites.kept) != 1 || len(l.spareHeld.kept) != 1 {
		t.Fatalf("the loop keeps %d pending and %d held arrays, want 1 each", len(l.spareWrites.kept), len(l.spareHeld.kept))
	}
	held := &l.spareHeld.kept[0][:1][0]
	s, err := cli.Connect(ConnectOptions{Host: "10.0.0.1", Port: 80})
	if err != nil {
		t.Fatal(err)
	}
	s.Write([]byte("again"), nil)
	if &s.held[0] != held || len(l.spareHeld.kept) != 0 || len(l.spareWrites.kept) != 0 {
		t.Errorf("a socket that waits to write does not reuse the spare arrays")
	}
	if err := l.Run(); err != nil {
		t.Fatal(err)
	}
	if got != 10 {
		t.Errorf("the server read %d bytes, want 10", got)
	}
}
