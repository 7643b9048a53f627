package main

import (
	"encoding/json"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/simhttp/simhttp/replay"
)

// TestRecordWritesACaptureInspectReadsBack records the bundled scenarios and
// reads the file back with inspect: every connection has its exchanges.
func TestRecordWritesACaptureInspectReadsBack(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run.pcapng")
	var stdout, stderr strings.Builder
	if code := run([]string{"record", "--out", out, "--seed", "7"}, &stdout, &stderr); code != 0 {
		t.Fatalf("record: exit %d: %s", code, stderr.String())
	}
	stdout.Reset()
	if code := run([]string{"inspect", out, "--json"}, &stdout, &stderr); code != 0 {
		t.Fatalf("inspect: exit %d: %s", code, stderr.String())
	}
	var rep struct {
		Packets     int `json:"packets"`
		Connections []struct {
			Exchanges []struct {
				Status int `json:"status"`
			} `json:"exchanges"`
		} `json:"connections"`
	}
	if err := json.Unmarshal([]byte(stdout.String()), &rep); err != nil {
		t.Fatal(err)
	}
	exchanges := 0
	for _, c := range rep.Connections {
		exchanges += len(c.Exchanges)
	}
	if rep.Packets == 0 || len(rep.Connections) < 20 || exchanges < 20 {
		t.Errorf("the recorded capture holds %d packets, %d connections, %d exchanges", rep.Packets, len(rep.Connections), exchanges)
	}
}

// TestReplayAgainstItsOwnMockFindsNoDifference serves a real capture as a
// mock on a loopback port and replays the same capture against it.
func TestReplayAgainstItsOwnMockFindsNoDifference(t *testing.T) {
	junit := filepath.Join(t.TempDir(), "replay.xml")
	code, stdout, stderr := replayAgainstMock(t, "../../fixtures/captures/keepalive.pcap", "", "--junit", junit)
	if code != 0 || !strings.Contains(stdout, "3 exchanges: 3 ok, 0 differed") {
		t.Fatalf("replay: exit %d\n%s%s", code, stdout, stderr)
	}
	xml, err := os.ReadFile(junit)
	if err != nil || !strings.Contains(string(xml), `tests="3" failures="0"`) {
		t.Errorf("JUnit report: %v\n%s", err, xml)
	}
}

// replayAgainstMock serves capture (decrypted with keylog, if not empty) as
// a mock on a loopback port and runs `simhttp replay` of the same capture
// against it with args added, returning its exit code and output.
func replayAgainstMock(t *testing.T, capture, keylog string, args ...string) (int, string, string) {
	t.Helper()
	c, err := (&env{stderr: io.Discard}).readCapture(capture, keylog)
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan os.Signal, 1)
	addrs := make(chan netip.AddrPort, 1)
	done := make(chan error, 1)
	go func() {
		done <- serve("127.0.0.1", 0, replay.NewMock(c, replay.MockOptions{}).Handler(), io.Discard, stop, func(a netip.AddrPort) { addrs <- a })
	}()
	addr := <-addrs
	if keylog != "" {
		args = append(args, "--keylog", keylog)
	}
	var stdout, stderr strings.Builder
	code := run(append([]string{"replay", capture, "--target", "http://" + addr.String(), "--speed", "max"}, args...), &stdout, &stderr)
	stop <- os.Interrupt
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	return code, stdout.String(), stderr.String()
}

func TestCaptureCommandsRejectBadInput(t *testing.T) {
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"record"}, 2, "--out FILE is required"},
		{[]string{"record", "--out", "x.pcap", "--format", "nope"}, 2, `--format "nope": want pcap or pcapng`},
		{[]string{"record", "--out", "x.pcap", "--repeat", "0"}, 2, "--repeat 0: want 1 or more"},
		{[]string{"replay", "a.pcap"}, 2, "--target URL is required"},
		{[]string{"replay", "a.pcap", "--target", "http://x", "--speed", "fast"}, 2, `--speed "fast"`},
		{[]string{"replay", "main.go", "--target", "http://127.0.0.1:1"}, 2, "main.go: "},
		{[]string{"serve", "--listen", "127.0.0.1:0", "--echo", "--mock", "a.pcap"}, 2, "--echo or --mock CAPTURE"},
		{[]string{"serve", "--listen", "127.0.0.1:0", "--mock", "no-such.pcap"}, 2, "no-such.pcap: no such file"},
	}
	for _, c := range cases {
		var stdout, stderr strings.Builder
		if code := run(c.args, &stdout, &stderr); code != c.code || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%q: exit %d (want %d), stderr %q (want %q)", c.args, code, c.code, stderr.String(), c.want)
		}
	}
}
