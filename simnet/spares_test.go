package simnet_test

import (
	"errors"
	"testing"

	"github.com/simhttp/simhttp/simnet"
)

func release(t *testing.T, w *simnet.World) {
	t.Helper()
	if err := w.Release(); err != nil {
		t.Fatalf("Release: %v", err)
	}
}

// sameOnSpares runs each case in a world on one set of spares, each
// world released for the next, and in a fresh world, and wants the two
// to agree: a reused object must carry nothing over.
func sameOnSpares[C any](t *testing.T, cases []C, run func(*testing.T, *simnet.Spares, C) string) {
	t.Helper()
	sp := simnet.NewSpares()
	for i, c := range cases {
		if got, want := run(t, sp, c), run(t, nil, c); got != want {
			t.Errorf("case %d (%v) on spares gave\n%s\nwant\n%s", i, c, got, want)
		}
	}
}

// onSpares is the option that makes a world take its objects from sp, or
// none when sp is nil: the reuse tests run each world on spares and fresh.
func onSpares(sp *simnet.Spares) []simnet.Option {
	if sp == nil {
		return nil
	}
	return []simnet.Option{simnet.WithSpares(sp)}
}

// releaseOnSpares releases w when it was made on sp, so that the next
// world on sp takes its objects.
func releaseOnSpares(t *testing.T, w *simnet.World, sp *simnet.Spares) {
	t.Helper()
	if sp != nil {
		release(t, w)
	}
}

// echoOnce runs a world whose client sends one message to an echo server
// and ends on the echo, and returns the compact trace and the client's
// socket; with sp it takes its objects from sp and releases them after.
func echoOnce(t *testing.T, sp *simnet.Spares) (string, *simnet.Socket) {
	t.Helper()
	opts := onSpares(sp)
	w, cli, srv := twoHosts(t, opts...)
	trace, s := echoExchange(t, w, cli, srv)
	release(t, w)
	return trace, s
}

// echoExchange runs w, where cli sends one message to an echo server on
// srv and ends on the echo, and returns the compact trace and the
// client's socket.
func echoExchange(t *testing.T, w *simnet.World, cli, srv *simnet.Host) (string, *simnet.Socket) {
	t.Helper()
	var events []simnet.Event
	w.Loop().Events().Observe(func(ev simnet.Event) { events = append(events, ev) })
	echoServer(t, srv, 80)
	s, _ := cli.Connect(simnet.ConnectOptions{Host: "server", Port: 80})
	s.Events.Connect.On(func(struct{}) { s.Write([]byte("hello"), nil) })
	s.Events.Data.On(func([]byte) { s.End(nil, nil) })
	run(t, w)
	return simnet.Compact(events, true), s
}

// TestReleasedWorldsObjectsServeTheNext: a world made with the spares a
// released world left takes its socket from them, and runs exactly as a
// world made without spares.
func TestReleasedWorldsObjectsServeTheNext(t *testing.T) {
	want, _ := echoOnce(t, nil)
	sp := simnet.NewSpares()
	first, s1 := echoOnce(t, sp)
	second, s2 := echoOnce(t, sp)
	if first != want || second != want {
		t.Errorf("with spares the traces are\n%s\nand\n%s\nwant\n%s", first, second, want)
	}
	if s1 != s2 {
		t.Errorf("the second world's client socket is not the first world's, released: nothing was reused")
	}
}

// TestSparesServeOneWorldAtATime: a world made with spares another live
// world holds allocates its own objects, and the spares serve again once
// that world is released.
func TestSparesServeOneWorldAtATime(t *testing.T) {
	sp := simnet.NewSpares()
	holder := newWorld(t, 1, simnet.WithSpares(sp))
	want, _ := echoOnce(t, nil)
	got, s := echoOnce(t, sp) // made while holder holds sp
	if got != want {
		t.Errorf("beside a world holding the spares the trace is\n%s\nwant\n%s", got, want)
	}
	release(t, holder)
	_, s1 := echoOnce(t, sp)
	_, s2 := echoOnce(t, sp)
	if s1 == s {
		t.Errorf("a world made while the spares were held gave its socket to them")
	}
	if s1 != s2 {
		t.Errorf("once released, the spares serve no world")
	}
}

// TestAllocTakesFromTheReleasedWorld: what another package allocates on a
// world's loop, objects and slices alike, goes back to the spares when the
// world is released and comes out zeroed for the next world.
func TestAllocTakesFromTheReleasedWorld(t *testing.T) {
	type thing struct{ n int }
	sp := simnet.NewSpares()
	first := newWorld(t, 1, simnet.WithSpares(sp))
	a := simnet.Alloc[thing](first.Loop())
	b := simnet.AllocSlice[thing](first.Loop(), 3)
	a.n, b[2].n = 1, 2
	release(t, first)
	next := newWorld(t, 1, simnet.WithSpares(sp))
	if got := simnet.Alloc[thing](next.Loop()); got != a || *got != (thing{}) {
		t.Errorf("the next world's object is %p holding %+v, want the released %p, zeroed", got, *got, a)
	}
	if got := simnet.AllocSlice[thing](next.Loop(), 3); &got[0] != &b[0] || got[2] != (thing{}) {
		t.Errorf("the next world's slice is %v at %p, want the released one at %p, zeroed", got, &got[0], &b[0])
	}
	plain := newWorld(t, 1)
	if got := simnet.AllocSlice[thing](plain.Loop(), 2); len(got) != 2 || simnet.Alloc[thing](plain.Loop()) == nil {
		t.Errorf("a world without spares allocates %d things for 2", len(got))
	}
}

