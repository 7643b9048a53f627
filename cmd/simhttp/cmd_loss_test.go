package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// inspect lists the problems of a capture and exits 0; --strict makes any
// problem exit 1, and --help says so.
func TestInspectExitsOneOnProblemsOnlyWhenStrict(t *testing.T) {
	cases := []struct {
		capture string
		args    []string
		code    int
	}{
		{"node-curl-loss.pcap", nil, 0},
		{"node-curl-loss.pcap", []string{"--strict"}, 1},
		{"node-curl-loss.pcap", []string{"--strict", "--json"}, 1},
		{"keepalive.pcap", []string{"--strict"}, 0},
	}
	for _, tc := range cases {
		var stdout, stderr strings.Builder
		args := append([]string{"inspect", "../../fixtures/captures/" + tc.capture}, tc.args...)
		if code := run(args, &stdout, &stderr); code != tc.code {
			t.Errorf("%v: exit %d, want %d\n%s", args, code, tc.code, stderr.String())
		}
		if tc.code == 0 {
			continue
		}
		if !strings.Contains(stderr.String(), "--strict: the capture shows") {
			t.Errorf("%v: the error does not say why it failed: %q", args, stderr.String())
		}
		if !strings.Contains(stdout.String(), "response lost") && !strings.Contains(stdout.String(), `"responseLost":true`) {
			t.Errorf("%v: the report does not show the lost response:\n%s", args, stdout.String())
		}
	}
	var help, stderr strings.Builder
	run([]string{"inspect", "--help"}, &help, &stderr)
	if !strings.Contains(help.String(), "--strict") || !strings.Contains(help.String(), "exits 1") {
		t.Errorf("inspect --help does not explain --strict and its exit status:\n%s", help.String())
	}
}

// A replay against a mock of the same capture, which sends a fresh Date,
// passes by default and says Date was ignored; with --strict it differs on
// Date.
func TestReplayIgnoresDateUnlessStrict(t *testing.T) {
	code, stdout, stderr := replayAgainstMock(t, "../../fixtures/captures/keepalive.pcap", "")
	if code != 0 || !strings.Contains(stdout, "ignored as volatile (--strict compares them): date (differed in 3 exchanges)") {
		t.Errorf("replay: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, stderr = replayAgainstMock(t, "../../fixtures/captures/keepalive.pcap", "", "--strict")
	if code != 1 || !strings.Contains(stdout, `"date"`) || strings.Contains(stdout, "ignored as volatile") {
		t.Errorf("replay --strict: exit %d\n%s%s", code, stdout, stderr)
	}
}

// Volatile header names come from ./.simhttp-volatile, or the file
// --volatile names; a name that is not one is bad input naming the line.
func TestReplayReadsVolatileHeadersFromAFile(t *testing.T) {
	capture, err := filepath.Abs("../../fixtures/captures/keepalive.pcap")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	t.Chdir(dir)
	if err := os.WriteFile(defaultVolatileFile, []byte("# changes per deploy\nX-Powered-By\n\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := replayAgainstMock(t, capture, "")
	if code != 0 || !strings.Contains(stdout, "date (differed in 3 exchanges), x-powered-by (differed in 0 exchanges)") {
		t.Errorf("replay with %s: exit %d\n%s%s", defaultVolatileFile, code, stdout, stderr)
	}
	bad := filepath.Join(dir, "bad")
	if err := os.WriteFile(bad, []byte("Date\nnot a header\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = replayAgainstMock(t, capture, "", "--volatile", bad)
	if code != 2 || !strings.Contains(stderr, bad+`:2: "not a header" is not a header name`) {
		t.Errorf("replay --volatile %s: exit %d\n%s%s", bad, code, stdout, stderr)
	}
	code, _, stderr = replayAgainstMock(t, capture, "", "--volatile", bad, "--strict")
	if code != 2 || !strings.Contains(stderr, "--strict compares every header") {
		t.Errorf("replay --volatile with --strict: exit %d\n%s", code, stderr)
	}
}

func TestServeVerbatimNeedsAMock(t *testing.T) {
	var stdout, stderr strings.Builder
	if code := run([]string{"serve", "--listen", "127.0.0.1:0", "--echo", "--verbatim"}, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "--verbatim") {
		t.Errorf("exit %d: %s", code, stderr.String())
	}
}
