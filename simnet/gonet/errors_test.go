package gonet_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"regexp"
	"syscall"
	"testing"
	"time"

	"github.com/simhttp/simhttp/internal/refusing"
	"github.com/simhttp/simhttp/simnet"
	"github.com/simhttp/simhttp/simnet/gonet"
)

// stack is one TCP implementation an error case runs on: the kernel's over
// loopback, or simnet's through the adapter.
type stack struct {
	listen func(t *testing.T) net.Listener
	dial   func(ctx context.Context, addr string) (net.Conn, error)
	// addrOf is the address a client dials to reach ln.
	addrOf func(ln net.Listener) string
	// refusedAddr is an address nothing listens on.
	refusedAddr func(t *testing.T) string
}

func realStack() stack {
	return stack{
		listen: func(t *testing.T) net.Listener {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			return ln
		},
		dial: func(ctx context.Context, addr string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "tcp", addr)
		},
		addrOf:      func(ln net.Listener) string { return ln.Addr().String() },
		refusedAddr: func(t *testing.T) string { return refusing.Addr(t).String() },
	}
}

// onSim runs f inside Run with a stack on two hosts of a fresh world.
func onSim(t *testing.T, f func(t *testing.T, s stack)) {
	w, err := simnet.NewWorld(7)
	if err != nil {
		t.Fatal(err)
	}
	client, _ := w.AddHost("client")
	server, _ := w.AddHost("server")
	gonet.Run(t, w, func(t *testing.T) {
		d := &gonet.Dialer{Host: client}
		f(t, stack{
			listen: func(t *testing.T) net.Listener {
				ln, err := gonet.Listen(server, 0)
				if err != nil {
					t.Fatal(err)
				}
				return ln
			},
			dial: func(ctx context.Context, addr string) (net.Conn, error) { return d.DialContext(ctx, "tcp", addr) },
			addrOf: func(ln net.Listener) string {
				return fmt.Sprintf("server:%d", ln.Addr().(*net.TCPAddr).Port)
			},
			refusedAddr: func(*testing.T) string { return "server:81" },
		})
	})
}

// pairOn returns both ends of one connection on s.
func pairOn(t *testing.T, s stack) (client, server net.Conn, ln net.Listener) {
	t.Helper()
	ln = s.listen(t)
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			t.Error(err)
		}
		accepted <- c
	}()
	client, err := s.dial(context.Background(), s.addrOf(ln))
	if err != nil {
		t.Fatal(err)
	}
	return client, <-accepted, ln
}

// kinds is what Go code checks an error for.
var kinds = []struct {
	name   string
	target error
}{
	{"io.EOF", io.EOF},
	{"net.ErrClosed", net.ErrClosed},
	{"os.ErrDeadlineExceeded", os.ErrDeadlineExceeded},
	{"ECONNRESET", syscall.ECONNRESET},
	{"ECONNREFUSED", syscall.ECONNREFUSED},
	{"EPIPE", syscall.EPIPE},
	{"context.DeadlineExceeded", context.DeadlineExceeded},
}

// describe is what Go code can tell about err: which kinds errors.Is
// matches, the *net.OpError's Op, and Timeout.
func describe(err error) string {
	if err == nil {
		return "nil"
	}
	var is []string
	for _, k := range kinds {
		if errors.Is(err, k.target) {
			is = append(is, k.name)
		}
	}
	op := "-"
	var oe *net.OpError
	if errors.As(err, &oe) {
		op = oe.Op
	}
	var ne net.Error
	timeout := errors.As(err, &ne) && ne.Timeout()
	return fmt.Sprintf("is=%v op=%s timeout=%v", is, op, timeout)
}

var addrs = regexp.MustCompile(`[0-9]+(\.[0-9]+){3}:[0-9]+`)

// wording is err's message with its addresses left out, so the kernel's
// and the simulation's can be compared.
func wording(err error) string {
	if err == nil {
		return ""
	}
	return addrs.ReplaceAllString(err.Error(), "ADDR")
}

