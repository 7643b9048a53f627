package proxy_test

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/simhttp/simhttp/internal/tsharktest"
	"github.com/simhttp/simhttp/proxy"
	"github.com/simhttp/simhttp/record"
)

// Wireshark's own dissectors read the proxy's pcapng: no checksum or TCP
// analysis problem, each request on both legs, and the reset the proxy
// injected. TestRecordWritesBothLegsWithTheInjectedReset proves the same
// without tshark.
func TestTsharkFollowsBothLegs(t *testing.T) {
	tshark := tsharktest.Need(t, "the proxy's capture", "TestRecordWritesBothLegsWithTheInjectedReset (with gopacket)")
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
	// Both legs' server ports are named HTTP: tshark tries a connection's
	// server port first, but when that port has no dissector it tries the
	// other, and an ephemeral port can be one tshark gives another
	// protocol (44818 is EtherNet/IP): that leg would not be read as HTTP.
	args := []string{"-o", "tcp.check_checksum:TRUE"}
	for _, addr := range []string{upstream, p.Addr()} {
		_, port, err := net.SplitHostPort(addr)
		if err != nil {
			t.Fatal(err)
		}
		args = append(args, "-d", "tcp.port=="+port+",http")
	}
	rows := tsharktest.Fields(t, tshark, file, args,
		"http.request.uri", "tcp.flags.reset", "_ws.expert.message")
	requests, resets := 0, 0
	for _, f := range rows {
		if f[0] != "" {
			requests++
		}
		if len(f) > 1 && (f[1] == "1" || f[1] == "True") {
			resets++
		}
		if len(f) > 2 && strings.Contains(strings.ToLower(f[2]), "checksum") {
			t.Errorf("tshark complains: %q", f)
		}
	}
	// The fault resets both legs of the first connection; closing the
	// proxy may reset the second's too, if the client has not closed it yet.
	if requests != 6 || resets < 2 {
		t.Errorf("tshark saw %d requests and %d resets, want each of 3 requests on both legs and the reset on both legs:\n%q", requests, resets, rows)
	}
}
