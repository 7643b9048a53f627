package record

import (
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/simhttp/simhttp/internal/tsharktest"
	"github.com/simhttp/simhttp/simnet"
)

// The tshark tests let Wireshark's own dissectors judge the captures: they
// must check the checksums, find no TCP analysis problems, follow each stream
// to exactly the bytes sent, and see the HTTP exchanges. The pure-Go tests in
// recorder_test.go prove the same properties without tshark.

func needTshark(t *testing.T) string {
	t.Helper()
	return tsharktest.Need(t, "the sample capture", "the pure-Go tests of recorder_test.go")
}

// checking has tshark verify both checksums and read the sample's port
// 8080 as HTTP.
func checking(args ...string) []string {
	return append([]string{"-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE", "-d", "tcp.port==8080,http"}, args...)
}

func writeSample(t *testing.T, f Format) string {
	t.Helper()
	raw, _ := recordEvents(t, sampleStream(), Options{Format: f})
	path := filepath.Join(t.TempDir(), "sample."+f.String())
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// chunk is a run of bytes one side sent before the other side spoke.
type chunk struct {
	fromClient bool
	data       string
}

func appendChunk(cs []chunk, fromClient bool, data string) []chunk {
	if n := len(cs); n > 0 && cs[n-1].fromClient == fromClient {
		cs[n-1].data += data
		return cs
	}
	return append(cs, chunk{fromClient, data})
}

// wantStreams returns, per connection in order, its client address and
// the chunks sent; TCP streams are numbered in the same order.
func wantStreams(events []simnet.Event) (clients []string, streams [][]chunk) {
	index := map[int]int{}
	for _, ev := range packetEvents(events) {
		p := ev.Packet
		i, ok := index[p.Conn]
		if !ok {
			i = len(clients)
			index[p.Conn] = i
			clients = append(clients, p.Src.String())
			streams = append(streams, nil)
		}
		if len(p.Payload) > 0 {
			streams[i] = appendChunk(streams[i], p.Src.String() == clients[i], string(p.Payload))
		}
	}
	return clients, streams
}

// followed is one stream as "-z follow,tcp,raw,N" shows it.
type followed struct {
	node0  string
	chunks []chunk
}

// parseFollowRaw reads the output of one or more "-z follow,tcp,raw,N": per
// stream, a header naming the filter and the nodes, then a hex line per
// chunk, indented with a tab when the second node sent it.
func parseFollowRaw(t *testing.T, out string) map[string]*followed {
	t.Helper()
	streams := map[string]*followed{}
	var cur *followed
	for line := range strings.Lines(out) {
		line = strings.TrimRight(line, "\n")
		switch {
		case line == "" || strings.HasPrefix(line, "====") || strings.HasPrefix(line, "Follow:") || strings.HasPrefix(line, "Node 1:"):
		case strings.HasPrefix(line, "Filter: "):
			cur = &followed{}
			streams[strings.TrimPrefix(line, "Filter: ")] = cur
		case cur == nil:
			t.Fatalf("follow output line %q before any Filter line", line)
		case strings.HasPrefix(line, "Node 0: "):
			cur.node0 = strings.TrimPrefix(line, "Node 0: ")
		default:
			fromServer := strings.HasPrefix(line, "\t")
			data, err := hex.DecodeString(strings.TrimPrefix(line, "\t"))
			if err != nil {
				t.Fatalf("follow output line %q: %v", line, err)
			}
			cur.chunks = appendChunk(cur.chunks, !fromServer, string(data))
		}
	}
	return streams
}

func TestTsharkFollowsEveryStreamByteForByte(t *testing.T) {
	tshark := needTshark(t)
	clients, want := wantStreams(sampleStream())
	args := []string{"-q"}
	for i := range want {
		args = append(args, "-z", fmt.Sprintf("follow,tcp,raw,%d", i))
	}
	for _, f := range []Format{PCAP, PCAPNG} {
		t.Run(f.String(), func(t *testing.T) {
			got := parseFollowRaw(t, tsharktest.Run(t, tshark, writeSample(t, f), checking(args...)...))
			if len(got) != len(want) {
				t.Errorf("tshark followed %d streams, want %d", len(got), len(want))
			}
			for i := range want {
				s := got[fmt.Sprintf("tcp.stream eq %d", i)]
				if s == nil {
					t.Errorf("stream %d not followed", i)
					continue
				}
				if s.node0 != clients[i] {
					t.Errorf("stream %d: node 0 is %s, want the client %s", i, s.node0, clients[i])
				}
				if !reflect.DeepEqual(s.chunks, want[i]) {
					t.Errorf("stream %d follows to\n%+v\nwant\n%+v", i, s.chunks, want[i])
				}
			}
		})
	}
}

// Wireshark's expert severities.
const (
	severityWarning = 6291456
	rstMessage      = "Connection reset (RST)"
)

func TestTsharkFindsNoChecksumOrAnalysisProblems(t *testing.T) {
	tshark := needTshark(t)
	packets := packetEvents(sampleStream())
	var wantMethods, wantCodes []string
	for _, ev := range packets {
		p := string(ev.Packet.Payload)
		if status, ok := strings.CutPrefix(p, "HTTP/1.1 "); ok {
			wantCodes = append(wantCodes, status[:3])
		} else if method, _, ok := strings.Cut(p, " "); ok {
			wantMethods = append(wantMethods, method)
		}
	}
	for _, f := range []Format{PCAP, PCAPNG} {
		t.Run(f.String(), func(t *testing.T) {
			rows := tsharktest.Fields(t, tshark, writeSample(t, f), checking("-E", "aggregator=|"),
				"frame.number", "ip.checksum.status", "tcp.checksum.status", "tcp.analysis.flags",
				"http.request.method", "http.response.code", "_ws.expert.severity", "_ws.expert.message")
			if len(rows) != len(packets) {
				t.Fatalf("tshark shows %d frames, want %d:\n%q", len(rows), len(packets), rows)
			}
			var methods, codes []string
			resets := 0
			for i, col := range rows {
				if len(col) != 8 {
					t.Fatalf("row %q has %d columns", col, len(col))
				}
				p := packets[i].Packet
				wantIPCheck := "1" // good
				if !p.Src.Addr().Is4() {
					wantIPCheck = "" // IPv6 has no header checksum
				}
				if col[1] != wantIPCheck || col[2] != "1" {
					t.Errorf("frame %s: IP checksum status %q, TCP checksum status %q; want %q, 1", col[0], col[1], col[2], wantIPCheck)
				}
				if col[3] != "" {
					t.Errorf("frame %s: TCP analysis flags %q", col[0], col[3])
				}
				if col[4] != "" {
					methods = append(methods, col[4])
				}
				if col[5] != "" {
					codes = append(codes, col[5])
				}
				severities, messages := strings.Split(col[6], "|"), strings.Split(col[7], "|")
				for j, s := range severities {
					if s == "" {
						continue
					}
					sev, err := strconv.Atoi(s)
					if err != nil || j >= len(messages) {
						t.Fatalf("frame %s: expert columns %q %q", col[0], col[6], col[7])
					}
					if sev < severityWarning {
						continue
					}
					if messages[j] == rstMessage && p.Flags&simnet.FlagRST != 0 {
						resets++
						continue
					}
					t.Errorf("frame %s: tshark expert %d: %s", col[0], sev, messages[j])
				}
			}
			if resets != 1 {
				t.Errorf("tshark saw %d resets, want 1", resets)
			}
			if !reflect.DeepEqual(methods, wantMethods) || !reflect.DeepEqual(codes, wantCodes) {
				t.Errorf("HTTP methods %q codes %q, want %q %q", methods, codes, wantMethods, wantCodes)
			}
		})
	}
}
