package simnet

import (
	"testing"
	"time"
)

// TestDestroyedSocketClosesItsEnd backs end.socket, which reads the end's
// closed flag instead of its socket's destroyed: destroying either socket
// of an exchanging pair after any number of loop steps, or closing the
// listener with a connection waiting, must never leave an open end, or one
// holding data, with a destroyed socket and closed unset.
func TestDestroyedSocketClosesItsEnd(t *testing.T) {
	for _, who := range []string{"client", "server", "listener"} {
		for at := 0; at < 40; at++ {
			w, srv, cli := serverAndClient(t)
			var accepted *Socket
			ln, err := srv.Listen(ListenOptions{Port: 80}, func(s *Socket) {
				accepted = s
				s.Events.Data.On(func(d []byte) { s.Write(d, nil) })
			})
			if err != nil {
				t.Fatal(err)
			}
			s, err := cli.Connect(ConnectOptions{Host: "10.0.0.1", Port: 80})
			if err != nil {
				t.Fatal(err)
			}
			s.Events.Error.On(func(error) {})
			s.Write([]byte("hello"), nil)
			s.Events.Data.On(func([]byte) { s.Write([]byte("again"), nil) })
			loop := w.Loop()
			for step := 0; step < 200; step++ {
				if step == at {
					switch who {
					case "client":
						s.Destroy(nil)
					case "server":
						if accepted != nil {
							accepted.Destroy(nil)
						}
					default:
						ln.Close()
					}
				}
				for c := w.head; c != nil; c = c.next {
					for i := range c.end {
						e := &c.end[i]
						if e.feed.s != nil && e.feed.s.destroyed && !e.closed && (e.state == stateOpen || e.rcvLen > 0 || e.read0 != nil) {
							t.Fatalf("%s destroyed after %d steps: at step %d, end %d is %v with %d bytes and its socket destroyed, but not closed",
								who, at, step, i, e.state, e.rcvLen)
						}
					}
				}
				ran, err := loop.StepUntil(loop.Now() + time.Second)
				if err != nil {
					t.Fatal(err)
				}
				if !ran && step > at {
					break
				}
			}
		}
	}
}
