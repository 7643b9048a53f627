package features

// Scenarios against a real service: the scenario's client (httpcore on the
// real-TCP runtime, so Node's semantics) talks to a service on 127.0.0.1
// through an in-process simhttp proxy that carries the scenario's fault
// rules, as `simhttp proxy` would.

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/cucumber/godog"

	"github.com/simhttp/simhttp/proxy"
	"github.com/simhttp/simhttp/simnet/realtcp"
)

// serviceState is the real service a scenario talks to.
type serviceState struct {
	addr  string         // HOST:PORT of the service
	cmd   *exec.Cmd      // the command that runs it, when the scenario started it
	stdin io.WriteCloser // its standard input, closed first when the scenario ends
	rt    *realtcp.Runtime
	px    *proxy.Proxy
}

// serviceStartBound bounds how long a started service may take to accept
// connections, and serviceRunBound how long a scenario against a real
// service may run: the wall clock only ends runs that went wrong.
const (
	serviceStartBound = 10 * time.Second
	serviceRunBound   = 30 * time.Second
)

func serviceSteps() []*stepDef {
	d := func(pattern, example, doc string, bind func(w *world) any) *stepDef {
		return &stepDef{domain: "A real service", pattern: pattern, example: example, doc: doc, bind: bind}
	}
	return []*stepDef{
		d(`^the service at "([^"]*)"$`, `the service at "http://127.0.0.1:8080"`,
			"the client's requests go to this real service (http://HOST:PORT) over real TCP, through an in-process proxy carrying the scenario's fault rules",
			func(w *world) any { return w.theServiceAt }),
		d(`^the service started with "([^"]*)"$`, `the service started with "node server.js {port}"`,
			"runs the command with sh, {port} and $PORT set to a free loopback port, waits until that port accepts connections and uses it as the service; the command is stopped when the scenario ends",
			func(w *world) any { return w.theServiceStartedWith }),
		d(`^the Node service:$`, "the Node service:\n        \"\"\"\n        require('http').createServer((req, res) => res.end('hi')).listen(process.env.PORT, '127.0.0.1')\n        \"\"\"",
			"runs this script with node, $PORT set to a free loopback port, and uses it as the service, as \"the service started with\" does",
			func(w *world) any { return w.theNodeService }),
	}
}

func (w *world) theServiceAt(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" || u.Port() == "" || (u.Path != "" && u.Path != "/") {
		return fmt.Errorf("the service at %q: want http://HOST:PORT", raw)
	}
	return w.useService(&serviceState{addr: u.Host})
}

func (w *world) useService(s *serviceState) error {
	if w.service != nil {
		return errors.New("the scenario already has a service; it talks to one")
	}
	w.service = s
	return nil
}

func (w *world) theServiceStartedWith(command string) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	p := strconv.Itoa(port)
	return w.startService(exec.Command("sh", "-c", strings.ReplaceAll(command, "{port}", p)), port)
}

func (w *world) theNodeService(doc *godog.DocString) error {
	node, err := exec.LookPath("node")
	if err != nil {
		// Loudly, and without failing: the proxy's own tests prove the
		// same faults against Go's net/http where Node is missing.
		fmt.Fprintf(os.Stderr, "!!! SKIPPING %s: the Node service needs node on PATH\n", w.ref())
		return godog.ErrSkip
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	return w.startService(exec.Command(node, "-e", doc.Content), port)
}

// freePort asks the system for a loopback port nobody uses.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port for the service: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// startService runs the service's command and waits for its port.
func (w *world) startService(cmd *exec.Cmd, port int) error {
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	cmd.Env = append(os.Environ(), "PORT="+strconv.Itoa(port))
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return fmt.Errorf("starting the service: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting the service: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	s := &serviceState{addr: addr, cmd: cmd, stdin: stdin}
	if err := w.useService(s); err != nil {
		_ = cmd.Process.Kill()
		return err
	}
	for start := time.Now(); ; {
		select {
		case err := <-exited:
			s.cmd = nil
			return fmt.Errorf("the service exited before accepting on %s: %v", addr, err)
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return nil
		}
		if time.Since(start) > serviceStartBound {
			return fmt.Errorf("the service did not accept connections on %s within %v", addr, serviceStartBound)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// startServiceWorld puts the client on the real-TCP runtime and the
// scenario's fault rules on a proxy in front of the service.
func (w *world) startServiceWorld() error {
	s := w.service
	if len(w.servers) > 0 {
		return errors.New("a scenario against a real service has no simulated server: drop the server steps")
	}
	if len(w.links) > 0 || w.dnsDelay > 0 {
		return errors.New("link and name-lookup settings shape the simulated network; against a real service use fault rules (delay, slice, stall)")
	}
	if w.suite.faults != nil && w.sweep {
		return errors.New("sweep draws faults for the simulated network; run scenarios against a real service with run")
	}
	for _, r := range w.rules {
		if err := proxy.CheckRule(r); err != nil {
			return fmt.Errorf("fault rule %s: %w", r.String(), err)
		}
	}
	px, err := proxy.Start(proxy.Options{Upstream: s.addr, Rules: w.rules, Seed: w.seed})
	if err != nil {
		return err
	}
	s.px = px
	s.rt = realtcp.New()
	s.rt.Loop().Events().Observe(w.observe)
	return nil
}

// runService runs the real loop until the client is done, within
// serviceRunBound.
func (w *world) runService() error {
	loop := w.service.rt.Loop()
	guard := loop.SetTimeout(serviceRunBound, func() {
		w.fail(fmt.Errorf("the scenario against the service did not finish within %v", serviceRunBound))
		for _, r := range w.client.requests {
			if r.req != nil {
				r.req.Destroy(nil)
			}
		}
		w.client.agent.Destroy()
	})
	guard.Unref()
	err := loop.Run()
	guard.Clear()
	return err
}

// stopService stops the proxy and the command the scenario started.
func (w *world) stopService() {
	s := w.service
	if s == nil {
		return
	}
	if s.px != nil {
		_ = s.px.Close()
	}
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.stdin.Close()
		_ = s.cmd.Process.Kill()
	}
}
