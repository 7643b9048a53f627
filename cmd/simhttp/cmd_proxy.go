package main

import (
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"

	"github.com/spf13/pflag"

	"github.com/simhttp/simhttp/proxy"
	"github.com/simhttp/simhttp/record"
	"github.com/simhttp/simhttp/simnet"
)

func init() {
	commands["proxy"] = command{
		summary: "forward real TCP to a service, applying fault rules at byte counts and HTTP points; a control API changes them at runtime",
		usage:   "--listen ADDR --upstream HOST:PORT [flags]",
		about: `Runs until interrupted (Ctrl-C or SIGTERM). Rules are a JSON array, given
inline, in a file, or on standard input with --rules -. Unusable rules exit
2 before anything listens.`,
		example: `simhttp proxy --listen 127.0.0.1:8081 --upstream 127.0.0.1:8080 --rules '[{"what":"reset","after":"response headers"}]'
simhttp proxy --listen :8081 --upstream api:80 --rules rules.json --control 9000 --record both.pcapng`,
		setup: setupProxy,
	}
}

func setupProxy(fs *pflag.FlagSet) func(*env, []string) error {
	listen := fs.String("listen", "", "address to accept on, `HOST:PORT` (port 0 picks one)")
	upstream := fs.String("upstream", "", "the service behind the proxy, `HOST:PORT`")
	rulesArg := fs.String("rules", "", "fault `RULES`: a JSON file, - for standard input, or the JSON array itself (starting with '[')")
	seed := fs.Uint64("seed", 1, "seed `N` of the draws of rules with a probability")
	recordTo := fs.String("record", "", "write both legs of every connection to the capture `FILE` (.pcapng for pcapng, - for standard output)")
	control := fs.String("control", "", "serve the control API (HTTP+JSON) on `ADDR`, loopback unless a host is given")
	onUpstream := fs.Int("on-upstream-error", 0, "`STATUS` 502: answer a client whose upstream cannot be reached with 502 instead of a reset")
	noSpin := fs.Bool("no-spin", false, "never poll a drained socket briefly before sleeping (done while one connection is open, to answer without a wake-up, with GOMAXPROCS=1): saves CPU on a busy machine and leaves Go's default GOMAXPROCS, costs latency on an idle one")
	return func(e *env, rest []string) error {
		if len(rest) > 0 {
			return usagef("unexpected argument %q", rest[0])
		}
		if *listen == "" || *upstream == "" {
			return usagef("--listen ADDR and --upstream HOST:PORT are required")
		}
		if *onUpstream != 0 && *onUpstream != 502 {
			return usagef("--on-upstream-error %d: the only choice is 502", *onUpstream)
		}
		rules, err := e.readProxyRules(*rulesArg)
		if err != nil {
			return err
		}
		opts := proxy.Options{Listen: *listen, Upstream: *upstream, Rules: rules, Seed: *seed,
			OnUpstreamError: *onUpstream, NoSpin: *noSpin, Log: log.New(e.stderr, "simhttp proxy: ", log.LstdFlags|log.Lmicroseconds)}
		if *recordTo != "" {
			f, err := e.create(*recordTo)
			if err != nil {
				return err
			}
			defer f.Close()
			opts.Record = f
			if strings.HasSuffix(*recordTo, ".pcapng") {
				opts.RecordFormat = record.PCAPNG
			}
		}
		if oneP(*noSpin, runtime.GOOS, os.Getenv("GOMAXPROCS")) {
			runtime.GOMAXPROCS(1)
		}
		stop := make(chan os.Signal, 1)
		signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
		defer signal.Stop(stop)
		return runProxyUntil(opts, *control, e.stderr, stop)
	}
}

// oneP reports whether the proxy runs with GOMAXPROCS=1: when its legs
// may spin (on Linux, without --no-spin) and the environment does not set
// it. The proxy's own work is a few per cent of a request. With more than
// one P, a thread sleeps in the runtime's poller while a leg spins: the
// reply the spin waits for wakes that thread, on another CPU, and the
// spinning leg's P does not poll while that thread sleeps there, so the
// spin would save nothing. Without the spin, one P would only cap the
// proxy at one CPU.
func oneP(noSpin bool, goos, env string) bool {
	return !noSpin && goos == "linux" && env == ""
}

// readProxyRules reads --rules: a file, standard input, or the JSON array
// itself, as the reproduction lines the proxy logs give it. Rules that
// cannot be used are bad input (exit 2).
func (e *env) readProxyRules(arg string) ([]simnet.Rule, error) {
	if arg == "" {
		return nil, nil
	}
	if strings.HasPrefix(strings.TrimSpace(arg), "[") {
		rules, err := proxy.CheckRules("--rules", []byte(arg))
		if err != nil {
			return nil, &badInput{err: err}
		}
		return rules, nil
	}
	f, err := e.open(arg)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("--rules %s: %w", arg, err)
	}
	rules, err := proxy.CheckRules(name(arg), data)
	if err != nil {
		return nil, &badInput{err: err}
	}
	return rules, nil
}

// runProxyUntil runs the proxy, and its control API when addr is set,
// until stop delivers.
func runProxyUntil(opts proxy.Options, controlAddr string, stderr io.Writer, stop <-chan os.Signal) error {
	p, err := proxy.Start(opts)
	if err != nil {
		if errors.Is(err, proxy.ErrBadOptions) {
			return &badInput{err: err}
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
