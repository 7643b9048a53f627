package features

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/simhttp/simhttp/internal/tsharktest"
	"github.com/simhttp/simhttp/record"
	"github.com/simhttp/simhttp/replay"
	"github.com/simhttp/simhttp/simnet"
)

// recordedFeatures carry well-formed HTTP only (no raw sockets, no invalid
// heads, no CONNECT), so the servers' and clients' own records of what they
// exchanged are the whole truth of the traffic, and tshark, replay and the
// scenarios can be held to exactly the same requests.
var recordedFeatures = []string{
	"agent/pooling.feature",
	"agent/reused_socket.feature",
	"client/timeouts.feature",
	"faults/network.feature",
}

// truth is what the scenarios' own objects say was exchanged.
type truth struct {
	requests []string // "METHOD URL" of every request the client wrote whole to its socket
	statuses []string // status of every response a client received
}

func (tr *truth) collect(w *world) {
	type sent struct {
		from      netip.AddrPort
		method, u string
	}
	read := map[sent]bool{}
	for _, s := range w.servers {
		for _, r := range s.received {
			read[sent{r.Socket().RemoteAddr(), r.Method, r.URL}] = true
			tr.requests = append(tr.requests, r.Method+" "+r.URL)
		}
	}
	// A request written into a reused connection the server had just reset
	// is on the wire though no server read it.
	for _, r := range w.client.requests {
		if r.req == nil || r.req.Socket() == nil || !r.req.ReusedSocket() || simnet.CodeOf(r.err) != "ECONNRESET" {
			continue
		}
		if !read[sent{r.req.Socket().LocalAddr(), r.req.Method(), r.req.Path()}] {
			tr.requests = append(tr.requests, r.req.Method()+" "+r.req.Path())
		}
	}
	for _, r := range w.client.requests {
		if r.req != nil && r.req.Res() != nil {
			tr.statuses = append(tr.statuses, fmt.Sprint(r.req.Res().StatusCode))
		}
	}
}

// recordFeatures records the features into a pcapng file in a temporary
// directory and returns its path, its bytes and the scenarios' truth.
func recordFeatures(t *testing.T, paths []string, seed uint64) (string, []byte, *truth) {
	t.Helper()
	var buf bytes.Buffer
	tr := &truth{}
	n, err := recordScenarios(RecordOptions{Paths: paths, Seed: seed, Out: &buf, Format: record.PCAPNG}, tr.collect)
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("no packets recorded")
	}
	path := filepath.Join(t.TempDir(), "scenarios.pcapng")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, buf.Bytes(), tr
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// exchangesOf lists the requests and response statuses replay reads.
func exchangesOf(c *replay.Capture) (requests, statuses []string) {
	for _, cn := range c.Connections {
		for _, ex := range cn.Exchanges {
			if ex.Request != nil {
				requests = append(requests, ex.Request.Head.Method+" "+ex.Request.Head.URL)
			}
			if ex.Response != nil {
				statuses = append(statuses, fmt.Sprint(ex.Response.Head.StatusCode))
			}
		}
	}
	return requests, statuses
}

func TestRecordedScenariosReadBackAsTheirExchanges(t *testing.T) {
	_, file, tr := recordFeatures(t, recordedFeatures, 1)
	if !bytes.Contains(file, []byte("simhttp seed=1 features="+strings.Join(recordedFeatures, ","))) {
		t.Error("the pcapng section has no simhttp comment")
	}
	c, err := replay.ReadCapture(bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Problems) > 0 {
		t.Errorf("capture problems: %v", c.Problems)
	}
	requests, statuses := exchangesOf(c)
	if len(requests) < 30 {
		t.Fatalf("only %d requests recorded", len(requests))
	}
	if diff := cmp.Diff(sorted(tr.requests), sorted(requests)); diff != "" {
		t.Errorf("requests (-scenarios +capture):\n%s", diff)
	}
	if diff := cmp.Diff(sorted(tr.statuses), sorted(statuses)); diff != "" {
		t.Errorf("response statuses (-scenarios +capture):\n%s", diff)
	}
	// Connections of different scenarios never share a stream.
	seen := map[string]bool{}
	for _, cn := range c.Connections {
		key := cn.Client.String() + ">" + cn.Server.String()
		if seen[key] {
			t.Errorf("two connections %s", key)
		}
		seen[key] = true
	}
}

