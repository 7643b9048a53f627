package realtcp

import (
	"errors"
	"syscall"
	"testing"
	"time"

	"github.com/simhttp/simhttp/simnet"
)

func TestListenOnPortZeroReportsTheOSPort(t *testing.T) {
	rt := newRuntime(t)
	var ss *simnet.Socket
	var ln simnet.Listener
	ln = listen(t, rt, simnet.ListenOptions{}, func(s *simnet.Socket) {
		ln.Close()
		ss = s
		s.End(nil, nil)
	})
	if ln.Addr().Port() == 0 || ln.Addr().Addr().String() != "127.0.0.1" {
		t.Fatalf("Addr() = %v, want 127.0.0.1 with the port the OS picked", ln.Addr())
	}
	c := connect(t, rt, ln.Addr())
	run(t, rt)

	if ss == nil {
		t.Fatal("no connection accepted")
	}
	if ss.Obj() != "ssocket" || ss.LocalAddr() != ln.Addr() || ss.RemoteAddr() != c.LocalAddr() || c.RemoteAddr() != ln.Addr() {
		t.Errorf("%s local %v remote %v, client local %v remote %v; want the listener's address on both ends",
			ss.Obj(), ss.LocalAddr(), ss.RemoteAddr(), c.LocalAddr(), c.RemoteAddr())
	}
}

func TestListenOnBusyPortIsEADDRINUSE(t *testing.T) {
	rt := newRuntime(t)
	ln := listen(t, rt, simnet.ListenOptions{}, nil)
	defer ln.Close()
	_, err := rt.Listen(simnet.ListenOptions{Host: "127.0.0.1", Port: int(ln.Addr().Port())}, nil)
	if want := "listen EADDRINUSE: address already in use " + ln.Addr().String(); err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
	if !errors.Is(err, simnet.ErrAddrInUse) || !errors.Is(err, syscall.EADDRINUSE) {
		t.Errorf("error %v is not both ErrAddrInUse and syscall.EADDRINUSE", err)
	}
}

func TestUnrefListenerLetsRunReturn(t *testing.T) {
	rt := newRuntime(t)
	ln := listen(t, rt, simnet.ListenOptions{}, nil)
	ln.Unref()
	run(t, rt)
	ln.Ref()
	ln.Close()
	ln.Close()
	run(t, rt)
}

func TestPauseOnConnectLeavesDataInTheKernelUntilResume(t *testing.T) {
	rt := newRuntime(t)
	var server eventLog
	var ln simnet.Listener
	var ss *simnet.Socket
	var got []byte
	sent := false
	// Once the server socket exists and the client has handed its bytes and
	// FIN to the kernel, give them time to arrive, then check that none was
	// read before resuming.
	resumeLater := func() {
		if ss == nil || !sent {
			return
		}
		rt.Loop().SetTimeout(20*time.Millisecond, func() {
			if n := ss.BytesRead(); n != 0 {
				t.Errorf("a socket paused on connect read %d bytes", n)
			}
			server.add("resume")
			ss.Resume()
		})
	}
	ln = listen(t, rt, simnet.ListenOptions{PauseOnConnect: true}, func(s *simnet.Socket) {
		ln.Close()
		ss = s
		record(s, &server)
		if !s.IsPaused() {
			t.Error("socket not paused on connect")
		}
		s.Events.Data.On(func(p []byte) { got = append(got, p...) })
		s.Events.End.On(func(struct{}) { server.add("bytes:" + string(got)) })
		resumeLater()
	})
	c := connect(t, rt, ln.Addr())
	c.End([]byte("early"), func() {
		sent = true
		resumeLater()
	})
	run(t, rt)

	checkLog(t, "server", server, "resume data end bytes:early finish close")
}
