package simnet

import (
	"reflect"
	"testing"
	"time"
	"unsafe"
)

// TestReleasedHostsMapsServeTheNextEmptied: the next world's hosts take the
// maps and arrays the released world's hosts grew, each host those of the
// host made in the same place, and find them empty: no listener, bound
// port or connection of the released world is left in them.
func TestReleasedHostsMapsServeTheNextEmptied(t *testing.T) {
	sp := NewSpares()
	hosts := func() (*World, *Host, *Host) { return serverAndClient(t, WithSpares(sp)) }
	w, srv, cli := hosts()
	if _, err := srv.Listen(ListenOptions{Port: 80}, func(*Socket) {}); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.Connect(ConnectOptions{Host: "10.0.0.1", Port: 80}); err != nil {
		t.Fatal(err)
	}
	if err := w.Loop().RunUntil(time.Second); err != nil {
		t.Fatal(err)
	}
	bound, routes := reflect.ValueOf(srv.bound).UnsafePointer(), reflect.ValueOf(cli.routes).UnsafePointer()
	if err := w.Release(); err != nil {
		t.Fatal(err)
	}
	_, srv, cli = hosts()
	if reflect.ValueOf(srv.bound).UnsafePointer() != bound || reflect.ValueOf(cli.routes).UnsafePointer() != routes {
		t.Errorf("the next world's hosts did not take the released hosts' maps")
	}
	for _, h := range []*Host{srv, cli} {
		if len(h.bound) != 0 || len(h.routes) != 0 || len(h.ports) != 0 || len(h.listeners) != 0 || len(h.addrs) != 1 {
			t.Errorf("%s starts with bound %v, routes %v, ports %v, listeners %v, addrs %v", h.name, h.bound, h.routes, h.ports, h.listeners, h.addrs)
		}
		if h.listening(80) {
			t.Errorf("%s listens on the released world's port 80", h.name)
		}
	}
}

// TestReleasedWorldsSendChunkServesTheNext: the next world's sends start
// in the chunk the released world's arena last handed out, all free again,
// and its bytes carry what the next world sends.
func TestReleasedWorldsSendChunkServesTheNext(t *testing.T) {
	sp := NewSpares()
	send := func(msg string) (*World, string) {
		w, srv, cli := serverAndClient(t, WithSpares(sp))
		got := ""
		if _, err := srv.Listen(ListenOptions{Port: 80}, func(s *Socket) {
			s.Events.Data.On(func(p []byte) { got += string(p) })
		}); err != nil {
			t.Fatal(err)
		}
		s, err := cli.Connect(ConnectOptions{Host: "10.0.0.1", Port: 80})
		if err != nil {
			t.Fatal(err)
		}
		s.Write([]byte(msg), nil)
		if err := w.Loop().RunUntil(time.Second); err != nil {
			t.Fatal(err)
		}
		return w, got
	}
	w, got := send("hello")
	chunk := unsafe.SliceData(w.sends.chunk)
	if got != "hello" || chunk == nil {
		t.Fatalf("the first world received %q and sent from chunk %p", got, chunk)
	}
	if err := w.Release(); err != nil {
		t.Fatal(err)
	}
	next, got := send("world")
	if got != "world" || unsafe.SliceData(next.sends.chunk) != chunk {
		t.Errorf("the next world received %q and sent from chunk %p, want %q from %p", got, unsafe.SliceData(next.sends.chunk), "world", chunk)
	}
}
