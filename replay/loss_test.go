package replay

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/simhttp/simhttp/internal/tsharktest"
)

// inspectFixture inspects one capture of fixtures/captures.
func inspectFixture(t *testing.T, name string) *Report {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(fixtureDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return inspectBytes(t, data)
}

// On a capture that lost responses, every exchange is paired as in the
// complete capture it was cut from, the lost responses are marked lost and
// no more, and the exchanges after them count as recovered.
func TestLossyCapturesPairAsTheCompleteOnes(t *testing.T) {
	lossy, _ := filepath.Glob(filepath.Join(fixtureDir, "*-loss.pcap"))
	if len(lossy) == 0 {
		t.Fatal("no *-loss.pcap captures")
	}
	for _, path := range lossy {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			full := inspectFixture(t, strings.TrimSuffix(name, "-loss.pcap")+".pcap")
			cut := inspectFixture(t, name)
			if len(full.Connections) != len(cut.Connections) {
				t.Fatalf("%d connections, the complete capture has %d", len(cut.Connections), len(full.Connections))
			}
			lost, recovered := 0, 0
			for i, fc := range full.Connections {
				cc := cut.Connections[i]
				if len(fc.Exchanges) != len(cc.Exchanges) {
					t.Fatalf("connection %d: %d exchanges, the complete capture has %d", i+1, len(cc.Exchanges), len(fc.Exchanges))
				}
				recovered += cc.Recovered
				for j, fe := range fc.Exchanges {
					ce := cc.Exchanges[j]
					if ce.Method != fe.Method || ce.URL != fe.URL {
						t.Errorf("connection %d exchange %d: %s %s, the complete capture has %s %s", i+1, j+1, ce.Method, ce.URL, fe.Method, fe.URL)
					}
					if ce.ResponseLost {
						lost++
						continue
					}
					if ce.Status != fe.Status || ce.ResponseBodyBytes != fe.ResponseBodyBytes {
						t.Errorf("connection %d exchange %d %s %s: %d with %d body bytes, the complete capture has %d with %d",
							i+1, j+1, ce.Method, ce.URL, ce.Status, ce.ResponseBodyBytes, fe.Status, fe.ResponseBodyBytes)
					}
				}
			}
			if lost == 0 || recovered == 0 {
				t.Errorf("%d responses lost and %d exchanges recovered; the capture was made to lose some", lost, recovered)
			}
			if want := droppedResponses(t, name); lost != want {
				t.Errorf("%d responses marked lost, %d were dropped", lost, want)
			}
		})
	}
}

// droppedResponses is how many responses make-loss.sh dropped for a lossy
// capture: the complete capture's tshark responses less the lossy one's.
func droppedResponses(t *testing.T, lossy string) int {
	full := tsharkRows(t, strings.TrimSuffix(lossy, "-loss.pcap")+".tshark.tsv")
	cut := tsharkRows(t, strings.TrimSuffix(lossy, ".pcap")+".tshark.tsv")
	count := func(rows []tsharkRow) int {
		n := 0
		for _, r := range rows {
			if r.status != "" {
				n++
			}
		}
		return n
	}
	return count(full) - count(cut)
}

// tsharkRow is one HTTP message tshark found: a request's method and URI,
// or a response's status.
type tsharkRow struct {
	frame, method, uri, status, requestIn string
}

