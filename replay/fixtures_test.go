package replay

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden NAME.inspect.json files of fixtures/captures")

const fixtureDir = "../fixtures/captures"

// fixtureFacts is what each real capture must show, whatever its ports and
// timestamps: the exchanges with their problem codes, and how it closed.
var fixtureFacts = map[string][]string{
	"keepalive.pcap":  {"closed fin", "GET /a 200 [] 0/11 complete", "GET /b 200 [] 0/20 complete", "GET /a 200 [] 0/11 complete"},
	"pipelining.pcap": {"closed fin", "GET /a 200 [] 0/11 complete", "GET /b 200 [] 0/20 complete"},
	"chunked.pcap":    {"closed fin", "GET /chunked 200 [] 0/36 complete"},
	"continue.pcap":   {"closed fin", "POST /upload 200 [100] 25/13 complete"},
	"reset.pcap":      {"closed reset by server", "GET /reset 200 [] 0/26 incomplete ECONNRESET"},
	"head.pcap":       {"closed fin", "HEAD /a 200 [] 0/0 complete"},
	"upgrade.pcap":    {"closed fin", "opaque 24", "GET /chat 101 [] 0/0 complete"},
	"any-sll2.pcap":   {"LINUX_SLL2", "closed fin", "GET /a 200 [] 0/11 complete", "GET /b 200 [] 0/20 complete"},
	"post.pcapng":     {"pcapng", "closed fin", "POST /upload 200 [] 3/12 complete"},
	// make-loss.sh: real servers and clients, responses dropped with
	// editcap (-loss), packets cut to 96 bytes (-snap).
	"early.pcap":            {"closed fin", "GET /early 200 [103] 0/18 complete"},
	"go-node-loss.pcap":     {"closed fin", "GET /a 0 [] 0/0 incomplete ERR_RESPONSE_LOST", "HEAD /big 200 [] 0/0 complete", "GET /b 200 [] 0/20 complete", "POST /upload 0 [] 7/0 incomplete ERR_RESPONSE_LOST", "GET /a 200 [] 0/11 complete", "problem ERR_TCP_GAP", "problem ERR_TCP_GAP"},
	"go-node-snap.pcap":     {"closed fin", "GET /a 200 [] 0/0 incomplete ERR_TCP_GAP ERR_TCP_GAP", "HEAD /big 200 [] 0/0 incomplete ERR_TCP_GAP ERR_TCP_GAP", "GET /b 200 [] 0/0 incomplete ERR_TCP_GAP ERR_TCP_GAP", "POST /upload 200 [] 0/0 incomplete ERR_TCP_GAP ERR_TCP_GAP", "GET /a 200 [] 0/0 incomplete ERR_TCP_GAP ERR_TCP_GAP", "problem ERR_PACKET_SNAPPED"},
	"go-node.pcap":          {"closed fin", "GET /a 200 [] 0/11 complete", "HEAD /big 200 [] 0/0 complete", "GET /b 200 [] 0/20 complete", "POST /upload 200 [] 7/12 complete", "GET /a 200 [] 0/11 complete"},
	"nginx-wrk-loss.pcap":   {"closed fin", "closed ", "GET /a.txt 200 [] 0/12 complete", "GET /a.txt 200 [] 0/12 complete", "GET /a.txt 0 [] 0/0 incomplete ERR_RESPONSE_LOST", "GET /a.txt 200 [] 0/12 complete", "GET /a.txt 200 [] 0/12 complete", "GET /a.txt 200 [] 0/12 complete", "GET /a.txt 200 [] 0/12 complete", "GET /a.txt 200 [] 0/12 complete", "GET /a.txt 200 [] 0/12 complete", "GET /a.txt 200 [] 0/12 complete", "GET /a.txt 200 [] 0/12 complete", "GET /a.txt 200 [] 0/12 complete", "GET /a.txt 200 [] 0/12 complete", "GET /a.txt 200 [] 0/12 complete", "GET /a.txt 0 [] 0/0 incomplete ERR_NO_RESPONSE", "problem ERR_TCP_GAP"},
	"nginx-wrk-snap.pcap":   {"closed fin", "closed ", "GET /a.txt 200 [] 0/0 incomplete ERR_TCP_GAP ERR_TCP_GAP", "GET /a.txt 200 [] 0/0 incomplete ERR_TCP_GAP ERR_TCP_GAP", "GET /a.txt 200 [] 0/0 incomplete ERR_TCP_GAP ERR_TCP_GAP", "GET /a.txt 200 [] 0/0 incomplete ERR_TCP_GAP ERR_TCP_GAP", "GET /a.txt 200 [] 0/0 incomplete ERR_TCP_GAP ERR_TCP_GAP", "GET /a.txt 200 [] 0/0 incomplete ERR_TCP_GAP ERR_TCP_GAP", "GET /a.txt 200 [] 0/0 incomplete ERR_TCP_GAP ERR_TCP_GAP", "GET /a.txt 200 [] 0/0 incomplete ERR_TCP_GAP ERR_TCP_GAP", "GET /a.txt 200 [] 0/0 incomplete ERR_TCP_GAP ERR_TCP_GAP", "GET /a.txt 200 [] 0/0 incomplete ERR_TCP_GAP ERR_TCP_GAP", "GET /a.txt 200 [] 0/0 incomplete ERR_TCP_GAP ERR_TCP_GAP", "GET /a.txt 200 [] 0/0 incomplete ERR_TCP_GAP ERR_TCP_GAP", "GET /a.txt 200 [] 0/0 incomplete ERR_TCP_GAP ERR_TCP_GAP", "GET /a.txt 200 [] 0/0 incomplete ERR_TCP_GAP ERR_TCP_GAP", "GET /a.txt 0 [] 0/0 incomplete ERR_TCP_GAP ERR_NO_RESPONSE", "problem ERR_PACKET_SNAPPED"},
	"nginx-wrk.pcap":        {"closed fin", "closed ", "GET /a.txt 200 [] 0/12 complete", "GET /a.txt 200 [] 0/12 complete", "GET /a.txt 200 [] 0/12 complete", "GET /a.txt 200 [] 0/12 complete", "GET /a.txt 200 [] 0/12 complete", "GET /a.txt 200 [] 0/12 complete", "GET /a.txt 200 [] 0/12 complete", "GET /a.txt 200 [] 0/12 complete", "GET /a.txt 200 [] 0/12 complete", "GET /a.txt 200 [] 0/12 complete", "GET /a.txt 200 [] 0/12 complete", "GET /a.txt 200 [] 0/12 complete", "GET /a.txt 200 [] 0/12 complete", "GET /a.txt 200 [] 0/12 complete", "GET /a.txt 0 [] 0/0 incomplete ERR_NO_RESPONSE"},
	"node-curl-loss.pcap":   {"closed fin", "GET /a 0 [] 0/0 incomplete ERR_RESPONSE_LOST", "HEAD /big 200 [] 0/0 complete", "GET /b 200 [] 0/20 complete", "GET /a 200 [] 0/11 complete", "problem ERR_TCP_GAP"},
	"node-curl-snap.pcap":   {"closed fin", "GET /a 200 [] 0/0 incomplete ERR_TCP_GAP ERR_TCP_GAP", "HEAD /big 200 [] 0/0 incomplete ERR_TCP_GAP ERR_TCP_GAP", "GET /b 200 [] 0/0 incomplete ERR_TCP_GAP ERR_TCP_GAP", "GET /a 200 [] 0/0 incomplete ERR_TCP_GAP ERR_TCP_GAP", "problem ERR_PACKET_SNAPPED"},
	"node-curl.pcap":        {"closed fin", "GET /a 200 [] 0/11 complete", "HEAD /big 200 [] 0/0 complete", "GET /b 200 [] 0/20 complete", "GET /a 200 [] 0/11 complete"},
	"python-curl-loss.pcap": {"closed fin", "GET /a.txt 0 [] 0/0 incomplete ERR_RESPONSE_LOST", "HEAD /big.bin 200 [] 0/0 complete", "GET /b.txt 200 [] 0/21 complete", "problem ERR_TCP_GAP", "problem ERR_TCP_GAP"},
	"python-curl-snap.pcap": {"closed fin", "GET /a.txt 200 [] 0/0 incomplete ERR_TCP_GAP ERR_TCP_GAP", "HEAD /big.bin 200 [] 0/0 incomplete ERR_TCP_GAP ERR_TCP_GAP", "GET /b.txt 200 [] 0/0 incomplete ERR_TCP_GAP ERR_TCP_GAP", "problem ERR_SKIPPED_BYTES", "problem ERR_SKIPPED_BYTES", "problem ERR_PACKET_SNAPPED"},
	"python-curl.pcap":      {"closed fin", "GET /a.txt 200 [] 0/12 complete", "HEAD /big.bin 200 [] 0/0 complete", "GET /b.txt 200 [] 0/21 complete"},
}

