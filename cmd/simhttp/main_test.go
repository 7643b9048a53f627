package main

import (
	"bytes"
	"flag"
	"strings"
	"testing"
)

func TestParseInterspersedAcceptsFlagsAfterArguments(t *testing.T) {
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "")
	var headers multiFlag
	fs.Var(&headers, "H", "")
	pos, err := parseInterspersed(fs, []string{"a.pcap", "--json", "-H", "K: V", "b", "-H", "L: W", "--", "-c"})
	if err != nil {
		t.Fatal(err)
	}
	if !*asJSON || strings.Join(pos, ",") != "a.pcap,b,-c" || strings.Join(headers, "|") != "K: V|L: W" {
		t.Errorf("json=%v positional=%q headers=%q", *asJSON, pos, headers)
	}
}

func TestBadCommandLinesExitTwoWithTheCause(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"nope"}, `unknown command "nope"`},
		{[]string{"run", "--bogus"}, "flag provided but not defined: -bogus"},
		{[]string{"sweep", "--seeds", "9-3"}, `--seeds "9-3": want A-B`},
		{[]string{"sweep", "--seeds", "1-3", "--shard", "3/2"}, `--shard "3/2": want I/N`},
		{[]string{"sweep", "--seeds", "1-3", "--jobs", "0"}, `--jobs 0: want at least 1`},
		{[]string{"trace"}, "want exactly one FEATURE:LINE"},
		{[]string{"inspect"}, "want exactly one CAPTURE file"},
		{[]string{"serve", "--echo"}, "--listen ADDR is required"},
		{[]string{"request"}, "want exactly one URL"},
		{[]string{"request", "--repeat", "0", "http://x/"}, "--repeat 0: want 1 or more"},
		{[]string{"request", "--timeout", "-5", "http://x/"}, "--timeout -5: want 0 or more"},
		{[]string{"request", "--timeout", "soon", "http://x/"}, `invalid value "soon" for flag -timeout`},
		{[]string{"serve", "--listen", "nohost", "--echo"}, `--listen "nohost": want HOST:PORT`},
	}
	for _, c := range cases {
		var out, errOut bytes.Buffer
		if code := run(c.args, &out, &errOut); code != 2 {
			t.Errorf("%q: exit %d, want 2", c.args, code)
		}
		if !strings.Contains(errOut.String(), c.want) {
			t.Errorf("%q: stderr %q does not say %q", c.args, errOut.String(), c.want)
		}
	}
}

func TestInspectNamesTheFileOfABadCapture(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run([]string{"inspect", "main.go"}, &out, &errOut)
	if code != 1 || !strings.Contains(errOut.String(), "main.go: ") {
		t.Errorf("exit %d, stderr %q", code, errOut.String())
	}
}

func TestInspectFixtureAsJSON(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"inspect", "../../fixtures/captures/keepalive.pcap", "--json"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), `"url":"/b"`) {
		t.Errorf("inspect --json output lacks the second exchange:\n%s", out.String())
	}
}
