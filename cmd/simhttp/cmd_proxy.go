package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/simhttp/simhttp/proxy"
	"github.com/simhttp/simhttp/record"
	"github.com/simhttp/simhttp/simnet"
)

func init() {
	commands["proxy"] = command{
		summary: "forward real TCP to a service, applying fault rules at byte counts and HTTP points; a control API changes them at runtime",
		usage:   "proxy --listen ADDR --upstream HOST:PORT [--rules FILE|JSON] [--seed N] [--record FILE.pcap[ng]] [--control ADDR] [--on-upstream-error 502]",
		run:     runProxy,
	}
}

func runProxy(args []string, _, stderr io.Writer) error {
	fs := flag.NewFlagSet("proxy", flag.ContinueOnError)
	listen := fs.String("listen", "", "address to accept on, HOST:PORT (port 0 picks one)")
	upstream := fs.String("upstream", "", "the service behind the proxy, HOST:PORT")
	rulesArg := fs.String("rules", "", "a JSON file of fault rules, or the JSON array itself (starting with '[')")
	seed := fs.Uint64("seed", 1, "seed of the draws of rules with a probability")
	recordTo := fs.String("record", "", "write both legs of every connection to this capture (.pcapng for pcapng)")
	control := fs.String("control", "", "serve the control API (HTTP+JSON) on this address, loopback unless a host is given")
	onUpstream := fs.Int("on-upstream-error", 0, "502: answer a client whose upstream cannot be reached with 502 instead of a reset")
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return &usageError{msg: fmt.Sprintf("unexpected argument %q", rest[0])}
	}
	if *listen == "" || *upstream == "" {
		return &usageError{msg: "--listen ADDR and --upstream HOST:PORT are required"}
	}
	if *onUpstream != 0 && *onUpstream != 502 {
		return &usageError{msg: fmt.Sprintf("--on-upstream-error %d: the only choice is 502", *onUpstream)}
	}
	rules, err := readProxyRules(*rulesArg)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	opts := proxy.Options{Listen: *listen, Upstream: *upstream, Rules: rules, Seed: *seed,
		OnUpstreamError: *onUpstream, Log: log.New(stderr, "simhttp proxy: ", log.LstdFlags|log.Lmicroseconds)}
	if *recordTo != "" {
		f, err := os.Create(*recordTo)
		if err != nil {
			return err
		}
		defer f.Close()
		opts.Record = f
		if strings.HasSuffix(*recordTo, ".pcapng") {
			opts.RecordFormat = record.PCAPNG
		}
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(stop)
	return runProxyUntil(opts, *control, stderr, stop)
}

// readProxyRules reads --rules: a file, or the JSON array itself, as the
// reproduction lines the proxy logs give it.
func readProxyRules(arg string) ([]simnet.Rule, error) {
	if arg == "" {
		return nil, nil
	}
	if strings.HasPrefix(strings.TrimSpace(arg), "[") {
		return proxy.CheckRules("--rules", []byte(arg))
	}
	data, err := os.ReadFile(arg)
	if err != nil {
		return nil, fmt.Errorf("--rules: %w", err)
	}
	return proxy.CheckRules(arg, data)
}

// runProxyUntil runs the proxy, and its control API when addr is set,
// until stop delivers.
func runProxyUntil(opts proxy.Options, controlAddr string, stderr io.Writer, stop <-chan os.Signal) error {
	p, err := proxy.Start(opts)
	if err != nil {
		if errors.Is(err, proxy.ErrBadOptions) {
			return &exitError{code: 2, err: err}
		}
		return err
	}
	fmt.Fprintf(stderr, "simhttp proxy: listening on %s, forwarding to %s, %d rules, seed %d\n", p.Addr(), opts.Upstream, len(opts.Rules), opts.Seed)
	var ctl *http.Server
	if controlAddr != "" {
		if !strings.Contains(controlAddr, ":") {
			controlAddr = "127.0.0.1:" + controlAddr
		} else if strings.HasPrefix(controlAddr, ":") {
			controlAddr = "127.0.0.1" + controlAddr
		}
		ln, err := net.Listen("tcp", controlAddr)
		if err != nil {
			_ = p.Close()
			return fmt.Errorf("--control: %w", err)
		}
		ctl = &http.Server{Handler: p.ControlHandler()}
		go func() { _ = ctl.Serve(ln) }()
		fmt.Fprintf(stderr, "simhttp proxy: control API on http://%s\n", ln.Addr())
	}
	<-stop
	if ctl != nil {
		_ = ctl.Close()
	}
	return p.Close()
}
