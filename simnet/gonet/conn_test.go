package gonet_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/simhttp/simhttp/simnet"
	"github.com/simhttp/simhttp/simnet/gonet"
)

func newWorld(t *testing.T, opts ...simnet.Option) (w *simnet.World, client, server *simnet.Host) {
	t.Helper()
	w, err := simnet.NewWorld(1, opts...)
	if err != nil {
		t.Fatal(err)
	}
	client, _ = w.AddHost("client")
	server, _ = w.AddHost("server")
	return w, client, server
}

// connect returns both ends of a connection from client to server:80.
func connect(t *testing.T, client, server *simnet.Host) (c, s net.Conn) {
	t.Helper()
	ln, err := gonet.Listen(server, 80)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		s, err := ln.Accept()
		if err != nil {
			t.Error(err)
		}
		accepted <- s
	}()
	c, err = (&gonet.Dialer{Host: client}).Dial("tcp", "server:80")
	if err != nil {
		t.Fatal(err)
	}
	return c, <-accepted
}

func TestDeadlinesFireAtTheirVirtualInstant(t *testing.T) {
	w, client, server := newWorld(t, simnet.WithLink(simnet.Link{Latency: 10 * time.Millisecond}))
	gonet.Run(t, w, func(t *testing.T) {
		c, s := connect(t, client, server)
		defer s.Close()
		defer c.Close()
		start := time.Now()
		c.SetReadDeadline(start.Add(1500 * time.Millisecond))
		_, err := c.Read(make([]byte, 1))
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("read: %v, want a deadline error", err)
		}
		if got := time.Since(start); got != 1500*time.Millisecond {
			t.Errorf("read deadline fired after %v, want exactly 1.5s", got)
		}
		// Moving the deadline while a read waits applies to that read.
		go func() {
			time.Sleep(100 * time.Millisecond)
			c.SetReadDeadline(time.Now().Add(time.Second))
		}()
		start = time.Now()
		c.SetReadDeadline(time.Time{})
		_, err = c.Read(make([]byte, 1))
		if got := time.Since(start); !errors.Is(err, os.ErrDeadlineExceeded) || got != 1100*time.Millisecond {
			t.Errorf("read with a deadline set while waiting: %v after %v, want a deadline error after 1.1s", err, got)
		}
		// A cleared deadline lets the read wait for the data.
		c.SetReadDeadline(time.Time{})
		go func() {
			time.Sleep(time.Hour)
			s.Write([]byte("late"))
		}()
		start = time.Now()
		n, err := c.Read(make([]byte, 10))
		if err != nil || n != 4 || time.Since(start) != time.Hour+10*time.Millisecond {
			t.Errorf("read without deadline: %d, %v after %v; want 4 bytes after 1h10ms", n, err, time.Since(start))
		}
	})
}

func TestCloseWriteHalfCloses(t *testing.T) {
	w, client, server := newWorld(t)
	gonet.Run(t, w, func(t *testing.T) {
		c, s := connect(t, client, server)
		defer s.Close()
		defer c.Close()
		c.Write([]byte("question"))
		if err := c.(*gonet.TCPConn).CloseWrite(); err != nil {
			t.Fatal(err)
		}
		q, err := io.ReadAll(s)
		if err != nil || string(q) != "question" {
			t.Fatalf("server read %q, %v; want the question then EOF", q, err)
		}
		s.Write([]byte("answer"))
		s.(*gonet.TCPConn).CloseWrite()
		a, err := io.ReadAll(c)
		if err != nil || string(a) != "answer" {
			t.Fatalf("client read %q, %v after its own CloseWrite; want the answer then EOF", a, err)
		}
	})
}

