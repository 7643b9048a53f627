package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"github.com/simhttp/simhttp/httpcore"
	"github.com/simhttp/simhttp/replay"
	"github.com/simhttp/simhttp/simnet/realtcp"
)

func init() {
	commands["serve"] = command{
		summary: "serve real TCP with httpcore: --echo answers every request with what it received, --mock with a capture's responses",
		usage:   "serve --listen ADDR (--echo | --mock CAPTURE [--keylog FILE] [--ignore-query] [--ignore-body])",
		run:     runServe,
	}
}

func runServe(args []string, _, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	listen := fs.String("listen", "", "address to listen on, HOST:PORT (port 0 picks one)")
	echo := fs.Bool("echo", false, "answer every request with JSON describing it")
	mock := fs.String("mock", "", "answer with the responses of this capture, matched by method, path and body")
	ignoreQuery := fs.Bool("ignore-query", false, "with --mock: match requests without their query string")
	ignoreBody := fs.Bool("ignore-body", false, "with --mock: match requests without their body")
	keylog := fs.String("keylog", "", "with --mock: decrypt TLS in the capture with this NSS key log (SSLKEYLOGFILE)")
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return &usageError{msg: fmt.Sprintf("unexpected argument %q", rest[0])}
	}
	if *listen == "" {
		return &usageError{msg: "--listen ADDR is required"}
	}
	if *echo == (*mock != "") {
		return &usageError{msg: "say what to serve: --echo or --mock CAPTURE"}
	}
	if *keylog != "" && *mock == "" {
		return &usageError{msg: "--keylog FILE decrypts the --mock CAPTURE; it does nothing with --echo"}
	}
	host, portText, err := net.SplitHostPort(*listen)
	port, perr := strconv.Atoi(portText)
	if err != nil || perr != nil || port < 0 || port > 65535 {
		return &usageError{msg: fmt.Sprintf("--listen %q: want HOST:PORT", *listen)}
	}
	handler := httpcore.EchoHandler
	if *mock != "" {
		c, err := readCapture(*mock, *keylog)
		if err != nil {
			return err
		}
		m := replay.NewMock(c, replay.MockOptions{IgnoreQuery: *ignoreQuery, IgnoreBody: *ignoreBody})
		fmt.Fprintf(stderr, "simhttp: mocking %d captured responses from %s\n", m.Len(), *mock)
		handler = m.Handler()
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(stop)
	return serve(host, port, handler, stderr, stop, nil)
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
