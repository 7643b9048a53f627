package proxy_test

import (
	"bytes"
	"errors"
	"io"
	"log"
	"net"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/simhttp/simhttp/proxy"
)

// answerer accepts connections and answers each one's first read with
// reply, then closes; it counts what it received.
func answerer(t *testing.T, reply string) (string, <-chan []byte) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	got := make(chan []byte, 16)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				buf := make([]byte, 4096)
				n, _ := c.Read(buf)
				got <- buf[:n]
				c.Write([]byte(reply))
			}()
		}
	}()
	return ln.Addr().String(), got
}

// exchange writes msg through the proxy and reads until the end.
func exchange(t *testing.T, addr, msg string) (string, error) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return "", err
	}
	defer c.Close()
	if _, err := c.Write([]byte(msg)); err != nil {
		return "", err
	}
	b, err := io.ReadAll(c)
	return string(b), err
}

const reply = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789"

func TestByteAndPatternTriggersCutExactlyThere(t *testing.T) {
	upstream, _ := answerer(t, reply)
	for _, c := range []struct {
		name, rules, want string
		reset             bool
	}{
		{"close after 20 bytes", `[{"what":"close","dir":"server->client","after bytes":20}]`, reply[:20], false},
		{"reset after the head", `[{"what":"reset","dir":"server->client","pattern":"\r\n\r\n"}]`, reply[:len(reply)-10], true},
		{"reset at the response headers", `[{"what":"reset","after":"response headers"}]`, reply[:len(reply)-10], true},
		{"close once the response has passed", `[{"what":"close","after":"response"}]`, reply, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := startProxy(t, upstream, c.rules)
			got, err := exchange(t, p.Addr(), "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
			if got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
			if reset := errors.Is(err, syscall.ECONNRESET); reset != c.reset {
				t.Errorf("read ended with %v; want a reset: %v", err, c.reset)
			}
		})
	}
}

func TestConnPicksTheKthConnectionAndRefuseResetsIt(t *testing.T) {
	upstream, _ := answerer(t, reply)
	p := startProxy(t, upstream, `[{"what":"refuse","conn":2}]`)
	for i, wantReset := range []bool{false, true, false} {
		got, err := exchange(t, p.Addr(), "GET / HTTP/1.1\r\n\r\n")
		reset := err != nil && (errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE))
		if reset != wantReset || (!wantReset && got != reply) {
			t.Errorf("connection %d: %q, %v", i+1, got, err)
		}
	}
}

// The same seed picks the same connections for a rule with a probability.
func TestProbabilityDrawsFromTheSeed(t *testing.T) {
	upstream, _ := answerer(t, reply)
	pattern := func(seed uint64) string {
		p, err := proxy.Start(proxy.Options{Upstream: upstream, Seed: seed,
			Rules: mustRules(t, `[{"what":"refuse","probability":0.5}]`)})
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		for range 12 {
			exchange(t, p.Addr(), "GET / HTTP/1.1\r\n\r\n")
		}
		s := ""
		hit := map[int]bool{}
		for _, f := range p.Counters().Faults {
			hit[f.Connection] = true
		}
		for i := 1; i <= 12; i++ {
			if hit[i] {
				s += "x"
			} else {
				s += "."
			}
		}
		return s
	}
	a, b := pattern(7), pattern(7)
	if a != b {
		t.Errorf("seed 7 refused %s, then %s", a, b)
	}
	if a == "............" || a == "xxxxxxxxxxxx" {
		t.Errorf("probability 0.5 over 12 connections refused %s", a)
	}
}

// A stall with no duration holds the bytes until its rule is removed.
func TestStallHoldsUntilItsRuleIsRemoved(t *testing.T) {
	upstream, received := answerer(t, reply)
	p := startProxy(t, upstream, `[{"what":"stall","dir":"client->server"}]`)
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("GET / HTTP/1.1\r\n\r\n"))
	rules := p.Rules()
	if len(rules) != 1 {
		t.Fatal(rules)
	}
	// Nothing can have reached the upstream: the write is held.
	select {
	case b := <-received:
		t.Fatalf("the upstream got %q through a stall", b)
	default:
	}
	if err := p.RemoveRule(rules[0].ID); err != nil {
		t.Fatal(err)
	}
	if b := <-received; string(b) != "GET / HTTP/1.1\r\n\r\n" {
		t.Errorf("after the stall the upstream got %q", b)
	}
	if got, _ := io.ReadAll(c); string(got) != reply {
		t.Errorf("after the stall the client got %q", got)
	}
}

