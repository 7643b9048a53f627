package simnet_test

import (
	"strings"
	"testing"

	"github.com/simhttp/simhttp/simnet"
)

// TestCorkedWriteCallbacksRunInOrder writes three chunks with callbacks and
// one without while corked: they arrive together, the callbacks run in the
// order written once the Write calls have returned, and in a steady
// exchange a write with a callback allocates nothing.
func TestCorkedWriteCallbacksRunInOrder(t *testing.T) {
	w := newWorld(t, 1)
	srv := addHost(t, w, "server", "10.0.0.1")
	cli := addHost(t, w, "client")
	var got []byte
	read := 0
	if _, err := srv.Listen(simnet.ListenOptions{Port: 80}, func(s *simnet.Socket) {
		s.Events.Data.On(func(p []byte) {
			if read += len(p); len(got) < 4 {
				got = append(got, p...)
			}
		})
	}); err != nil {
		t.Fatal(err)
	}
	s, err := cli.Connect(simnet.ConnectOptions{Host: "10.0.0.1", Port: 80})
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	note := func(name string) func(error) {
		return func(err error) {
			if err != nil {
				t.Errorf("write %s: %v", name, err)
			}
			order = append(order, name)
		}
	}
	s.Events.Connect.On(func(struct{}) {
		s.Cork()
		s.Write([]byte("a"), note("a"))
		s.Write([]byte("b"), nil)
		s.Write([]byte("c"), note("c"))
		s.Write([]byte("d"), note("d"))
		s.Uncork()
		order = append(order, "returned")
	})
	run(t, w)
	if g := strings.Join(order, " "); g != "returned a c d" {
		t.Errorf("callbacks ran as %q, want %q", g, "returned a c d")
	}
	if string(got) != "abcd" {
		t.Errorf("server read %q, want %q", got, "abcd")
	}
	p := []byte("x")
	done := 0
	cb := func(error) { done++ }
	write := func() {
		s.Write(p, cb)
		if err := w.Loop().Run(); err != nil {
			t.Fatal(err)
		}
	}
	write()
	if n := testing.AllocsPerRun(50, write); n != 0 {
		t.Errorf("a write with a callback allocates %v times", n)
	}
	if done != 52 || read != 4+52 {
		t.Errorf("%d write callbacks ran and %d bytes read, want 52 and 56", done, read)
	}
}

// TestWriteKeepsNoReferenceToItsBytes overwrites each buffer as soon as
// Write returns, uncorked, corked and larger than the send buffer: the peer
// still reads what was written, so a caller may reuse its buffer at once
// (the HTTP server renders every response head into one).
func TestWriteKeepsNoReferenceToItsBytes(t *testing.T) {
	w := newWorld(t, 1)
	srv := addHost(t, w, "server", "10.0.0.1")
	cli := addHost(t, w, "client")
	var got []byte
	if _, err := srv.Listen(simnet.ListenOptions{Port: 80}, func(s *simnet.Socket) {
		s.Events.Data.On(func(p []byte) { got = append(got, p...) })
	}); err != nil {
		t.Fatal(err)
	}
	s, err := cli.Connect(simnet.ConnectOptions{Host: "10.0.0.1", Port: 80})
	if err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("b", 1<<20)
	want := "direct" + "corked" + big
	write := func(text string) {
		p := []byte(text)
		s.Write(p, nil)
		for i := range p {
			p[i] = 'X'
		}
	}
	s.Events.Connect.On(func(struct{}) {
		write("direct")
		s.Cork()
		write("corked")
		s.Uncork()
		write(big)
		s.End(nil, nil)
	})
	run(t, w)
	if string(got) != want {
		t.Errorf("peer read %d bytes, %d of them X; want the %d written", len(got), strings.Count(string(got), "X"), len(want))
	}
}
