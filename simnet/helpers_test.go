package simnet_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/simhttp/simhttp/simnet"
)

func newWorld(t testing.TB, seed uint64, opts ...simnet.Option) *simnet.World {
	t.Helper()
	w, err := simnet.NewWorld(seed, opts...)
	if err != nil {
		t.Fatalf("NewWorld: %v", err)
	}
	return w
}

func addHost(t testing.TB, w *simnet.World, name string, addrs ...string) *simnet.Host {
	t.Helper()
	h, err := w.AddHost(name, addrs...)
	if err != nil {
		t.Fatalf("AddHost: %v", err)
	}
	return h
}

// journal writes every event in a short stable form: "1ms socket#1 connect",
// "2ms net#1 seg client>server seq=1 len=5", "error(ECONNRESET)".
type journal struct{ lines []string }

func (j *journal) observe(ev simnet.Event) {
	var b strings.Builder
	fmt.Fprintf(&b, "%v %s#%d %s", ev.T, ev.Obj, ev.ID, ev.Name)
	if ev.Code != "" {
		fmt.Fprintf(&b, "(%s)", ev.Code)
	}
	switch d := ev.Detail; {
	case ev.Obj == "net" && ev.Name == "fault":
		fmt.Fprintf(&b, " %v>%v %v", d["from"], d["to"], d["fault"])
	case ev.Obj == "net":
		fmt.Fprintf(&b, " %v>%v seq=%v len=%v", d["from"], d["to"], d["seq"], d["len"])
		if r, ok := d["reason"]; ok {
			fmt.Fprintf(&b, " %v", r)
		}
		if ev.Packet != nil && ev.Packet.Flags&simnet.FlagACK != 0 {
			fmt.Fprintf(&b, " win=%d", ev.Packet.Window)
		}
	}
	j.lines = append(j.lines, b.String())
}

// only returns the lines whose event is one of names ("seg", "socket#1 error").
func (j *journal) only(names ...string) []string {
	var out []string
	for _, l := range j.lines {
		for _, n := range names {
			if strings.Contains(l, " "+n) || strings.Contains(l, n+" ") {
				out = append(out, l)
				break
			}
		}
	}
	return out
}

func watchJournal(w *simnet.World) *journal {
	j := &journal{}
	w.Loop().Events().Observe(j.observe)
	return j
}

func sameLines(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\ngot:\n  %s\nwant:\n  %s", what, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// echoServer listens on srv:port and writes back every chunk it reads; its
// sockets' errors are expected, so they are handled.
func echoServer(t testing.TB, srv *simnet.Host, port int) simnet.Listener {
	t.Helper()
	ln, err := srv.Listen(simnet.ListenOptions{Port: port}, func(s *simnet.Socket) {
		s.Events.Data.On(func(p []byte) { s.Write(p, nil) })
		s.Events.Error.On(func(error) {})
	})
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	return ln
}

func run(t testing.TB, w *simnet.World) {
	t.Helper()
	if err := w.Loop().Run(); err != nil {
		t.Fatalf("Run: %v", err)
	}
}