func tsharkRows(t *testing.T, name string) []tsharkRow {
	t.Helper()
	f, err := os.Open(filepath.Join(fixtureDir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []tsharkRow
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		c := strings.Split(sc.Text(), "\t")
		if len(c) != 5 {
			t.Fatalf("%s: %q is not 5 tab-separated fields", name, sc.Text())
		}
		rows = append(rows, tsharkRow{c[0], c[1], c[2], c[3], c[4]})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

// Every request and every response tshark finds in a capture is found,
// and each response tshark pairs with a request is paired with it: compared
// as multisets of "METHOD URI", "STATUS" and "METHOD URI -> STATUS", since
// tshark numbers a message by its last frame and we by its first.
func TestEveryExchangeTsharkFindsIsFound(t *testing.T) {
	names, _ := filepath.Glob(filepath.Join(fixtureDir, "*.tshark.tsv"))
	if len(names) == 0 {
		t.Fatal("no .tshark.tsv files")
	}
	for _, path := range names {
		tsv := filepath.Base(path)
		capture := strings.TrimSuffix(tsv, ".tshark.tsv") + ".pcap"
		t.Run(capture, func(t *testing.T) {
			rows := tsharkRows(t, tsv)
			byFrame := map[string]tsharkRow{}
			var theirs []string
			for _, r := range rows {
				byFrame[r.frame] = r
			}
			for _, r := range rows {
				switch {
				case r.method == "" && r.status == "":
					// A frame tshark calls HTTP without reading a message in it.
				case r.method != "":
					theirs = append(theirs, r.method+" "+r.uri)
				case r.requestIn != "":
					q := byFrame[r.requestIn]
					theirs = append(theirs, r.status, q.method+" "+q.uri+" -> "+r.status)
				default:
					theirs = append(theirs, r.status)
				}
			}
			var ours []string
			for _, c := range inspectFixture(t, capture).Connections {
				for _, e := range c.Exchanges {
					if e.Method != "" {
						ours = append(ours, e.Method+" "+e.URL)
					}
					for _, s := range e.Informational {
						ours = append(ours, fmt.Sprint(s), fmt.Sprintf("%s %s -> %d", e.Method, e.URL, s))
					}
					if e.Status != 0 {
						ours = append(ours, fmt.Sprint(e.Status))
						if e.Method != "" {
							ours = append(ours, fmt.Sprintf("%s %s -> %d", e.Method, e.URL, e.Status))
						}
					}
				}
			}
			if missing := subtract(theirs, ours); len(missing) > 0 {
				t.Errorf("tshark finds what we do not: %q", missing)
			}
		})
	}
}

// subtract returns the elements of a (a multiset) not matched in b.
func subtract(a, b []string) []string {
	left := map[string]int{}
	for _, s := range b {
		left[s]++
	}
	var out []string
	for _, s := range a {
		if left[s] > 0 {
			left[s]--
			continue
		}
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// The recorded tshark output stands in for tshark at test time; where tshark
// is installed, it must still say the same.
func TestTsharkRecordingsAreCurrent(t *testing.T) {
	tshark := tsharktest.Need(t, "the recorded fixtures/captures/*.tshark.tsv", "TestEveryExchangeTsharkFindsIsFound, which compares with them")
	if testing.Short() {
		t.Skip("SKIP in -short: tshark takes about a second a capture; TestEveryExchangeTsharkFindsIsFound still compares with the recordings")
	}
	names, _ := filepath.Glob(filepath.Join(fixtureDir, "*.tshark.tsv"))
	for _, path := range names {
		t.Run(filepath.Base(path), func(t *testing.T) {
			t.Parallel()
			checkTsharkRecording(t, tshark, path)
		})
	}
}

func checkTsharkRecording(t *testing.T, tshark, path string) {
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	capture := strings.TrimSuffix(path, ".tshark.tsv") + ".pcap"
	got := tsharktest.Run(t, tshark, capture, "-Y", "http", "-T", "fields", "-E", "separator=/t",
		"-e", "frame.number", "-e", "http.request.method", "-e", "http.request.uri", "-e", "http.response.code", "-e", "http.request_in")
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("tshark now says (-recorded +tshark):\n%s", diff)
	}
}

// Where every packet was cut to 96 bytes, the exchanges are still there,
// and the bodies the capture did not keep are counted as missing.
func TestSnapLengthCapturesKeepTheirExchanges(t *testing.T) {
	snaps, _ := filepath.Glob(filepath.Join(fixtureDir, "*-snap.pcap"))
	if len(snaps) == 0 {
		t.Fatal("no *-snap.pcap captures")
	}
	for _, path := range snaps {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			full := inspectFixture(t, strings.TrimSuffix(name, "-snap.pcap")+".pcap")
			cut := inspectFixture(t, name)
			var want, got []string
			missing := int64(0)
			for _, c := range full.Connections {
				for _, e := range c.Exchanges {
					want = append(want, fmt.Sprintf("%s %s %d", e.Method, e.URL, e.Status))
				}
			}
			for _, c := range cut.Connections {
				for _, e := range c.Exchanges {
					got = append(got, fmt.Sprintf("%s %s %d", e.Method, e.URL, e.Status))
					missing += e.RequestMissingBytes + e.ResponseMissingBytes
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("exchanges (-complete capture +snap-length capture):\n%s", diff)
			}
			if missing == 0 {
				t.Error("no bytes counted missing in a capture that cut every packet")
			}
		})
	}
}

// pairings renders each exchange as "METHOD URL -> STATUS (confidence)",
// with "lost" for a lost request or response.
func pairings(r *Report) []string {
	var out []string
	for _, c := range r.Connections {
		for _, e := range c.Exchanges {
			req, res := e.Method+" "+e.URL, fmt.Sprint(e.Status)
			if e.RequestLost {
				req = "lost"
			}
			if e.ResponseLost {
				res = "lost"
			}
			out = append(out, fmt.Sprintf("%s -> %s (%s)", req, res, e.Confidence))
		}
	}
	return out
}

func TestRecoveryAfterLoss(t *testing.T) {
	const (
		headBig = "HEAD /big HTTP/1.1\r\nHost: x\r\n\r\n"
		okBig   = "HTTP/1.1 200 OK\r\nContent-Length: 524288\r\n\r\n"
	)
	c := func() *conv { return newConv("10.0.0.1:40000", "10.0.0.2:80").handshake() }
	tests := []struct {
		name string
		pkts []tpkt
		want []string
	}{
		{
			name: "one request at a time: the response after the hole answers the last request sent",
			pkts: without(c().send(getA).reply(okHello).ackC().send(headBig).reply(okBig).ackC().send(getB).reply(okB).close().pkts, okHello),
			want: []string{"GET /a -> lost ()", "HEAD /big -> 200 (high)", "GET /b -> 200 (high)"},
		},
		{
			name: "pipelined: the HEAD's bodiless response is the reading that parses",
			pkts: without(c().send(getA+headBig+getB).reply(okHello).reply(okBig).reply(okB).ackC().close().pkts, okHello),
			want: []string{"GET /a -> lost ()", "HEAD /big -> 200 (medium)", "GET /b -> 200 (medium)"},
		},
		{
			name: "pipelined, two responses in the hole",
			pkts: without(c().send(getA+getA+headBig+getB).reply(okHello+okHello).reply(okBig).reply(okB).ackC().close().pkts, okHello+okHello),
			want: []string{"GET /a -> lost ()", "GET /a -> lost ()", "HEAD /big -> 200 (medium)", "GET /b -> 200 (medium)"},
		},
		{
			name: "a lost request: its response came before the next request was sent",
			pkts: without(c().send(getA).reply(okHello).ackC().send(getB).reply(okB).close().pkts, getA),
			want: []string{"lost -> 200 (medium)", "GET /b -> 200 (medium)"},
		},
		{
			name: "no loss: every pairing is certain",
			pkts: c().send(getA).reply(okHello).send(headBig).reply(okBig).send(getB).reply(okB).close().pkts,
			want: []string{"GET /a -> 200 (high)", "HEAD /big -> 200 (high)", "GET /b -> 200 (high)"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := inspectBytes(t, pcapOf(t, tt.pkts))
			if diff := cmp.Diff(tt.want, pairings(r)); diff != "" {
				t.Errorf("pairings (-want +got):\n%s\n%q", diff, summary(r))
			}
		})
	}
}
