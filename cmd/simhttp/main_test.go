package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEverySubcommandExplainsItself(t *testing.T) {
	if len(commands) < 9 {
		t.Fatalf("only %d subcommands registered", len(commands))
	}
	for name, cmd := range commands {
		for _, args := range [][]string{{name, "--help"}, {name, "-h"}, {"help", name}} {
			var out, errOut bytes.Buffer
			if code := run(args, &out, &errOut); code != 0 {
				t.Errorf("%q: exit %d, stderr %q", args, code, errOut.String())
			}
			text := out.String()
			for _, want := range []string{"usage: simhttp " + name + " " + cmd.usage, "flags:", "-h, --help", "example:\n  simhttp " + name, "exit status:"} {
				if !strings.Contains(text, want) {
					t.Errorf("%q does not print %q:\n%s", args, want, text)
				}
			}
			if strings.Contains(text, "stringArray") || strings.Contains(text, " string ") || strings.Contains(text, "uint64") || strings.Contains(text, " int ") {
				t.Errorf("%q shows a Go type name:\n%s", args, text)
			}
		}
	}
}

func TestEverySubcommandRejectsAnUnknownFlagNamingIt(t *testing.T) {
	for name := range commands {
		var out, errOut bytes.Buffer
		if code := run([]string{name, "--no-such-flag"}, &out, &errOut); code != 2 {
			t.Errorf("%s --no-such-flag: exit %d, want 2", name, code)
		}
		if !strings.Contains(errOut.String(), "unknown flag: --no-such-flag") || !strings.Contains(errOut.String(), "simhttp help "+name) {
			t.Errorf("%s --no-such-flag: stderr %q", name, errOut.String())
		}
	}
}

func TestVersionPrintsAVersion(t *testing.T) {
	for _, arg := range []string{"--version", "version"} {
		var out, errOut bytes.Buffer
		if code := run([]string{arg}, &out, &errOut); code != 0 || !strings.HasPrefix(out.String(), "simhttp ") || !strings.Contains(out.String(), "go1.") {
			t.Errorf("%s: exit %d, %q", arg, code, out.String())
		}
	}
}

func TestTopLevelHelp(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"--help"}, &out, &errOut); code != 0 || !strings.Contains(out.String(), "commands:") {
		t.Errorf("--help: exit %d\n%s", code, out.String())
	}
	out.Reset()
	if code := run(nil, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "say which command") {
		t.Errorf("no command: exit %d, stderr %q", code, errOut.String())
	}
	errOut.Reset()
	if code := run([]string{"help", "nope"}, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), `unknown command "nope"`) {
		t.Errorf("help nope: exit %d, stderr %q", code, errOut.String())
	}
}

func TestExitStatusZeroOnSuccess(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"run", "client/orders.feature", "--format", "progress"}, &out, &errOut); code != 0 {
		t.Errorf("exit %d: %s%s", code, out.String(), errOut.String())
	}
}

func TestExitStatusOneWhenAScenarioFails(t *testing.T) {
	f := writeFeature(t, `Feature: f
  Scenario: a wrong expectation
    Given a server that responds with status 200 and body "hello"
    When the client sends GET /
    Then the client sees:
      """
      req:socket req:close
      """
`)
	var out, errOut bytes.Buffer
	if code := run([]string{"run", f, "--format", "progress"}, &out, &errOut); code != 1 {
		t.Errorf("exit %d, want 1: %s%s", code, out.String(), errOut.String())
	}
}

