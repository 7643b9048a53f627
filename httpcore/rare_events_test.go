package httpcore

import (
	"fmt"
	"slices"
	"testing"

	"github.com/simhttp/simhttp/simnet"
)

// TestRareEventsAreMadeOnFirstUseOnly: emitting a rare event nobody asked
// for makes nothing; asking makes the events once, and a listener added
// then hears the emission.
func TestRareEventsAreMadeOnFirstUseOnly(t *testing.T) {
	var e IncomingEvents
	if e.emitTimeout() || e.rare.ifMade() != nil {
		t.Fatal("emitting 'timeout' with no listener made the rare events or reached someone")
	}
	heard := 0
	e.Timeout().On(func(struct{}) { heard++ })
	made := e.rare.ifMade()
	if made == nil || e.rare.get() != made || e.Aborted() != &made.aborted {
		t.Fatal("the rare events were not made once, on first use")
	}
	if !e.emitTimeout() || heard != 1 {
		t.Errorf("'timeout' reached %d listeners, want 1", heard)
	}
}

// TestRareEventsFromSparesCarryNothingOver: on a world with spares a
// client's requests and responses have their rare events made at once,
// from the spares; a world reusing those of a released world whose
// listeners heard every rare event runs as a fresh world does, and none of
// the released world's listeners hears it.
func TestRareEventsFromSparesCarryNothingOver(t *testing.T) {
	heard := 0
	exchange := func(sp *simnet.Spares, listen bool) []string {
		w := worldOnSpares(t, sp)
		h, err := w.AddHost("local")
		if err != nil {
			t.Fatal(err)
		}
		peer := listenWire(t, h, func(got string, sock *simnet.Socket) {
			if requestComplete(got) {
				sock.Write([]byte("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"), nil)
				sock.End(nil, nil)
			}
		})
		var log []string
		req, err := Get(h, "", RequestOptions{Host: "127.0.0.1", Port: peer.port, NoAgent: true}, func(res *IncomingMessage) {
			log = append(log, fmt.Sprint("response ", res.StatusCode))
			if made := res.Events.rare.ifMade() != nil; made != (sp != nil) {
				t.Errorf("with spares %v the response's rare events are made: %v", sp != nil, made)
			}
			if listen {
				res.Events.Aborted().On(func(struct{}) { heard++ })
				res.Events.Timeout().On(func(struct{}) { heard++ })
			}
			res.Events.Data.On(func([]byte) {})
			res.Events.End.On(func(struct{}) { log = append(log, "end") })
		})
		if err != nil {
			t.Fatal(err)
		}
		if made := req.Events.rare.ifMade() != nil; made != (sp != nil) {
			t.Errorf("with spares %v the request's rare events are made: %v", sp != nil, made)
		}
		if listen {
			req.Events.Socket().On(func(*simnet.Socket) { heard++ })
			req.Events.Continue().On(func(struct{}) { heard++ })
			req.Events.Information().On(func(Information) { heard++ })
			req.Events.Prefinish().On(func(struct{}) { heard++ })
		}
		req.Events.Close.On(func(struct{}) { log = append(log, "close") })
		if err := w.Loop().Run(); err != nil {
			t.Fatalf("loop: %v", err)
		}
		if sp != nil {
			if err := w.Release(); err != nil {
				t.Fatal(err)
			}
		}
		return log
	}
	want := exchange(nil, false)
	sp := simnet.NewSpares()
	exchange(sp, true)
	if heard == 0 {
		t.Fatal("the first world's listeners heard nothing: the test proves nothing")
	}
	heard = 0
	if got := exchange(sp, false); !slices.Equal(got, want) || heard != 0 {
		t.Errorf("after a released world the exchange is %q, %d of its listeners heard it; want %q and none", got, heard, want)
	}
}