// Wireshark follows every stream of the recorded scenarios and finds the
// same requests; every response it dissects is one replay read too (it
// leaves out responses cut short by the faults, which replay keeps).
func TestTsharkFollowsTheRecordedScenarios(t *testing.T) {
	tshark := tsharktest.Need(t, "the recorded scenarios' capture", "TestRecordedScenariosReadBackAsTheirExchanges (through replay)")
	path, file, _ := recordFeatures(t, recordedFeatures, 1)
	c, err := replay.ReadCapture(bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	requests, statuses := exchangesOf(c)

	streams := map[string]bool{}
	for _, row := range tsharktest.Fields(t, tshark, path, []string{"-Y", "tcp"}, "tcp.stream") {
		streams[row[0]] = true
	}
	if len(streams) != len(c.Connections) {
		t.Errorf("tshark follows %d TCP streams, replay reads %d connections", len(streams), len(c.Connections))
	}

	// A frame carrying several requests lists their fields joined by commas.
	var tsReq []string
	for _, row := range tsharktest.Fields(t, tshark, path, []string{"-Y", "http.request"}, "http.request.method", "http.request.uri") {
		methods, uris := strings.Split(row[0], ","), strings.Split(row[1], ",")
		for i := range methods {
			tsReq = append(tsReq, methods[i]+" "+uris[i])
		}
	}
	if diff := cmp.Diff(sorted(requests), sorted(tsReq)); diff != "" {
		t.Errorf("requests (-replay +tshark):\n%s", diff)
	}
	left := sorted(statuses)
	for _, row := range tsharktest.Fields(t, tshark, path, []string{"-Y", "http.response"}, "http.response.code") {
		for _, code := range strings.Split(row[0], ",") {
			i := slices.Index(left, code)
			if i < 0 {
				t.Errorf("tshark shows a %s response replay did not read", code)
				continue
			}
			left = slices.Delete(left, i, i+1)
		}
	}
	if len(left) == len(statuses) {
		t.Error("tshark dissected no response")
	}
}

// The same seed records the same bytes; Repeat runs the scenarios again
// with the next seeds, end to end in the same file.
func TestRecordIsReproducibleAndRepeats(t *testing.T) {
	one := []string{"agent/reused_socket.feature"}
	record1 := func(seed uint64, repeat int) ([]byte, int) {
		var buf bytes.Buffer
		n, err := Record(RecordOptions{Paths: one, Seed: seed, Out: &buf, Repeat: repeat})
		if err != nil {
			t.Fatal(err)
		}
		return buf.Bytes(), n
	}
	a, n1 := record1(5, 0)
	b, _ := record1(5, 0)
	if !bytes.Equal(a, b) {
		t.Error("two recordings with one seed differ")
	}
	_, n2 := record1(6, 0)
	both, n := record1(5, 2)
	if n != n1+n2 {
		t.Errorf("Repeat 2 from seed 5 wrote %d packets; seeds 5 and 6 alone wrote %d and %d", n, n1, n2)
	}
	c, err := replay.ReadCapture(bytes.NewReader(both))
	if err != nil {
		t.Fatal(err)
	}
	if c.Packets != n {
		t.Errorf("the file holds %d packets, Record said %d", c.Packets, n)
	}
}

func TestRecordRefusesBadOptions(t *testing.T) {
	var buf bytes.Buffer
	tests := []struct {
		name string
		opts RecordOptions
	}{
		{"no writer", RecordOptions{}},
		{"negative repeat", RecordOptions{Out: &buf, Repeat: -1}},
		{"unknown format", RecordOptions{Out: &buf, Format: record.Format(9)}},
		{"missing file", RecordOptions{Out: &buf, Paths: []string{"no/such.feature"}}},
	}
	for _, tc := range tests {
		if _, err := Record(tc.opts); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	if _, err := Record(RecordOptions{Out: &buf, Format: record.Format(9)}); !errors.Is(err, record.ErrUnknownFormat) {
		t.Errorf("unknown format: %v", err)
	}
}
