package realtcp

import (
	"bytes"
	"testing"
	"time"

	"github.com/simhttp/simhttp/simnet"
)

func TestEchoThenClientEnds(t *testing.T) {
	rt := newRuntime(t)
	var server, client eventLog
	var ln simnet.Listener
	ln = listen(t, rt, simnet.ListenOptions{}, func(s *simnet.Socket) {
		ln.Close()
		record(s, &server)
		s.Events.Data.On(func(p []byte) { s.Write(p, nil) })
	})
	c := connect(t, rt, ln.Addr())
	record(c, &client)
	var got []byte
	c.Events.Data.On(func(p []byte) {
		got = append(got, p...)
		if len(got) == len("hello") {
			c.End(nil, nil)
		}
	})
	c.Write([]byte("hello"), nil)
	run(t, rt)

	if string(got) != "hello" {
		t.Errorf("echo = %q, want %q", got, "hello")
	}
	checkLog(t, "client", client, "connect ready data finish end close")
	checkLog(t, "server", server, "data end finish close")
}

func TestHalfOpenServerAnswersAfterClientFIN(t *testing.T) {
	rt := newRuntime(t)
	var server, client eventLog
	var ln simnet.Listener
	var request []byte
	ln = listen(t, rt, simnet.ListenOptions{AllowHalfOpen: true}, func(s *simnet.Socket) {
		ln.Close()
		record(s, &server)
		s.Events.Data.On(func(p []byte) { request = append(request, p...) })
		s.Events.End.On(func(struct{}) {
			if s.ReadyState() != "writeOnly" {
				t.Errorf("server readyState after 'end' = %q, want writeOnly", s.ReadyState())
			}
			s.End([]byte("pong"), nil)
		})
	})
	c := connect(t, rt, ln.Addr())
	record(c, &client)
	var response []byte
	c.Events.Data.On(func(p []byte) { response = append(response, p...) })
	c.Write([]byte("ping"), nil)
	c.End(nil, nil)
	run(t, rt)

	if string(request) != "ping" || string(response) != "pong" {
		t.Errorf("request %q, response %q; want ping, pong", request, response)
	}
	checkLog(t, "client", client, "connect ready finish data end close")
	checkLog(t, "server", server, "data end finish close")
}

func TestDestroyGivesPeerEndAndClose(t *testing.T) {
	rt := newRuntime(t)
	var server, client eventLog
	var ln simnet.Listener
	ln = listen(t, rt, simnet.ListenOptions{}, func(s *simnet.Socket) {
		ln.Close()
		record(s, &server)
		s.Destroy(nil)
	})
	c := connect(t, rt, ln.Addr())
	record(c, &client)
	run(t, rt)

	checkLog(t, "client", client, "connect ready end finish close")
	checkLog(t, "server", server, "close")
}

func TestResetAndDestroyGivesPeerECONNRESET(t *testing.T) {
	rt := newRuntime(t)
	var server, client eventLog
	var ln simnet.Listener
	ln = listen(t, rt, simnet.ListenOptions{}, func(s *simnet.Socket) {
		ln.Close()
		record(s, &server)
		// Resetting only once the client's bytes arrived makes sure its
		// connect has completed: a RST racing the handshake fails connect.
		s.Events.Data.On(func([]byte) { s.ResetAndDestroy() })
	})
	c := connect(t, rt, ln.Addr())
	record(c, &client)
	c.Write([]byte("x"), nil)
	var failure error
	c.Events.Error.On(func(err error) { failure = err })
	run(t, rt)

	checkLog(t, "client", client, "connect ready error(ECONNRESET) close")
	checkLog(t, "server", server, "data close")
	if failure == nil || failure.Error() != "read ECONNRESET" || asNodeError(t, failure).Syscall != "read" {
		t.Errorf("error = %v, want read ECONNRESET from syscall read", failure)
	}
}

func TestIdleTimeoutThenDestroy(t *testing.T) {
	rt := newRuntime(t)
	var server, client eventLog
	var ln simnet.Listener
	ln = listen(t, rt, simnet.ListenOptions{}, func(s *simnet.Socket) {
		ln.Close()
		record(s, &server)
	})
	to := ln.Addr()
	c, err := rt.Connect(simnet.ConnectOptions{Host: to.Addr().String(), Port: int(to.Port()), Timeout: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	record(c, &client)
	c.Events.Timeout.On(func(struct{}) { c.Destroy(nil) })
	run(t, rt)

	checkLog(t, "client", client, "connect ready timeout close")
	checkLog(t, "server", server, "end finish close")
}

// TestPausedPeerBacksUpWritesUntilResumed writes far more than the kernel
// buffers of both ends can hold (a few MiB at most on loopback) to a
// server that has paused, so 'drain' cannot come until it resumes.
func TestPausedPeerBacksUpWritesUntilResumed(t *testing.T) {
	const total = 16 << 20
	rt := newRuntime(t)
	var server, client eventLog
	var ln simnet.Listener
	var ss *simnet.Socket
	received, readAtResume := 0, int64(-1)
	wrote := false
	resumeWhenBothReady := func() {
		if ss == nil || !wrote {
			return
		}
		rt.Loop().SetTimeout(20*time.Millisecond, func() {
			readAtResume = ss.BytesRead()
			client.add("resume")
			ss.Resume()
		})
	}
	ln = listen(t, rt, simnet.ListenOptions{}, func(s *simnet.Socket) {
		ln.Close()
		ss = s
		record(s, &server)
		s.Pause()
		s.Events.Data.On(func(p []byte) { received += len(p) })
		resumeWhenBothReady()
	})
	c := connect(t, rt, ln.Addr())
	record(c, &client)
	c.Events.Connect.On(func(struct{}) {
		if c.Write(bytes.Repeat([]byte{'x'}, total), nil) {
			t.Errorf("write of %d bytes returned true", total)
		}
		client.add("write:false")
		wrote = true
		resumeWhenBothReady()
	})
	c.Events.Drain.On(func(struct{}) { c.End(nil, nil) })
	run(t, rt)

	checkLog(t, "client", client, "connect write:false ready resume drain finish end close")
	checkLog(t, "server", server, "data end finish close")
	if received != total {
		t.Errorf("server received %d bytes, want %d", received, total)
	}
	if readAtResume < 0 || readAtResume >= total {
		t.Errorf("server had read %d of %d bytes while paused, want fewer", readAtResume, total)
	}
}
