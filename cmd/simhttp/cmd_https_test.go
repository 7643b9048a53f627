package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const httpsFixtures = "../../fixtures/captures/https/"

// TestHTTPSCaptureInspectedMockedAndReplayed: with --keylog an HTTPS capture
// is inspected, mocked and replayed as a plain one would be.
func TestHTTPSCaptureInspectedMockedAndReplayed(t *testing.T) {
	capture, keys := httpsFixtures+"tls13-aes128.pcap", httpsFixtures+"tls13-aes128.keys"
	var stdout, stderr strings.Builder
	if code := run([]string{"inspect", capture, "--keylog", keys}, &stdout, &stderr); code != 0 {
		t.Fatalf("inspect: exit %d: %s", code, stderr.String())
	}
	for _, want := range []string{"over TLS 1.3, TLS_AES_128_GCM_SHA256", "GET /a -> 200", "GET /big -> 200  bodies 0/100000 B"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("inspect output lacks %q:\n%s", want, stdout.String())
		}
	}
	code, out, errOut := replayAgainstMock(t, capture, keys)
	if code != 0 || !strings.Contains(out, "3 exchanges: 3 ok, 0 differed") {
		t.Fatalf("replay: exit %d\n%s%s", code, out, errOut)
	}
}

// TestInspectWritesHARThatReplayAndMockTake: inspect --har of an HTTPS
// capture, then the HAR as the source of a mock and of a replay.
func TestInspectWritesHARThatReplayAndMockTake(t *testing.T) {
	har := filepath.Join(t.TempDir(), "out.har")
	var stdout, stderr strings.Builder
	if code := run([]string{"inspect", httpsFixtures + "tls12-aes128.pcap", "--keylog", httpsFixtures + "tls12-aes128.keys", "--har", har}, &stdout, &stderr); code != 0 {
		t.Fatalf("inspect: exit %d: %s", code, stderr.String())
	}
	data, err := os.ReadFile(har)
	if err != nil || !strings.Contains(string(data), `"url": "https://127.0.0.1:18443/big"`) || !strings.Contains(stdout.String(), "GET /big -> 200") {
		t.Fatalf("HAR %v:\n%.400s\ninspect said:\n%s", err, data, stdout.String())
	}
	code, out, errOut := replayAgainstMock(t, har, "")
	if code != 0 || !strings.Contains(out, "3 exchanges: 3 ok, 0 differed") {
		t.Fatalf("replay: exit %d\n%s%s", code, out, errOut)
	}
}

func TestKeyLogFlagRejectsBadInput(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.keys")
	if err := os.WriteFile(bad, []byte("# comment\nCLIENT_RANDOM nothex 00\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	capture := httpsFixtures + "tls13-aes128.pcap"
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"inspect", capture, "--keylog", "no-such.keys"}, 2, "no-such.keys"},
		{[]string{"inspect", capture, "--keylog", bad}, 2, "bad.keys: key log line 2: client random \"nothex\" is not 32 bytes of hex"},
		{[]string{"replay", capture, "--keylog", bad, "--target", "http://127.0.0.1:1"}, 2, "key log line 2"},
		{[]string{"serve", "--listen", "127.0.0.1:0", "--echo", "--keylog", bad}, 2, "--keylog FILE decrypts the --mock CAPTURE"},
	}
	for _, c := range cases {
		var stdout, stderr strings.Builder
		if code := run(c.args, &stdout, &stderr); code != c.code || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%q: exit %d (want %d), stderr %q (want %q)", c.args, code, c.code, stderr.String(), c.want)
		}
	}
}
