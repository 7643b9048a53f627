package replay

import (
	"bufio"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// startFixtureServer starts the Node server the fixture captures were taken
// from (fixtures/captures/server.js) on a free loopback port and returns its
// URL, once it says it listens.
func startFixtureServer(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("!!! node is not installed: the fixture captures are NOT being replayed against the Node server that made them")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(node, filepath.Join(fixtureDir, "server.js"), strconv.Itoa(port))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	if !strings.HasPrefix(line, "listening on") {
		t.Fatalf("the fixture server said %q (%v)", line, err)
	}
	return "http://127.0.0.1:" + strconv.Itoa(port)
}

// Every complete exchange of the real captures, replayed against the Node
// server that answered them, gets the same response; only Date changes,
// which replay leaves out by default and says so.
func TestFixturesReplayAgainstTheirNodeServer(t *testing.T) {
	target := startFixtureServer(t)
	want := map[string][]Outcome{
		"keepalive.pcap":  {OutcomeOK, OutcomeOK, OutcomeOK},
		"pipelining.pcap": {OutcomeOK, OutcomeOK},
		"chunked.pcap":    {OutcomeOK},
		"continue.pcap":   {OutcomeOK},
		"head.pcap":       {OutcomeOK},
		"any-sll2.pcap":   {OutcomeOK, OutcomeOK},
		"post.pcapng":     {OutcomeOK},
		"reset.pcap":      {OutcomeSkipped},
		"upgrade.pcap":    {OutcomeSkipped},
	}
	for name, outcomes := range want {
		f, err := os.Open(filepath.Join(fixtureDir, name))
		if err != nil {
			t.Fatal(err)
		}
		c, err := ReadCapture(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		rep, err := Run(context.Background(), c, ReplayOptions{Target: target})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		ok := slices.Index(outcomes, OutcomeOK) >= 0
		if want := []VolatileHeader{{Name: "date", Differed: len(outcomes)}}; ok && !slices.Equal(rep.Volatile, want) {
			t.Errorf("%s: volatile headers %v, want %v", name, rep.Volatile, want)
		}
		var got []Outcome
		for _, x := range rep.Results {
			got = append(got, x.Outcome)
		}
		if !slices.Equal(got, outcomes) {
			var b strings.Builder
			_ = rep.WriteText(&b)
			t.Errorf("%s: outcomes %v, want %v\n%s", name, got, outcomes, b.String())
		}
	}
}

// With Strict, Date is compared like any header, so a replay against the
// very server a capture came from differs on it, and on nothing else.
func TestStrictReplayComparesDate(t *testing.T) {
	target := startFixtureServer(t)
	f, err := os.Open(filepath.Join(fixtureDir, "keepalive.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := ReadCapture(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Run(context.Background(), c, ReplayOptions{Target: target, Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Volatile) != 0 {
		t.Errorf("strict replay ignored %v", rep.Volatile)
	}
	for _, x := range rep.Results {
		if x.Outcome != OutcomeDiffered || !strings.Contains(x.Diff, `"date"`) || strings.Count(x.Diff, "\n-") > 2 {
			t.Errorf("%s %s: %s, want a difference in date alone:\n%s", x.Method, x.URL, x.Outcome, x.Diff)
		}
	}
}