func TestBadCommandLinesExitTwoWithTheCause(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"nope"}, `unknown command "nope"`},
		{[]string{"--bogus"}, `unknown flag (flags follow the command) "--bogus"`},
		{[]string{"run", "--bogus"}, "unknown flag: --bogus"},
		{[]string{"run", "--format", "xml"}, `--format "xml": unknown format "xml": want one of pretty`},
		{[]string{"run", "no-such.feature"}, "no-such.feature: no such feature file"},
		{[]string{"run", "--seed", "x"}, `invalid argument "x" for "--seed" flag`},
		{[]string{"sweep", "--seeds", "9-3"}, `--seeds "9-3": want A-B`},
		{[]string{"sweep", "--seeds", "1-3", "--shard", "3/2"}, `--shard "3/2": want I/N`},
		{[]string{"sweep", "--seeds", "1-3", "--jobs", "0"}, `--jobs 0: want at least 1`},
		{[]string{"sweep", "--merge"}, "--merge wants the shard results"},
		{[]string{"sweep", "--merge", "--seeds", "1-2", "a.json"}, "takes no --seeds"},
		{[]string{"sweep", "--merge", "no-such.json"}, "no-such.json: no such file"},
		{[]string{"sweep", "--merge", "main.go"}, "main.go: not a sweep result"},
		{[]string{"sweep", "--seeds", "1-2", "--json", "-", "--junit", "-"}, "would both write to standard output"},
		{[]string{"trace"}, "want exactly one FEATURE:LINE"},
		{[]string{"trace", "client/orders.feature"}, `"client/orders.feature": want FEATURE:LINE`},
		{[]string{"trace", "no-such.feature:3"}, "no-such.feature: no such feature file"},
		{[]string{"trace", "client/orders.feature:3", "--format", "png"}, `--format "png": want one of compact, json, svg, mermaid`},
		{[]string{"steps", "x"}, `unexpected argument "x"`},
		{[]string{"inspect"}, "want exactly one CAPTURE file"},
		{[]string{"inspect", "no-such.pcap"}, "no-such.pcap: no such file"},
		{[]string{"inspect", "-", "--keylog", "-"}, "cannot both be standard input"},
		{[]string{"serve", "--echo"}, "--listen ADDR is required"},
		{[]string{"request"}, "want exactly one URL"},
		{[]string{"request", "--repeat", "0", "http://x/"}, "--repeat 0: want 1 or more"},
		{[]string{"request", "--timeout", "-5s", "http://x/"}, "--timeout -5s: want 0 or more"},
		{[]string{"request", "--timeout", "soon", "http://x/"}, `invalid argument "soon" for "--timeout" flag`},
		{[]string{"request", "--timeout", "500", "http://x/"}, `invalid argument "500" for "--timeout" flag`},
		{[]string{"request", "-H", "bad header", "http://x/"}, `-H "bad header": want 'Name: value'`},
		{[]string{"request", "notaurl"}, "notaurl"},
		{[]string{"replay", "../../fixtures/captures/keepalive.pcap", "--target", "notaurl"}, `--target "notaurl": want an http:// URL`},
		{[]string{"replay", "../../fixtures/captures/keepalive.pcap", "--target", "http://x", "--timeout", "0s"}, "--timeout 0s: want a positive duration"},
		{[]string{"serve", "--listen", "nohost", "--echo"}, `--listen "nohost": want HOST:PORT`},
		// A sweep of no seed would pass by doing nothing; one too long to run fills memory with seeds.
		{[]string{"sweep", "--seeds", "1-1", "--shard", "1/2"}, `--shard "1/2": selects no seed of 1-1`},
		{[]string{"sweep", "--seeds", "1-3", "--shard", "5/8", "--jobs", "4"}, `--shard "5/8": selects no seed of 1-3`},
		{[]string{"sweep", "--seeds", "0-18446744073709551615"}, `--seeds "0-18446744073709551615": more than 10000000 seeds`},
		{[]string{"sweep", "--seeds", "1-100000000", "--shard", "1/2"}, `--shard "1/2": holds more than 10000000 seeds`},
	}
	for _, c := range cases {
		var out, errOut bytes.Buffer
		if code := run(c.args, &out, &errOut); code != 2 {
			t.Errorf("%q: exit %d, want 2 (stderr %q)", c.args, code, errOut.String())
		}
		if !strings.Contains(errOut.String(), c.want) {
			t.Errorf("%q: stderr %q does not say %q", c.args, errOut.String(), c.want)
		}
		for _, internal := range []string{"Options.", "features: ", ": replay: ", "pflag"} {
			if strings.Contains(errOut.String(), internal) {
				t.Errorf("%q: stderr %q shows the internal name %q", c.args, errOut.String(), internal)
			}
		}
	}
}