// errorCases are operations whose errors Go code inspects, each with the
// answer the Linux stack gives.
var errorCases = []struct {
	name string
	want string
	run  func(t *testing.T, s stack) error
}{
	{"DialRefused", "is=[ECONNREFUSED] op=dial timeout=false", func(t *testing.T, s stack) error {
		_, err := s.dial(context.Background(), s.refusedAddr(t))
		return err
	}},
	{"ReadAfterPeerClose", "is=[io.EOF] op=- timeout=false", func(t *testing.T, s stack) error {
		c, srv, ln := pairOn(t, s)
		defer ln.Close()
		defer c.Close()
		srv.Close()
		_, err := c.Read(make([]byte, 10))
		return err
	}},
	{"ReadAfterPeerReset", "is=[ECONNRESET] op=read timeout=false", func(t *testing.T, s stack) error {
		c, srv, ln := pairOn(t, s)
		defer ln.Close()
		defer c.Close()
		srv.(interface{ SetLinger(int) error }).SetLinger(0)
		srv.Close()
		_, err := c.Read(make([]byte, 10))
		return err
	}},
	{"ReadDataThenPeerReset", "is=[ECONNRESET] op=read timeout=false", func(t *testing.T, s stack) error {
		c, srv, ln := pairOn(t, s)
		defer ln.Close()
		defer c.Close()
		srv.Write([]byte("hello"))
		srv.(interface{ SetLinger(int) error }).SetLinger(0)
		srv.Close()
		buf := make([]byte, 10)
		if n, err := c.Read(buf); string(buf[:n]) != "hello" || err != nil {
			t.Fatalf("first read: %q, %v; want the data sent before the reset", buf[:n], err)
		}
		_, err := c.Read(buf)
		return err
	}},
	{"WriteAfterResetWasRead", "is=[EPIPE] op=write timeout=false", func(t *testing.T, s stack) error {
		c, srv, ln := pairOn(t, s)
		defer ln.Close()
		defer c.Close()
		srv.(interface{ SetLinger(int) error }).SetLinger(0)
		srv.Close()
		if _, err := c.Read(make([]byte, 10)); !errors.Is(err, syscall.ECONNRESET) {
			t.Fatalf("read after reset: %v", err)
		}
		_, err := c.Write([]byte("x"))
		return err
	}},
	{"ReadPastDeadline", "is=[os.ErrDeadlineExceeded] op=read timeout=true", func(t *testing.T, s stack) error {
		c, srv, ln := pairOn(t, s)
		defer ln.Close()
		defer srv.Close()
		defer c.Close()
		c.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
		_, err := c.Read(make([]byte, 10))
		return err
	}},
	{"WritePastDeadline", "is=[os.ErrDeadlineExceeded] op=write timeout=true", func(t *testing.T, s stack) error {
		c, srv, ln := pairOn(t, s)
		defer ln.Close()
		defer srv.Close()
		defer c.Close()
		c.SetWriteDeadline(time.Now().Add(-time.Second))
		_, err := c.Write([]byte("x"))
		return err
	}},
	{"ReadAfterClose", "is=[net.ErrClosed] op=read timeout=false", func(t *testing.T, s stack) error {
		c, srv, ln := pairOn(t, s)
		defer ln.Close()
		defer srv.Close()
		c.Close()
		_, err := c.Read(make([]byte, 10))
		return err
	}},
	{"WriteAfterClose", "is=[net.ErrClosed] op=write timeout=false", func(t *testing.T, s stack) error {
		c, srv, ln := pairOn(t, s)
		defer ln.Close()
		defer srv.Close()
		c.Close()
		_, err := c.Write([]byte("x"))
		return err
	}},
	{"CloseTwice", "is=[net.ErrClosed] op=close timeout=false", func(t *testing.T, s stack) error {
		c, srv, ln := pairOn(t, s)
		defer ln.Close()
		defer srv.Close()
		c.Close()
		return c.Close()
	}},
	{"AcceptAfterClose", "is=[net.ErrClosed] op=accept timeout=false", func(t *testing.T, s stack) error {
		ln := s.listen(t)
		ln.Close()
		_, err := ln.Accept()
		return err
	}},
	{"WriteAfterCloseWrite", "is=[EPIPE] op=write timeout=false", func(t *testing.T, s stack) error {
		c, srv, ln := pairOn(t, s)
		defer ln.Close()
		defer srv.Close()
		defer c.Close()
		c.(interface{ CloseWrite() error }).CloseWrite()
		_, err := c.Write([]byte("x"))
		return err
	}},
}

// TestErrorsMatchLoopback runs every case on the kernel's TCP over
// loopback and on simnet through the adapter: errors.Is, the OpError's Op
// and Timeout must answer the same, and as Linux does, and the messages
// must read the same but for the addresses.
func TestErrorsMatchLoopback(t *testing.T) {
	for _, c := range errorCases {
		t.Run(c.name, func(t *testing.T) {
			realErr := c.run(t, realStack())
			var simErr error
			onSim(t, func(t *testing.T, s stack) { simErr = c.run(t, s) })
			real, sim := describe(realErr), describe(simErr)
			if real != c.want {
				t.Errorf("loopback: %s, want %s", real, c.want)
			}
			if sim != real {
				t.Errorf("simnet:   %s\nloopback: %s", sim, real)
			}
			if wording(simErr) != wording(realErr) {
				t.Errorf("messages differ:\nsimnet:   %v\nloopback: %v", simErr, realErr)
			}
		})
	}
}
