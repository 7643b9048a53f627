package main

import (
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"github.com/spf13/pflag"

	"github.com/simhttp/simhttp/httpcore"
	"github.com/simhttp/simhttp/replay"
	"github.com/simhttp/simhttp/simnet/realtcp"
)

func init() {
	commands["serve"] = command{
		summary: "serve real TCP with httpcore: --echo answers every request with what it received, --mock with a capture's responses",
		usage:   "--listen ADDR (--echo | --mock CAPTURE) [flags]",
		about: `Runs until interrupted (Ctrl-C or SIGTERM), then closes the way a Node
process would. --mock - reads the capture from standard input. A mock sends
each captured 1xx response (103 Early Hints, ...) before the final one, in
order, and a fresh Date in place of the captured one unless --verbatim.`,
		example: `simhttp serve --listen 127.0.0.1:8080 --echo
simhttp serve --listen :3000 --mock traffic.pcapng --ignore-query`,
		setup: setupServe,
	}
}

// serveFlags are serve's command line.
type serveFlags struct {
	listen, mock, keylog          string
	echo, ignoreQuery, ignoreBody bool
	verbatim                      bool
}

func setupServe(fs *pflag.FlagSet) func(*env, []string) error {
	var o serveFlags
	fs.StringVar(&o.listen, "listen", "", "address to listen on, `HOST:PORT` (port 0 picks one)")
	fs.BoolVar(&o.echo, "echo", false, "answer every request with JSON describing it")
	fs.StringVar(&o.mock, "mock", "", "answer with the responses of the capture `FILE`, matched by method, path and body")
	fs.BoolVar(&o.ignoreQuery, "ignore-query", false, "with --mock: match requests without their query string")
	fs.BoolVar(&o.ignoreBody, "ignore-body", false, "with --mock: match requests without their body")
	fs.BoolVar(&o.verbatim, "verbatim", false, "with --mock: send the captured Date instead of a fresh one")
	fs.StringVar(&o.keylog, "keylog", "", "with --mock: decrypt TLS in the capture with the NSS key log `FILE` (SSLKEYLOGFILE)")
	return o.run
}

func (o *serveFlags) run(e *env, rest []string) error {
	if len(rest) > 0 {
		return usagef("unexpected argument %q", rest[0])
	}
	if o.listen == "" {
		return usagef("--listen ADDR is required")
	}
	if o.echo == (o.mock != "") {
		return usagef("say what to serve: --echo or --mock CAPTURE")
	}
	if o.verbatim && o.mock == "" {
		return usagef("--verbatim sends a --mock CAPTURE's Date as captured; it does nothing with --echo")
	}
	if o.keylog != "" && o.mock == "" {
		return usagef("--keylog FILE decrypts the --mock CAPTURE; it does nothing with --echo")
	}
	host, portText, err := net.SplitHostPort(o.listen)
	port, perr := strconv.Atoi(portText)
	if err != nil || perr != nil || port < 0 || port > 65535 {
		return usagef("--listen %q: want HOST:PORT", o.listen)
	}
	handler := httpcore.EchoHandler
	if o.mock != "" {
		c, err := e.readCapture(o.mock, o.keylog)
		if err != nil {
			return err
		}
		m := replay.NewMock(c, replay.MockOptions{IgnoreQuery: o.ignoreQuery, IgnoreBody: o.ignoreBody, Verbatim: o.verbatim})
		fmt.Fprintf(e.stderr, "simhttp serve: mocking %d captured responses from %s\n", m.Len(), name(o.mock))
		handler = m.Handler()
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(stop)
	return serve(host, port, handler, e.stderr, stop, nil)
}

// serve runs an httpcore server on the real-TCP runtime until stop delivers
// (SIGINT or SIGTERM), then closes it the way a Node process would: stop
// listening and close every connection. listening, if set, learns the
// address once the server listens.
func serve(host string, port int, handler func(*httpcore.IncomingMessage, *httpcore.ServerResponse), stderr io.Writer, stop <-chan os.Signal, listening func(netip.AddrPort)) error {
	rt := realtcp.New()
	srv, err := httpcore.CreateServer(rt, httpcore.ServerOptions{}, handler)
	if err != nil {
		return err
	}
	var failed error
	srv.Events.Error.On(func(err error) {
		failed = err
		srv.Close(nil)
	})
	err = srv.Listen(port, host, func() {
		if addr, ok := srv.Address(); ok {
			fmt.Fprintf(stderr, "simhttp: listening on http://%s\n", addr)
			if listening != nil {
				listening(addr)
			}
		}
	})
	if err != nil {
		return err
	}
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-stop:
			rt.Loop().Post(func() {
				srv.Close(nil)
				srv.CloseAllConnections()
			})
		case <-done:
		}
	}()
	if err := rt.Run(); err != nil {
		return err
	}
	return failed
}