func TestBadInputFilesExitTwo(t *testing.T) {
	bad := writeFeature(t, "Feature: f\n  Scenario: s\n    Given nothing this vocabulary knows\n")
	empty := t.TempDir()
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"inspect", "main.go"}, "main.go: "},
		{[]string{"run", bad}, bad + ":3: "},
		{[]string{"run", empty}, "nothing to run: the paths given hold no .feature file"},
		{[]string{"sweep", "client/orders.feature", "--seeds", "1-3"}, "nothing to run: no selected scenario is tagged @sweep"},
		{[]string{"record", "--out", filepath.Join(empty, "x.pcap"), empty}, "nothing to run"},
	}
	for _, c := range cases {
		var out, errOut bytes.Buffer
		if code := run(c.args, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), c.want) {
			t.Errorf("%q: exit %d (want 2), stderr %q (want %q)", c.args, code, errOut.String(), c.want)
		}
	}
}

func TestExitStatusThreeWhenItCannotRun(t *testing.T) {
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	// A capture cannot be written into a directory that does not exist.
	code := run([]string{"record", "--out", filepath.Join(dir, "missing", "x.pcap"), "client/orders.feature"}, &out, &errOut)
	if code != 3 || !strings.Contains(errOut.String(), "missing") {
		t.Errorf("record into a missing directory: exit %d, stderr %q", code, errOut.String())
	}
	errOut.Reset()
	// Port 1 on loopback refuses: nothing listens there.
	code = run([]string{"request", "http://127.0.0.1:1/"}, &out, &errOut)
	if code != 3 || !strings.Contains(errOut.String(), "ECONNREFUSED") {
		t.Errorf("request to a closed port: exit %d, stderr %q", code, errOut.String())
	}
	errOut.Reset()
	code = run([]string{"replay", "../../fixtures/captures/keepalive.pcap", "--target", "http://127.0.0.1:1", "--speed", "max"}, &out, &errOut)
	if code != 3 || !strings.Contains(errOut.String(), "could not reach http://127.0.0.1:1") {
		t.Errorf("replay to a closed port: exit %d, stderr %q", code, errOut.String())
	}
}

func TestDashIsStandardInputAndOutput(t *testing.T) {
	var capture, errOut bytes.Buffer
	if code := run([]string{"record", "--out", "-", "client/orders.feature"}, &capture, &errOut); code != 0 || capture.Len() == 0 {
		t.Fatalf("record --out -: exit %d, %d bytes, stderr %q", code, capture.Len(), errOut.String())
	}
	if !strings.Contains(errOut.String(), "to standard output") {
		t.Errorf("record's summary line: %q", errOut.String())
	}
	var out bytes.Buffer
	if code := runIO([]string{"inspect", "-", "--json"}, &capture, &out, &errOut); code != 0 || !strings.Contains(out.String(), `"connections"`) {
		t.Errorf("inspect -: exit %d, stdout %q, stderr %q", code, out.String(), errOut.String())
	}
	if _, err := os.Stat("-"); err == nil {
		t.Error("record --out - made a file named -")
	}
}

func TestRunReadsAFeatureFromStandardInput(t *testing.T) {
	var out, errOut bytes.Buffer
	code := runIO([]string{"run", "-", "--format", "progress"}, strings.NewReader(failingFeature), &out, &errOut)
	if code != 1 || !strings.Contains(out.String(), "simhttp trace -:3 --seed 1") {
		t.Errorf("run -: exit %d, stdout %q, stderr %q", code, out.String(), errOut.String())
	}
}

func TestProgressStaysOffWhenStandardErrorIsNotATerminal(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"record", "--out", "-", "--repeat", "3", "client/orders.feature"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if strings.ContainsAny(errOut.String(), "\r\x1b") || strings.Count(errOut.String(), "\n") != 1 || !strings.Contains(errOut.String(), "of 3 runs to standard output") {
		t.Errorf("standard error %q; want only the summary line", errOut.String())
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

func writeFeature(t *testing.T, text string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "f.feature")
	if err := os.WriteFile(f, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}
