package gonet_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/simhttp/simhttp/simnet"
	"github.com/simhttp/simhttp/simnet/gonet"
)

// An unmodified http.Server and http.Client on two simulated hosts 50 ms
// apart. The handshake and each exchange cost their round trips of virtual
// time, to the nanosecond; the wall time is a few hundred microseconds.
func Example() {
	inTest(func(t *testing.T) {
		w, _ := simnet.NewWorld(1, simnet.WithLink(simnet.Link{Latency: 50 * time.Millisecond}))
		web, _ := w.AddHost("web")
		api, _ := w.AddHost("api")
		gonet.Run(t, w, func(t *testing.T) {
			ln, err := gonet.Listen(api, 80)
			if err != nil {
				t.Fatal(err)
			}
			srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprintf(w, "hello from %s", r.Host)
			})}
			go srv.Serve(ln)
			defer srv.Close()

			dialer := &gonet.Dialer{Host: web}
			client := &http.Client{Transport: &http.Transport{DialContext: dialer.DialContext}}
			defer client.CloseIdleConnections()
			start := time.Now()
			for range 2 {
				resp, err := client.Get("http://api/")
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				fmt.Printf("%v %s %q\n", time.Since(start), resp.Status, body)
			}
		})
	})
	// Output:
	// 200ms 200 OK "hello from api"
	// 300ms 200 OK "hello from api"
}

// Go's http.Transport meeting the keep-alive race: the server closes an
// idle connection just as the client sends its next request on it. A GET
// is idempotent, so the Transport retries it on a new connection and the
// caller never sees the reset; a POST is not, so the caller gets the error.
// The rule makes the race happen on every run.
func Example_keepAliveRace() {
	inTest(func(t *testing.T) {
		w, _ := simnet.NewWorld(1)
		web, _ := w.AddHost("web")
		api, _ := w.AddHost("api")
		if _, err := w.AddRule(simnet.Rule{What: simnet.FaultCloseOnReuse, Server: "api", Idle: 4 * time.Second}); err != nil {
			t.Fatal(err)
		}
		conns := 0
		w.Loop().Events().Observe(func(ev simnet.Event) {
			if ev.Obj == "net" && ev.Name == "syn" {
				conns++
			}
		})
		gonet.Run(t, w, func(t *testing.T) {
			ln, _ := gonet.Listen(api, 80)
			srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				fmt.Fprint(w, r.Method+" ok")
			})}
			go srv.Serve(ln)
			defer srv.Close()
			dialer := &gonet.Dialer{Host: web}
			client := &http.Client{Transport: &http.Transport{DialContext: dialer.DialContext}}
			defer client.CloseIdleConnections()

			do := func(method string) {
				var payload io.Reader
				if method == http.MethodPost {
					payload = strings.NewReader("x")
				}
				req, _ := http.NewRequest(method, "http://api/", payload)
				resp, err := client.Do(req)
				// The observer runs on the loop; Do reads what it counted there.
				var n int
				gonet.Do(w, func() { n = conns })
				if err != nil {
					fmt.Printf("%s: error %v (ECONNRESET: %v), connections so far: %d\n",
						method, err, errors.Is(err, syscall.ECONNRESET), n)
					return
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				fmt.Printf("%s: %q, connections so far: %d\n", method, body, n)
			}
			do(http.MethodGet)
			time.Sleep(5 * time.Second) // idle past the server's keep-alive
			do(http.MethodGet)
			time.Sleep(5 * time.Second)
			do(http.MethodPost)
		})
	})
	// Output:
	// GET: "GET ok", connections so far: 1
	// GET: "GET ok", connections so far: 2
	// POST: error Post "http://api/": read tcp 10.0.0.1:49153->10.0.0.2:80: read: connection reset by peer (ECONNRESET: true), connections so far: 2
}