func TestAddressesAreTCPAddrs(t *testing.T) {
	w, client, server := newWorld(t)
	gonet.Run(t, w, func(t *testing.T) {
		c, s := connect(t, client, server)
		defer s.Close()
		defer c.Close()
		cl, cr := c.LocalAddr().(*net.TCPAddr), c.RemoteAddr().(*net.TCPAddr)
		sl, sr := s.LocalAddr().(*net.TCPAddr), s.RemoteAddr().(*net.TCPAddr)
		if cr.String() != sl.String() || cl.String() != sr.String() {
			t.Errorf("client %v->%v, server %v->%v: the ends do not mirror", cl, cr, sl, sr)
		}
		if want := server.Addrs()[0].String() + ":80"; cr.String() != want {
			t.Errorf("client's remote address %v, want %v", cr, want)
		}
		if c.LocalAddr().Network() != "tcp" {
			t.Errorf("network %q, want tcp", c.LocalAddr().Network())
		}
	})
}

// A megabyte to a reader that takes its time arrives whole and in order,
// the writer held back by the reader's window rather than buffering it all.
func TestBackpressureKeepsEveryByte(t *testing.T) {
	w, client, server := newWorld(t, simnet.WithLink(simnet.Link{Latency: time.Millisecond}))
	gonet.Run(t, w, func(t *testing.T) {
		c, s := connect(t, client, server)
		defer s.Close()
		data := bytes.Repeat([]byte("0123456789abcdef"), 1<<16)
		go func() {
			c.Write(data)
			c.Close()
		}()
		time.Sleep(time.Second)
		got, err := io.ReadAll(s)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("read %d bytes (%v), want the %d written, in order", len(got), err, len(data))
		}
	})
}

func TestUnknownHostIsADNSError(t *testing.T) {
	w, client, _ := newWorld(t)
	gonet.Run(t, w, func(t *testing.T) {
		_, err := (&gonet.Dialer{Host: client}).DialContext(context.Background(), "tcp", "nosuch:80")
		var dns *net.DNSError
		if !errors.As(err, &dns) || !dns.IsNotFound || dns.Name != "nosuch" {
			t.Fatalf("dial of an unknown host: %v, want a *net.DNSError that IsNotFound", err)
		}
		if want := "dial tcp: lookup nosuch: no such host"; err.Error() != want {
			t.Errorf("message %q, want %q", err, want)
		}
	})
}

func TestAdapterOutsideRunSaysSo(t *testing.T) {
	_, client, server := newWorld(t)
	_, err := gonet.Listen(server, 80)
	var use *gonet.UseError
	if !errors.As(err, &use) || !strings.Contains(err.Error(), "no gonet.Run is driving this world") {
		t.Errorf("Listen without Run: %v, want a *UseError saying no Run drives the world", err)
	}
	_, err = (&gonet.Dialer{Host: client}).Dial("tcp", "server:80")
	if !errors.As(err, &use) {
		t.Errorf("Dial without Run: %v, want a *UseError", err)
	}
}

func TestAdapterOutsideTheBubbleSaysSo(t *testing.T) {
	w, _, server := newWorld(t)
	// Both channels are made outside the bubble, so either side may use them.
	ask, answer := make(chan *simnet.Host), make(chan error)
	go func() {
		h := <-ask
		_, err := gonet.Listen(h, 80)
		answer <- err
	}()
	gonet.Run(t, w, func(t *testing.T) {
		ask <- server
		err := <-answer
		var use *gonet.UseError
		if !errors.As(err, &use) || !strings.Contains(err.Error(), "outside the testing/synctest bubble") {
			t.Errorf("Listen from outside the bubble: %v, want a *UseError saying so", err)
		}
	})
}