func facts(r *Report) []string {
	var out []string
	if r.Format != "pcap" {
		out = append(out, r.Format)
	}
	for _, l := range r.LinkTypes {
		if l != "EN10MB" {
			out = append(out, l)
		}
	}
	for _, c := range r.Connections {
		out = append(out, "closed "+c.Closed)
		if c.OpaqueBytes > 0 {
			out = append(out, fmt.Sprintf("opaque %d", c.OpaqueBytes))
		}
		for _, e := range c.Exchanges {
			state := "complete"
			if !e.Complete {
				state = "incomplete"
			}
			line := fmt.Sprintf("%s %s %d %v %d/%d %s", e.Method, e.URL, e.Status, e.Informational, e.RequestBodyBytes, e.ResponseBodyBytes, state)
			for _, p := range e.Problems {
				line += " " + p.Code
			}
			out = append(out, line)
		}
		for _, p := range c.Problems {
			out = append(out, "problem "+p.Code)
		}
	}
	for _, p := range r.Problems {
		out = append(out, "problem "+p.Code)
	}
	return out
}

func TestFixtures(t *testing.T) {
	names, err := filepath.Glob(filepath.Join(fixtureDir, "*.pcap*"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no captures in %s: %v", fixtureDir, err)
	}
	seen := map[string]bool{}
	for _, path := range names {
		name := filepath.Base(path)
		seen[name] = true
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			r, err := Inspect(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			want, ok := fixtureFacts[name]
			if !ok {
				t.Fatalf("no facts listed for %s", name)
			}
			if diff := cmp.Diff(want, facts(r)); diff != "" {
				t.Errorf("facts (-want +got):\n%s", diff)
			}
			got, err := json.MarshalIndent(r, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			golden := filepath.Join(fixtureDir, strings.TrimSuffix(name, filepath.Ext(name))+".inspect.json")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			expected, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./replay -run TestFixtures -update)", err)
			}
			if diff := cmp.Diff(string(expected), string(got)); diff != "" {
				t.Errorf("%s (-want +got):\n%s", golden, diff)
			}
			_, ours, _, err := readAll(t, data)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(pcapgoRecords(t, data, r.Format == "pcapng"), ours); diff != "" {
				t.Errorf("our records differ from pcapgo's (-pcapgo +ours):\n%s", diff)
			}
		})
	}
	for name := range fixtureFacts {
		if !seen[name] {
			t.Errorf("fixture %s is missing", name)
		}
	}
}