// http.Client.Timeout against a server whose host swallows every SYN: the
// kernel retries the SYN after 1 s, and the request fails at exactly the
// timeout, in virtual time. (Whether the message then says "Client.Timeout
// exceeded" depends on which of two goroutines net/http wakes at that
// instant runs first, which the Go scheduler decides, so it is not shown.)
func Example_clientTimeout() {
	inTest(func(t *testing.T) {
		w, _ := simnet.NewWorld(1)
		web, _ := w.AddHost("web")
		w.AddHost("api")
		if _, err := w.AddRule(simnet.Rule{What: simnet.FaultBlackHoleConnect, Server: "api"}); err != nil {
			t.Fatal(err)
		}
		syns := 0
		w.Loop().Events().Observe(func(ev simnet.Event) {
			if ev.Obj == "net" && ev.Name == "drop" {
				syns++
			}
		})
		gonet.Run(t, w, func(t *testing.T) {
			dialer := &gonet.Dialer{Host: web}
			client := &http.Client{
				Transport: &http.Transport{DialContext: dialer.DialContext},
				Timeout:   2500 * time.Millisecond,
			}
			start := time.Now()
			_, err := client.Get("http://api/")
			elapsed := time.Since(start)
			var n int
			gonet.Do(w, func() { n = syns })
			var nerr net.Error
			fmt.Printf("after %v, %d SYNs swallowed: timeout %v, deadline exceeded %v\n", elapsed, n,
				errors.As(err, &nerr) && nerr.Timeout(), errors.Is(err, context.DeadlineExceeded))
		})
	})
	// Output:
	// after 2.5s, 2 SYNs swallowed: timeout true, deadline exceeded true
}

// CheckDeterminism runs a test twice on fresh worlds and compares the
// traces, network included. A net/http client racing a server's jittery,
// sometimes-resetting link is still deterministic: the seed draws the
// jitter and the resets, and the adapter applies the goroutines' socket
// operations in a fixed order.
func ExampleCheckDeterminism() {
	inTest(func(t *testing.T) {
		newWorld := func() (*simnet.World, error) {
			w, err := simnet.NewWorld(7, simnet.WithLink(simnet.Link{Latency: 5 * time.Millisecond, Jitter: 4 * time.Millisecond}))
			if err != nil {
				return nil, err
			}
			w.AddHost("web")
			w.AddHost("api")
			_, err = w.AddRule(simnet.Rule{What: simnet.FaultReset, Dir: simnet.ServerToClient, AfterBytes: 300, Probability: 0.5})
			return w, err
		}
		err := gonet.CheckDeterminism(t, newWorld, func(t *testing.T, w *simnet.World) {
			ln, _ := gonet.Listen(w.Host("api"), 80)
			srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Write(make([]byte, 200))
			})}
			go srv.Serve(ln)
			defer srv.Close()
			dialer := &gonet.Dialer{Host: w.Host("web")}
			client := &http.Client{Transport: &http.Transport{DialContext: dialer.DialContext}}
			defer client.CloseIdleConnections()
			for range 5 {
				if resp, err := client.Get("http://api/"); err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}
		})
		fmt.Println("divergence:", err)
	})
	// Output:
	// divergence: <nil>
}

// inTest runs f as a test of its own, since Run needs the *testing.T that
// testing/synctest builds its bubble from, which an example does not get.
// The test runs once and quietly whatever -count and -v say, so only the
// example's own output is compared. It reports whether the test passed.
func inTest(f func(t *testing.T)) bool { return inTestNamed("inner", f) }

// inTestNamed is inTest with the inner test's name, which a deliberately
// failing run uses to say so in the log.
func inTestNamed(name string, f func(t *testing.T)) bool {
	for name, quiet := range map[string]string{"test.v": "false", "test.count": "1", "test.cpu": strconv.Itoa(runtime.GOMAXPROCS(0))} {
		if v := flag.Lookup(name); v != nil {
			old := v.Value.String()
			v.Value.Set(quiet)
			defer v.Value.Set(old)
		}
	}
	ok := testing.RunTests(func(string, string) (bool, error) { return true, nil },
		[]testing.InternalTest{{Name: name, F: f}})
	if !ok {
		fmt.Println("the inner test failed")
	}
	return ok
}