// A body that never blocks would hang the test; Run's watchdog ends the
// process instead, naming the bubble. The spinning body runs in a child
// process, since a panic on a goroutine of its own cannot be recovered.
func TestSpinningBodyPanicsNamingTheBubble(t *testing.T) {
	if os.Getenv("GONET_SPIN_CHILD") == "1" {
		w, _, _ := newWorld(t)
		gonet.Run(t, w, func(t *testing.T) {
			for {
			}
		}, gonet.StuckAfter(200*time.Millisecond))
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestSpinningBodyPanicsNamingTheBubble$")
	cmd.Env = append(os.Environ(), "GONET_SPIN_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("the spinning child passed:\n%s", out)
	}
	want := "gonet: bubble of TestSpinningBodyPanicsNamingTheBubble: its goroutines have not all blocked for 200ms of wall time"
	if !bytes.Contains(out, []byte(want)) {
		t.Errorf("child output lacks %q:\n%.2000s", want, out)
	}
}

// An hour of idleness costs no wall time worth measuring: the clock jumps.
func TestIdleHourPassesAtOnce(t *testing.T) {
	w, client, server := newWorld(t)
	gonet.Run(t, w, func(t *testing.T) {
		c, s := connect(t, client, server)
		defer c.Close()
		defer s.Close()
		start := time.Now()
		time.Sleep(time.Hour)
		if got := time.Since(start); got != time.Hour {
			t.Errorf("slept %v, want exactly 1h", got)
		}
	})
	if now := w.Loop().Now(); now < time.Hour {
		t.Errorf("the world's clock is at %v after an hour's sleep", now)
	}
}

// The world outlives Run: a connection closed with bytes still queued for
// a slow link goes on sending them when the loop runs on outside the
// bubble, and the adapter's handlers leave it alone.
func TestWorldRunsOnAfterRun(t *testing.T) {
	w, client, server := newWorld(t, simnet.WithLink(simnet.Link{Latency: 10 * time.Millisecond, Bandwidth: 10_000}))
	gonet.Run(t, w, func(t *testing.T) {
		c, s := connect(t, client, server)
		defer s.Close()
		c.Write(make([]byte, 50_000))
		c.Close()
	})
	before := w.Loop().Now()
	packets := 0
	w.Loop().Events().Observe(func(ev simnet.Event) {
		if ev.Obj == "net" {
			packets++
		}
	})
	if err := w.Loop().Run(); err != nil {
		t.Fatal(err)
	}
	if w.Loop().Now() <= before || packets == 0 {
		t.Errorf("the loop ran from %v to %v with %d packets; want the queued bytes on their way after Run", before, w.Loop().Now(), packets)
	}
}

func TestCloseReadEndsReads(t *testing.T) {
	w, client, server := newWorld(t)
	gonet.Run(t, w, func(t *testing.T) {
		c, s := connect(t, client, server)
		defer s.Close()
		defer c.Close()
		s.Write([]byte("unread"))
		time.Sleep(time.Second)
		if err := c.(*gonet.TCPConn).CloseRead(); err != nil {
			t.Fatal(err)
		}
		if n, err := c.Read(make([]byte, 10)); n != 0 || err != io.EOF {
			t.Errorf("read after CloseRead: %d, %v; want 0, io.EOF", n, err)
		}
		if _, err := c.Write([]byte("still writable")); err != nil {
			t.Errorf("write after CloseRead: %v", err)
		}
	})
}

// A panic in a function handed to Do comes back as its error instead of
// killing the driver.
func TestDoReturnsAPanic(t *testing.T) {
	w, _, _ := newWorld(t)
	gonet.Run(t, w, func(t *testing.T) {
		err := gonet.Do(w, func() { panic("boom") })
		if err == nil || !strings.Contains(err.Error(), "boom") {
			t.Errorf("Do of a panicking func: %v, want an error carrying the panic", err)
		}
		if err := gonet.Do(w, func() {}); err != nil {
			t.Errorf("Do after a panic: %v", err)
		}
	})
}

// A Node-side callback that panics stops the world's loop, as an uncaught
// exception ends a Node process: Run fails the test, and a Go reader
// waiting on the network gets the error instead of hanging.
func TestLoopPanicFailsTheTestWithoutHanging(t *testing.T) {
	var readErr error
	passed := inTestNamed("DeliberatelyFailingRun", func(t *testing.T) {
		w, client, server := newWorld(t)
		w.Loop().SetTimeout(time.Second, func() { panic("a bug on the Node side") })
		gonet.Run(t, w, func(t *testing.T) {
			c, s := connect(t, client, server)
			defer s.Close()
			defer c.Close()
			_, readErr = c.Read(make([]byte, 1))
		})
	})
	if passed {
		t.Error("the run whose loop panicked passed")
	}
	if readErr == nil || !strings.Contains(readErr.Error(), "a bug on the Node side") {
		t.Errorf("the waiting read returned %v, want the loop's uncaught error", readErr)
	}
}
