package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestProxyRefusesBadRulesAtStartWithExit2(t *testing.T) {
	file := filepath.Join(t.TempDir(), "rules.json")
	if err := os.WriteFile(file, []byte(`[{"what":"reset"},{"what":"reset","after":"the body"}]`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--rules", file}, file + `: rule[1] key "after": unknown HTTP point "the body"`},
		{[]string{"--rules", `[{"what":"partition"}]`}, `--rules: rule[0] key "what": What: partition is a fault of the simulated network`},
		{[]string{"--rules", `[{"what":"reset","port":80}]`}, `rule[0] key "port"`},
		{[]string{"--rules", filepath.Join(t.TempDir(), "missing.json")}, "missing.json"},
		{[]string{"--on-upstream-error", "503"}, "the only choice is 502"},
	} {
		var stdout, stderr bytes.Buffer
		args := append([]string{"proxy", "--listen", "127.0.0.1:0", "--upstream", "127.0.0.1:9"}, c.args...)
		if code := run(args, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", c.args, code, stderr.String(), c.want)
		}
	}
}

// The proxy takes one P only when its legs may spin and GOMAXPROCS is not
// set: with --no-spin, elsewhere than Linux or with GOMAXPROCS given, Go's
// choice stands.
func TestProxyRunsOnOnePOnlyWhenItSpins(t *testing.T) {
	for _, c := range []struct {
		noSpin    bool
		goos, env string
		want      bool
	}{
		{false, "linux", "", true},
		{true, "linux", "", false},
		{false, "linux", "4", false},
		{false, "darwin", "", false},
	} {
		if got := oneP(c.noSpin, c.goos, c.env); got != c.want {
			t.Errorf("oneP(noSpin %v, %s, GOMAXPROCS=%q) = %v, want %v", c.noSpin, c.goos, c.env, got, c.want)
		}
	}
}
