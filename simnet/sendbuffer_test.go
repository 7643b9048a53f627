package simnet_test

import (
	"bytes"
	"testing"

	"github.com/simhttp/simhttp/simnet"
)

// TestReceivedChunksSurviveLaterWrites keeps every chunk a reader receives
// while the writer reuses its own buffer for each message: segments share
// the kernel's send buffer, so neither the writer's buffer nor later sends
// may change bytes already delivered.
func TestReceivedChunksSurviveLaterWrites(t *testing.T) {
	w := newWorld(t, 3)
	cli, srv := addHost(t, w, "client"), addHost(t, w, "server")
	var kept [][]byte
	if _, err := srv.Listen(simnet.ListenOptions{Port: 80}, func(s *simnet.Socket) {
		s.Events.Data.On(func(p []byte) { kept = append(kept, p) })
	}); err != nil {
		t.Fatal(err)
	}
	c, err := cli.Connect(simnet.ConnectOptions{Host: "server", Port: 80})
	if err != nil {
		t.Fatal(err)
	}
	const msgs = 40
	buf := make([]byte, 100)
	var want []byte
	sent := 0
	send := func() {
		for i := range buf {
			buf[i] = byte('a' + sent%26)
		}
		want = append(want, buf...)
		sent++
		c.Write(buf, nil)
	}
	// One message per turn of the loop, each written from the same buffer.
	var tick func()
	tick = func() {
		if sent == msgs {
			c.End(nil, nil)
			return
		}
		send()
		w.Loop().SetImmediate(tick)
	}
	c.Events.Connect.On(func(struct{}) { w.Loop().SetImmediate(tick) })
	run(t, w)
	if got := bytes.Join(kept, nil); !bytes.Equal(got, want) {
		t.Fatalf("the reader kept %d bytes that differ from the %d written:\n got %q\nwant %q", len(got), len(want), got, want)
	}
}
