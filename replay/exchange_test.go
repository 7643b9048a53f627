package replay

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// summary renders a report as lines that say what a test cares about:
// connections, exchanges and every problem.
func summary(r *Report) []string {
	var out []string
	for _, c := range r.Connections {
		out = append(out, fmt.Sprintf("conn %s > %s %s", c.Client, c.Server, c.Closed))
		for _, e := range c.Exchanges {
			state := "complete"
			if !e.Complete {
				state = "incomplete"
			}
			out = append(out, fmt.Sprintf("  %s %s %d %v %d/%d %s", e.Method, e.URL, e.Status, e.Informational, e.RequestBodyBytes, e.ResponseBodyBytes, state))
			for _, p := range e.Problems {
				out = append(out, "    ! "+p.Code+" "+p.Error())
			}
		}
		if c.OpaqueBytes > 0 {
			out = append(out, fmt.Sprintf("  opaque %d", c.OpaqueBytes))
		}
		for _, p := range c.Problems {
			out = append(out, "  ! "+p.Code+" "+p.Error())
		}
	}
	for _, p := range r.Problems {
		out = append(out, "! "+p.Code+" "+p.Error())
	}
	return out
}

func inspectBytes(t *testing.T, file []byte) *Report {
	t.Helper()
	r, err := Inspect(bytes.NewReader(file))
	if err != nil {
		t.Fatalf("Inspect: %v", err)
	}
	return r
}

const (
	getA    = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
	getB    = "GET /b HTTP/1.1\r\nHost: x\r\n\r\n"
	okHello = "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world"
	okB     = "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nb"
)

// without returns pkts minus the packets whose payload is exactly one of
// payloads.
func without(pkts []tpkt, payloads ...string) []tpkt {
	var out []tpkt
	for _, p := range pkts {
		drop := false
		for _, s := range payloads {
			drop = drop || string(p.payload) == s
		}
		if !drop {
			out = append(out, p)
		}
	}
	return out
}

// order returns the packets at the given indexes.
func order(pkts []tpkt, idx ...int) []tpkt {
	out := make([]tpkt, len(idx))
	for i, k := range idx {
		out[i] = pkts[k]
	}
	return out
}

