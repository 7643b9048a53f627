package proxy_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/simhttp/simhttp/proxy"
	"github.com/simhttp/simhttp/record"
)

// Wireshark's own dissectors read the proxy's pcapng: no checksum or TCP
// analysis problem, each request on both legs, and the reset the proxy
// injected. TestRecordWritesBothLegsWithTheInjectedReset proves the same
// without tshark.
func TestTsharkFollowsBothLegs(t *testing.T) {
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		t.Skip("!!! tshark not installed: the proxy's capture is NOT checked by Wireshark's dissectors; TestRecordWritesBothLegsWithTheInjectedReset checks it with gopacket")
	}
	upstream := goServer(t)
	var capture bytes.Buffer
	p, err := proxy.Start(proxy.Options{Upstream: upstream, Record: &capture, RecordFormat: record.PCAPNG,
		Rules: mustRules(t, `[{"what":"reset","request":2,"after":"response headers"}]`)})
	if err != nil {
		t.Fatal(err)
	}
	get(t, p.Addr(), 3)
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "proxy.pcapng")
	if err := os.WriteFile(file, capture.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tshark, "-n", "-r", file, "-o", "tcp.check_checksum:TRUE",
		"-T", "fields", "-e", "http.request.uri", "-e", "tcp.flags.reset", "-e", "_ws.expert.message").Output()
	if err != nil {
		t.Fatalf("tshark: %v", err)
	}
	requests, resets := 0, 0
	for _, line := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
		f := strings.Split(line, "\t")
		if f[0] != "" {
			requests++
		}
		if len(f) > 1 && (f[1] == "1" || f[1] == "True") {
			resets++
		}
		if len(f) > 2 && strings.Contains(strings.ToLower(f[2]), "checksum") {
			t.Errorf("tshark complains: %s", line)
		}
	}
	// The fault resets both legs of the first connection; closing the
	// proxy may reset the second's too, if the client has not closed it yet.
	if requests != 6 || resets < 2 {
		t.Errorf("tshark saw %d requests and %d resets, want each of 3 requests on both legs and the reset on both legs:\n%s", requests, resets, out)
	}
}
