package replay

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"testing"
)

// keepAliveCapture builds a pcap of conns connections, each carrying
// perConn keep-alive exchanges, interleaved packet by packet as a busy
// server's traffic is. It returns the file, its packet count and its
// exchange count.
func keepAliveCapture(tb testing.TB, conns, perConn int) ([]byte, int, int) {
	var all [][]tpkt
	for i := range conns {
		c := newConv(fmt.Sprintf("10.0.%d.%d:%d", i/250, i%250+1, 40000+i), "10.1.0.1:80").handshake()
		for k := range perConn {
			body := fmt.Sprintf("response %d of connection %d", k, i)
			c.send(fmt.Sprintf("GET /item/%d HTTP/1.1\r\nHost: bench\r\nUser-Agent: replay\r\n\r\n", k))
			c.reply(fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s", len(body), body))
			c.ackC()
		}
		all = append(all, c.close().pkts)
	}
	var mixed []tpkt
	for k := 0; ; k++ {
		added := false
		for _, pkts := range all {
			if k < len(pkts) {
				mixed = append(mixed, pkts[k])
				added = true
			}
		}
		if !added {
			break
		}
	}
	return pcapFile(binary.LittleEndian, false, linkEthernet, 262144, records(tb, linkEthernet, mixed)), len(mixed), conns * perConn
}

// BenchmarkInspect reads a 20,000-packet capture of keep-alive exchanges.
func BenchmarkInspect(b *testing.B) {
	file, packets, exchanges := keepAliveCapture(b, 100, 66)
	b.SetBytes(int64(len(file)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r, err := Inspect(bytes.NewReader(file))
		if err != nil || len(r.Connections) != 100 {
			b.Fatalf("err %v, %d connections", err, len(r.Connections))
		}
	}
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(packets*b.N)/sec, "packets/s")
	b.ReportMetric(float64(exchanges*b.N)/sec, "exchanges/s")
}