func TestReportJSONShape(t *testing.T) {
	pkts := newConv("10.0.0.1:40000", "10.0.0.2:80").handshake().send(getA).reply(okHello).send(getB).close().pkts
	got, err := json.Marshal(inspectBytes(t, pcapOf(t, pkts)))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"format":"pcap","linkTypes":["EN10MB"],"packets":9,"connections":[{"client":"10.0.0.1:40000","server":"10.0.0.2:80",` +
		`"firstPacket":1,"packets":9,"start":0,"end":0.008,"clientBytes":56,"serverBytes":50,"opaqueBytes":0,"closed":"fin","recovered":0,"exchanges":[` +
		`{"method":"GET","url":"/a","status":200,"informational":[],"confidence":"high","requestBodyBytes":0,"responseBodyBytes":11,"requestPacket":4,"responsePacket":5,"start":0.003,"end":0.004,"complete":true,"problems":[]},` +
		`{"method":"GET","url":"/b","informational":[],"requestBodyBytes":0,"responseBodyBytes":0,"requestPacket":6,"start":0.005,"end":0.005,"complete":false,` +
		`"problems":[{"code":"ERR_NO_RESPONSE","message":"no response to GET /b before the connection closed"}]}],"problems":[]}],"problems":[]}`
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("JSON (-want +got):\n%s", diff)
	}
}

func TestWriteText(t *testing.T) {
	pkts := newConv("10.0.0.1:40000", "10.0.0.2:80").handshake().
		send("POST /u HTTP/1.1\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n").reply("HTTP/1.1 100 Continue\r\n\r\n").
		send("hi").reply(okHello).send(getB).close().pkts
	recs := records(t, linkEthernet, pkts)
	recs = append(recs, trec{data: []byte{1, 2}})
	var b strings.Builder
	if err := inspectBytes(t, pcapFile(binary.LittleEndian, false, linkEthernet, 65535, recs)).WriteText(&b); err != nil {
		t.Fatal(err)
	}
	want := `pcap capture, EN10MB, 12 packets, 1 connection, 2 exchanges

connection 1  10.0.0.1:40000 -> 10.0.0.2:80  11 packets from #1  +0.000000s..+0.010000s  fin
  bytes: client 91, server 75
  1. POST /u -> 100 200  bodies 2/11 B  at +0.003000s, took 0.003000s  complete
  2. GET /b -> no response  bodies 0/0 B  at +0.007000s, took 0.000000s  incomplete
     problem: no response to GET /b before the connection closed

problems:
  packet 12: Ethernet header needs 14 bytes, the packet has 2
`
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("text (-want +got):\n%s", diff)
	}
}

func TestInspectIsDeterministic(t *testing.T) {
	var conns [][]tpkt
	for i := range 20 {
		c := newConv(fmt.Sprintf("10.0.0.%d:4000%d", i%5+1, i%7), "10.0.0.99:80").handshake().send(getA).reply(okHello)
		conns = append(conns, c.close().pkts)
	}
	var mixed []tpkt
	for k := range conns[0] {
		for _, c := range conns {
			mixed = append(mixed, c[k])
		}
	}
	file := pcapOf(t, mixed)
	first, _ := json.Marshal(inspectBytes(t, file))
	for range 5 {
		again, _ := json.Marshal(inspectBytes(t, file))
		if !bytes.Equal(first, again) {
			t.Fatal("two reads of the same capture differ")
		}
	}
}