// TestReleasedWorldsLoopServesTheNext: the next world runs on the released
// world's loop and in its maps, emptied: its clock starts at zero and none
// of the released world's hosts is there.
func TestReleasedWorldsLoopServesTheNext(t *testing.T) {
	sp := simnet.NewSpares()
	trace, _ := echoOnce(t, sp)
	first, _, _ := twoHosts(t, simnet.WithSpares(sp))
	loop := first.Loop()
	first.Loop().SetTimeout(5*ms, func() {})
	run(t, first)
	release(t, first)
	next := newWorld(t, 1, simnet.WithSpares(sp))
	if next.Loop() != loop {
		t.Errorf("the next world has a new loop, not the released one's")
	}
	if now := next.Loop().Now(); now != 0 || next.Host("client") != nil {
		t.Errorf("the next world starts at %v with the released world's host %v, want 0 and none", now, next.Host("client"))
	}
	release(t, next)
	if again, _ := echoOnce(t, sp); again != trace {
		t.Errorf("on a reused loop the trace is\n%s\nwant\n%s", again, trace)
	}
}

// TestReleasedWorldFailsLoudly: a released world is not the next world,
// even on its loop and objects, and releasing or changing it again gives
// ErrWorldReleased instead of reaching into the next world, which runs as
// if nothing had been tried.
func TestReleasedWorldFailsLoudly(t *testing.T) {
	want, _ := echoOnce(t, nil)
	sp := simnet.NewSpares()
	old, _, _ := twoHosts(t, simnet.WithSpares(sp))
	release(t, old)
	next, cli, srv := twoHosts(t, simnet.WithSpares(sp))
	if next == old {
		t.Fatalf("the next world is the released *World")
	}
	if old.Loop() != nil || old.Host("client") != nil {
		t.Errorf("the released world still has a loop (%p) or host (%v)", old.Loop(), old.Host("client"))
	}
	_, errHost := old.AddHost("third")
	_, errRule := old.AddRule(simnet.Rule{What: simnet.FaultReset, Server: "server"})
	for what, err := range map[string]error{
		"Release":   old.Release(),
		"AddHost":   errHost,
		"AddRule":   errRule,
		"SetLink":   old.SetLink("client", "server", simnet.Link{}),
		"Partition": old.Partition("client", "server"),
		"Heal":      old.Heal("client", "server"),
	} {
		if !errors.Is(err, simnet.ErrWorldReleased) {
			t.Errorf("%s on the released world: %v, want ErrWorldReleased", what, err)
		}
	}
	if got, _ := echoExchange(t, next, cli, srv); got != want {
		t.Errorf("after the released world was used the next world's trace is\n%s\nwant\n%s", got, want)
	}
	release(t, next)
	if err := next.Release(); !errors.Is(err, simnet.ErrWorldReleased) {
		t.Errorf("a second Release: %v, want ErrWorldReleased", err)
	}
}

// TestReleaseLeavesAWorldWithoutSparesAsItIs: Release is nothing to a
// world that took nothing from spares, so it may go on being used.
func TestReleaseLeavesAWorldWithoutSparesAsItIs(t *testing.T) {
	sp := simnet.NewSpares()
	holder := newWorld(t, 1, simnet.WithSpares(sp))
	for _, w := range []*simnet.World{newWorld(t, 1), newWorld(t, 1, simnet.WithSpares(sp))} {
		release(t, w)
		release(t, w)
		if w.Loop() == nil {
			t.Fatalf("Release took the loop of a world without spares")
		}
		addHost(t, w, "client")
	}
	release(t, holder)
}

// TestReusedLoopsEventsStartOver: the next world on a released world's
// loop numbers its objects from 1 again, its events reach none of the
// released world's observers, and its globals are made again.
func TestReusedLoopsEventsStartOver(t *testing.T) {
	sp := simnet.NewSpares()
	first := newWorld(t, 1, simnet.WithSpares(sp))
	var stale int
	first.Loop().Events().Observe(func(simnet.Event) { stale++ })
	first.Loop().Events().NewID("req")
	first.Loop().Events().NewID("req")
	first.Loop().Global("g", func() any { return 1 })
	loop := first.Loop()
	release(t, first)
	stale = 0
	next := newWorld(t, 1, simnet.WithSpares(sp))
	if next.Loop() != loop {
		t.Fatalf("the next world has a new loop: nothing was reused")
	}
	ev := next.Loop().Events()
	if ev.Active() || len(ev.Tail()) != 0 {
		t.Errorf("the next world starts observed (%v) with %d events in its tail", ev.Active(), len(ev.Tail()))
	}
	ev.Emit(simnet.Event{Obj: "test", ID: 1, Name: "x"})
	if stale != 0 {
		t.Errorf("the released world's observer saw %d of the next world's events", stale)
	}
	if req, sock := ev.NewID("req"), ev.NewID("socket"); req != 1 || sock != 1 {
		t.Errorf("the next world numbers req %d and socket %d, want 1 and 1", req, sock)
	}
	if g := next.Loop().Global("g", func() any { return 2 }); g != 2 {
		t.Errorf("the next world's global is %v, the released world's; want 2, made again", g)
	}
}