// Each fired fault is logged with a command line that starts the same
// proxy: its rules read back to the ones in force.
func TestTheFaultLogLineReproducesTheRun(t *testing.T) {
	upstream, _ := answerer(t, reply)
	var logged bytes.Buffer
	var mu sync.Mutex
	rules := `[{"what":"close","request":1,"after":"request headers"},{"what":"delay","dir":"server->client","delay":1,"probability":0.5}]`
	p, err := proxy.Start(proxy.Options{Upstream: upstream, Seed: 42, Rules: mustRules(t, rules),
		Log: log.New(lockedWriter{&mu, &logged}, "", 0)})
	if err != nil {
		t.Fatal(err)
	}
	exchange(t, p.Addr(), "GET / HTTP/1.1\r\n\r\n")
	p.Close()
	mu.Lock()
	line := logged.String()
	mu.Unlock()
	if !strings.Contains(line, "fault close (rule 1: close request=1 after=request headers) fired on connection 1, request 1") {
		t.Fatalf("log: %q", line)
	}
	_, cmd, ok := strings.Cut(line, "reproduce: ")
	_, arg, ok2 := strings.Cut(cmd, "--rules '")
	if !ok || !ok2 || !strings.Contains(cmd, "--seed 42") || !strings.Contains(cmd, "--upstream "+upstream) {
		t.Fatalf("no reproduction in %q", line)
	}
	back, err := proxy.CheckRules("log", []byte(strings.TrimSuffix(strings.TrimSpace(arg), "'")))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(mustRules(t, rules), back); diff != "" {
		t.Errorf("the logged rules differ (-want +got):\n%s", diff)
	}
}

// The reproduction line is a shell command: a rule holding a single quote
// comes back whole through sh's parsing, and --listen names the port the
// proxy took, not the 0 it was asked for.
func TestTheReproductionLineQuotesTheRulesAndNamesThePort(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh to parse the line; TestTheFaultLogLineReproducesTheRun reads the rules back without it")
	}
	upstream, _ := answerer(t, reply)
	rules := `[{"what":"reset","dir":"client->server","pattern":"it's 'quoted'"}]`
	p, err := proxy.Start(proxy.Options{Listen: "127.0.0.1:0", Upstream: upstream, Seed: 7, Rules: mustRules(t, rules)})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	line := p.Reproduce()
	args, ok := strings.CutPrefix(line, "simhttp proxy ")
	if !ok {
		t.Fatalf("reproduction %q", line)
	}
	out, err := exec.Command(sh, "-c", `printf '%s\0' `+args).Output()
	if err != nil {
		t.Fatalf("sh -c on %q: %v", args, err)
	}
	got := map[string]string{}
	words := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	for i := 0; i+1 < len(words); i += 2 {
		got[words[i]] = words[i+1]
	}
	if got["--listen"] != p.Addr() || strings.HasSuffix(p.Addr(), ":0") {
		t.Errorf("--listen %q, want the proxy's address %q", got["--listen"], p.Addr())
	}
	if got["--upstream"] != upstream || got["--seed"] != "7" {
		t.Errorf("--upstream %q --seed %q, want %q and 7", got["--upstream"], got["--seed"], upstream)
	}
	back, err := proxy.CheckRules("the line", []byte(got["--rules"]))
	if err != nil {
		t.Fatalf("--rules %q as sh reads it: %v", got["--rules"], err)
	}
	if diff := cmp.Diff(mustRules(t, rules), back); diff != "" {
		t.Errorf("the rules sh reads differ (-want +got):\n%s", diff)
	}
}

// Faults that shape the bytes (slices of 3 bytes, a small delay) never
// change them.
func TestSliceAndDelayKeepTheBytes(t *testing.T) {
	const request = "GET /sliced HTTP/1.1\r\nHost: x\r\n\r\n"
	upstream, received := rawUpstream(t, "\r\n\r\n", reply)
	p := startProxy(t, upstream, `[{"what":"slice","size":3},{"what":"delay","dir":"server->client","delay":1,"after":"response headers"}]`)
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte(request))
	got, err := io.ReadAll(c)
	if err != nil || string(got) != reply {
		t.Errorf("the client got %q, %v; want %q", got, err, reply)
	}
	c.(*net.TCPConn).CloseWrite()
	if b := received(); string(b) != request {
		t.Errorf("the upstream got %q", b)
	}
	if c := p.Counters(); len(c.Faults) != 2 {
		t.Errorf("faults fired: %+v", c.Faults)
	}
}

// A black hole drops the bytes of its direction once triggered: here the
// response's body, after its headers.
func TestBlackHoleDropsWhatFollowsItsTrigger(t *testing.T) {
	const request = "GET / HTTP/1.1\r\n\r\n"
	upstream, received := rawUpstream(t, "\r\n\r\n", reply)
	p := startProxy(t, upstream, `[{"what":"black-hole-data","dir":"server->client","after":"response headers"}]`)
	got, err := exchange(t, p.Addr(), request)
	if err != nil || got != reply[:len(reply)-10] {
		t.Errorf("the client got %q, %v; want only the head", got, err)
	}
	if b := received(); string(b) != request {
		t.Errorf("the upstream got %q", b)
	}
}