func TestPairing(t *testing.T) {
	conn := "conn 10.0.0.1:40000 > 10.0.0.2:80 "
	c := func() *conv { return newConv("10.0.0.1:40000", "10.0.0.2:80").handshake() }
	tests := []struct {
		name string
		pkts []tpkt
		want []string
	}{
		{
			name: "keep-alive",
			pkts: c().send(getA).reply(okHello).send(getB).reply(okB).close().pkts,
			want: []string{conn + "fin", "  GET /a 200 [] 0/11 complete", "  GET /b 200 [] 0/1 complete"},
		},
		{
			name: "pipelining",
			pkts: c().send(getA + getB).reply(okHello + okB).close().pkts,
			want: []string{conn + "fin", "  GET /a 200 [] 0/11 complete", "  GET /b 200 [] 0/1 complete"},
		},
		{
			name: "chunked, split inside the framing",
			pkts: c().send(getA).reply("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r").
				reply("\nhello\r\n6\r\n world\r").reply("\n0\r\nX-T: 1\r\n\r\n").send(getB).reply(okB).close().pkts,
			want: []string{conn + "fin", "  GET /a 200 [] 0/11 complete", "  GET /b 200 [] 0/1 complete"},
		},
		{
			name: "read until close",
			pkts: c().send(getA).reply("HTTP/1.0 200 OK\r\n\r\nuntil").reply(" close").finS().finC().ackS().pkts,
			want: []string{conn + "fin", "  GET /a 200 [] 0/11 complete"},
		},
		{
			name: "100-continue",
			pkts: c().send("POST /u HTTP/1.1\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n").
				reply("HTTP/1.1 100 Continue\r\n\r\n").send("body").reply(okB).close().pkts,
			want: []string{conn + "fin", "  POST /u 200 [100] 4/1 complete"},
		},
		{
			name: "HEAD has no response body",
			pkts: c().send("HEAD /a HTTP/1.1\r\n\r\n").reply("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n").
				send(getB).reply(okB).close().pkts,
			want: []string{conn + "fin", "  HEAD /a 200 [] 0/0 complete", "  GET /b 200 [] 0/1 complete"},
		},
		{
			name: "an accepted upgrade makes the rest opaque",
			pkts: c().send("GET /ws HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\nearly").
				reply("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\nhi").
				send("GET / HTTP/1.1\r\n\r\n").reply("bye").close().pkts,
			want: []string{conn + "fin", "  GET /ws 101 [] 0/0 complete", "  opaque 28"},
		},
		{
			name: "a declined upgrade goes back to HTTP",
			pkts: c().send("GET /ws HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n").
				reply("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nno").send(getB).reply(okB).close().pkts,
			want: []string{conn + "fin", "  GET /ws 200 [] 0/2 complete", "  GET /b 200 [] 0/1 complete"},
		},
		{
			name: "a CONNECT tunnel is opaque",
			pkts: c().send("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n").
				reply("HTTP/1.1 200 Connection Established\r\n\r\n").send("\x16\x03\x01hello").reply("\x16\x03\x03").close().pkts,
			want: []string{conn + "fin", "  CONNECT example.com:443 200 [] 0/0 complete", "  opaque 11"},
		},
		{
			name: "a request with no response",
			pkts: c().send(getA).reply(okHello).send(getB).close().pkts,
			want: []string{conn + "fin", "  GET /a 200 [] 0/11 complete", "  GET /b 0 [] 0/0 incomplete",
				"    ! ERR_NO_RESPONSE no response to GET /b before the connection closed"},
		},
		{
			name: "a reset inside the response body",
			pkts: c().send(getA).reply("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial").resetS().pkts,
			want: []string{conn + "reset by server", "  GET /a 200 [] 0/7 incomplete",
				"    ! ECONNRESET packet 6: the server reset the connection inside a response body (7 of 100 bytes)"},
		},
		{
			name: "a reset before the response",
			pkts: c().send(getA).resetS().pkts,
			want: []string{conn + "reset by server", "  GET /a 0 [] 0/0 incomplete",
				"    ! ECONNRESET packet 5: the server reset the connection before a response"},
		},
		{
			name: "the capture ends inside a response",
			pkts: c().send(getA).reply("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial").pkts,
			want: []string{conn, "  GET /a 200 [] 0/7 incomplete",
				"    ! ERR_INCOMPLETE_MESSAGE the capture ended inside a response body (7 of 100 bytes)"},
		},
		{
			name: "the server closes inside a response",
			pkts: c().send(getA).reply("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial").finS().finC().ackS().pkts,
			want: []string{conn + "fin", "  GET /a 200 [] 0/7 incomplete",
				"    ! ERR_INCOMPLETE_MESSAGE packet 6: the server closed its side inside a response body (7 of 100 bytes)"},
		},
		{
			name: "segments out of order",
			pkts: order(c().send(getA).reply("HTTP/1.1 200 OK\r\n").reply("Content-Length: 11\r\n\r\n").reply("hello world").close().pkts,
				0, 1, 2, 3, 6, 4, 5, 7, 8, 9),
			want: []string{conn + "fin", "  GET /a 200 [] 0/11 complete"},
		},
		{
			name: "retransmitted segments",
			pkts: order(c().send(getA).reply(okHello).close().pkts, 0, 1, 2, 3, 3, 4, 4, 3, 5, 6, 7),
			want: []string{conn + "fin", "  GET /a 200 [] 0/11 complete"},
		},
		{
			name: "a lost segment inside a body of known length",
			pkts: without(c().send(getA).reply("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n").reply("01234").reply("56789").
				ackC().send(getB).reply(okB).close().pkts, "01234"),
			want: []string{conn + "fin", "  GET /a 200 [] 0/5 incomplete",
				"    ! ERR_TCP_GAP packet 7: server stream offset 39: 5 bytes missing from the capture",
				"  GET /b 200 [] 0/1 complete"},
		},
		{
			name: "a lost response: the next response answers the next request",
			pkts: without(c().send(getA).reply(okHello).ackC().send(getB).reply(okB).close().pkts, okHello),
			want: []string{conn + "fin", "  GET /a 0 [] 0/0 incomplete",
				"    ! ERR_RESPONSE_LOST packet 5: response lost: the response to GET /a fell in a hole of the server's stream",
				"  GET /b 200 [] 0/1 complete",
				"  ! ERR_TCP_GAP packet 5: server stream offset 0: 50 bytes missing from the capture between messages"},
		},
		{
			name: "not HTTP",
			pkts: c().send("\x01\x02\x03\x04\x05").reply("\x00\x01\x02").close().pkts,
			want: []string{conn + "fin",
				"  ! HPE_INVALID_METHOD packet 4: client stream is not valid HTTP here: Parse Error: Invalid method encountered",
				"  ! HPE_INVALID_CONSTANT packet 5: server stream is not valid HTTP here: Parse Error: Expected HTTP/, RTSP/ or ICE/",
				"  ! ERR_SKIPPED_BYTES client stream: skipped its last 5 bytes, in which no message starts",
				"  ! ERR_SKIPPED_BYTES server stream: skipped its last 3 bytes, in which no message starts"},
		},
		{
			name: "TLS cut off in its first records",
			pkts: c().send("\x16\x03\x01\x02\x00").reply("\x16\x03\x03").close().pkts,
			want: []string{conn + "fin",
				"  ! ERR_INCOMPLETE_MESSAGE packet 4: the client's last TLS record is cut off after 5 bytes; 5 bytes of the client's later TLS records were not decrypted",
				"  ! ERR_INCOMPLETE_MESSAGE packet 5: the server's last TLS record is cut off after 3 bytes; 3 bytes of the server's later TLS records were not decrypted"},
		},
		{
			name: "a response with no request",
			pkts: c().reply(okB).close().pkts,
			want: []string{conn + "fin", "    200 [] 0/1 incomplete",
				"    ! ERR_UNPAIRED_RESPONSE packet 4: a 200 response with no request before it"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := summary(inspectBytes(t, pcapOf(t, tt.pkts)))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("report (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMidstreamCapture(t *testing.T) {
	full := newConv("10.0.0.1:40000", "10.0.0.2:80").handshake().send(getA).
		reply("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello").reply(" world").send(getB).reply(okB).close().pkts
	// Start the capture at the second half of the first body: no SYN, and
	// the server's first bytes are not a message start.
	got := summary(inspectBytes(t, pcapOf(t, full[5:])))
	want := []string{"conn 10.0.0.1:40000 > 10.0.0.2:80 fin", "  GET /b 200 [] 0/1 complete",
		"  ! ERR_SKIPPED_BYTES packet 3: server stream: skipped 6 bytes to reach the next message"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("report (-want +got):\n%s", diff)
	}
	// Starting at a response, the client is the side that did not send it,
	// even though it is on the lower port here.
	rev := newConv("10.0.0.1:80", "10.0.0.2:40000").handshake().send(getA).reply(okHello).pkts
	got = summary(inspectBytes(t, pcapOf(t, rev[4:])))
	want = []string{"conn 10.0.0.1:80 > 10.0.0.2:40000 ", "    200 [] 0/11 incomplete",
		"    ! ERR_UNPAIRED_RESPONSE packet 1: a 200 response with no request before it"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("report (-want +got):\n%s", diff)
	}
}

func TestConnectionsInOrderOfFirstPacket(t *testing.T) {
	one := newConv("10.0.0.1:40000", "10.0.0.2:80").handshake().send(getA).reply(okHello).close().pkts
	two := newConv("10.0.0.1:40001", "10.0.0.2:80").handshake().send(getB).reply(okB).close().pkts
	again := newConv("10.0.0.1:40000", "10.0.0.2:80")
	again.at = 100e6
	again.cseq = 90000
	reused := again.handshake().send(getB).reply(okB).close().pkts
	var mixed []tpkt
	for i := range one {
		mixed = append(mixed, two[i], one[i])
	}
	mixed = append(mixed, reused...)
	got := summary(inspectBytes(t, pcapOf(t, mixed)))
	want := []string{
		"conn 10.0.0.1:40001 > 10.0.0.2:80 fin", "  GET /b 200 [] 0/1 complete",
		"conn 10.0.0.1:40000 > 10.0.0.2:80 fin", "  GET /a 200 [] 0/11 complete",
		"conn 10.0.0.1:40000 > 10.0.0.2:80 fin", "  GET /b 200 [] 0/1 complete",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("report (-want +got):\n%s", diff)
	}
}

// The same conversation reads the same through every link type, IPv4 and
// IPv6, pcap and pcapng.
func TestEveryLinkTypeGivesTheSameExchanges(t *testing.T) {
	for _, addrs := range [][2]string{{"10.0.0.1:40000", "10.0.0.2:80"}, {"[fd00::1]:40000", "[fd00::2]:80"}} {
		pkts := newConv(addrs[0], addrs[1]).handshake().send(getA + getB).reply(okHello).reply(okB).close().pkts
		want := []string{fmt.Sprintf("conn %s > %s fin", addrs[0], addrs[1]), "  GET /a 200 [] 0/11 complete", "  GET /b 200 [] 0/1 complete"}
		for _, link := range []uint32{linkEthernet, linkSLL, linkSLL2, linkNull, linkLoop, linkRaw} {
			recs := records(t, link, pkts)
			files := map[string][]byte{
				"pcap":   pcapFile(binary.BigEndian, true, link, 65535, recs),
				"pcapng": pcapngFile(ngSection{order: binary.LittleEndian, ifaces: []ngIfaceSpec{{link: uint16(link), resol: 9}}, recs: recs}),
			}
			for format, file := range files {
				if diff := cmp.Diff(want, summary(inspectBytes(t, file))); diff != "" {
					t.Errorf("%s %s %s (-want +got):\n%s", addrs[0], linkName(link), format, diff)
				}
			}
		}
	}
}

func TestBadPacketsAreProblemsAndReadingGoesOn(t *testing.T) {
	pkts := newConv("10.0.0.1:40000", "10.0.0.2:80").handshake().send(getA).reply(okHello).close().pkts
	recs := records(t, linkEthernet, pkts)
	corrupt := bytes.Clone(recs[1].data)
	corrupt[14] = 0x43 // IHL 3
	recs = append(recs[:2], append([]trec{{data: corrupt}}, recs[2:]...)...)
	file := pcapFile(binary.LittleEndian, false, linkEthernet, 65535, recs)
	file = file[:len(file)-10]
	got := summary(inspectBytes(t, file))
	want := []string{
		"conn 10.0.0.1:40000 > 10.0.0.2:80 fin", "  GET /a 200 [] 0/11 complete",
		"! ERR_PACKET_HEADER packet 3: IPv4 header length 12 bytes is less than 20 (IHL 3)",
		"! ERR_CAPTURE_TRUNCATED packet 9: truncated record (50 of 60 bytes)",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("report (-want +got):\n%s", diff)
	}
}

func TestReadCaptureKeepsBodies(t *testing.T) {
	pkts := newConv("10.0.0.1:40000", "10.0.0.2:80").handshake().
		send("POST /u HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n").reply(okHello).close().pkts
	c, err := ReadCapture(bytes.NewReader(pcapOf(t, pkts)))
	if err != nil {
		t.Fatal(err)
	}
	ex := c.Connections[0].Exchanges[0]
	if string(ex.Request.Body) != "abc" || string(ex.Response.Body) != "hello world" {
		t.Errorf("bodies %q and %q", ex.Request.Body, ex.Response.Body)
	}
	if got := strings.Join(ex.Request.Head.RawHeaders, "|"); got != "Transfer-Encoding|chunked" {
		t.Errorf("request headers %q", got)
	}
	if ex.Request.FirstPacket != 4 || ex.Response.FirstPacket != 5 || ex.Response.LastPacket != 5 {
		t.Errorf("packets %d, %d..%d", ex.Request.FirstPacket, ex.Response.FirstPacket, ex.Response.LastPacket)
	}
}

func TestGapInsideAHead(t *testing.T) {
	pkts := newConv("10.0.0.1:40000", "10.0.0.2:80").handshake().send("GET /a HTTP/1.1\r\n").send("Host: x\r\n").send("\r\n").
		ackS().send(getB).reply(okHello).close().pkts
	got := summary(inspectBytes(t, pcapOf(t, without(pkts, "Host: x\r\n"))))
	want := []string{"conn 10.0.0.1:40000 > 10.0.0.2:80 fin", "  GET /a 200 [] 0/11 incomplete",
		"    ! ERR_TCP_GAP packet 6: client stream offset 17: 9 bytes missing from the capture inside a request head after 17 bytes; kept the start line and 0 headers",
		"  GET /b 0 [] 0/0 incomplete", "    ! ERR_NO_RESPONSE no response to GET /b before the connection closed",
		"  ! ERR_SKIPPED_BYTES packet 7: client stream: skipped 2 bytes to reach the next message"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("report (-want +got):\n%s", diff)
	}
}

func TestARequestSentAsTheServerResetIsReported(t *testing.T) {
	// After the reset come a repeat of the response, which is harmless,
	// and a new request the client wrote as the RST crossed it (a reused
	// keep-alive socket): tshark shows that request, so replay reports it.
	pkts := newConv("10.0.0.1:40000", "10.0.0.2:80").handshake().send(getA).reply(okHello).resetS().send(getB).pkts
	pkts = order(pkts, 0, 1, 2, 3, 4, 5, 4, 6)
	got := summary(inspectBytes(t, pcapOf(t, pkts)))
	want := []string{"conn 10.0.0.1:40000 > 10.0.0.2:80 reset by server", "  GET /a 200 [] 0/11 complete",
		"  GET /b 0 [] 0/0 incomplete", "    ! ECONNRESET packet 8: GET /b was sent after the server reset the connection, so no response came"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("report (-want +got):\n%s", diff)
	}
}

// A hole of 100 MB inside a body that claims a terabyte is reported, not
// counted through byte by byte.
func TestHugeGapInAHugeBody(t *testing.T) {
	c := newConv("10.0.0.1:40000", "10.0.0.2:80").handshake().send(getA).
		reply("HTTP/1.1 200 OK\r\nContent-Length: 1000000000000\r\n\r\nabc")
	c.sseq += 100 << 20
	pkts := c.reply("xyz").ackC().pkts
	got := summary(inspectBytes(t, pcapOf(t, pkts)))
	want := []string{"conn 10.0.0.1:40000 > 10.0.0.2:80 ", "  GET /a 200 [] 0/3 incomplete",
		"    ! ERR_TCP_GAP packet 7: server stream offset 53: 104857600 bytes missing from the capture",
		"  ! ERR_SKIPPED_BYTES server stream: skipped its last 3 bytes, in which no message starts"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("report (-want +got):\n%s", diff)
	}
}

// A finished connection's pairer and parsers serve the next connection: one
// cut off in the middle of a request head and a response head must leave
// nothing behind for the connection after it.
func TestAConnectionCutMidHeadLeavesNothingToTheNext(t *testing.T) {
	cut := newConv("10.0.0.1:40000", "10.0.0.2:80").handshake().
		send("GET /a HTTP/1.1\r\nHost: x\r\n").reply("HTTP/1.1 200 OK\r\nContent-").resetS().pkts
	next := newConv("10.0.0.1:40001", "10.0.0.2:80")
	next.at = 100e6
	whole := next.handshake().send(getB).reply(okB).close().pkts
	got := summary(inspectBytes(t, pcapOf(t, append(cut, whole...))))
	want := []string{"conn 10.0.0.1:40001 > 10.0.0.2:80 fin", "  GET /b 200 [] 0/1 complete"}
	if len(got) < len(want) {
		t.Fatalf("report %q", got)
	}
	if diff := cmp.Diff(want, got[len(got)-len(want):]); diff != "" {
		t.Errorf("the connection after the cut one (-want +got):\n%s\nwhole report: %q", diff, got)
	}
}
