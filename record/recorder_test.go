package record

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/simhttp/simhttp/simnet"
)

func recordEvents(t testing.TB, events []simnet.Event, opts Options) ([]byte, *Recorder) {
	t.Helper()
	var buf bytes.Buffer
	r, err := NewRecorder(&buf, opts)
	if err != nil {
		t.Fatalf("NewRecorder: %v", err)
	}
	for _, ev := range events {
		r.Observe(ev)
	}
	if err := r.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return buf.Bytes(), r
}

func readCapture(t testing.TB, f Format, b []byte) *capture {
	t.Helper()
	read := readPcap
	if f == PCAPNG {
		read = readPcapng
	}
	c, err := read(b)
	if err != nil {
		t.Fatalf("reading back %v: %v", f, err)
	}
	return c
}

// naiveChecksum is the RFC 1071 sum done the slow, obvious way: the
// complement of the ones' complement sum of 16-bit words. Over a header
// whose checksum is right it is zero.
func naiveChecksum(chunks ...[]byte) uint16 {
	var all []byte
	for _, c := range chunks {
		all = append(all, c...)
	}
	if len(all)%2 == 1 {
		all = append(all, 0)
	}
	var sum uint32
	for i := 0; i < len(all); i += 2 {
		sum += uint32(all[i])<<8 | uint32(all[i+1])
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}

func wantMAC(a netip.Addr) net.HardwareAddr {
	if a.Is4() {
		b := a.As4()
		return net.HardwareAddr{2, 0, b[0], b[1], b[2], b[3]}
	}
	b := a.As16()
	return net.HardwareAddr{2, b[11], b[12], b[13], b[14], b[15]}
}

// checkFrame decodes one captured frame with gopacket and compares every
// header field with the packet it came from.
func checkFrame(t *testing.T, where string, data []byte, p *simnet.Packet, wantIPID uint16) {
	t.Helper()
	pkt := gopacket.NewPacket(data, layers.LayerTypeEthernet, gopacket.Default)
	if el := pkt.ErrorLayer(); el != nil {
		t.Fatalf("%s: decoding: %v", where, el.Error())
	}
	src, dst := p.Src.Addr(), p.Dst.Addr()
	eth, _ := pkt.Layer(layers.LayerTypeEthernet).(*layers.Ethernet)
	if eth == nil || !bytes.Equal(eth.SrcMAC, wantMAC(src)) || !bytes.Equal(eth.DstMAC, wantMAC(dst)) {
		t.Errorf("%s: ethernet %+v", where, eth)
	}
	tcp, _ := pkt.Layer(layers.LayerTypeTCP).(*layers.TCP)
	if tcp == nil {
		t.Fatalf("%s: no TCP layer", where)
	}
	segment := tcp.Contents
	segment = append(segment[:len(segment):len(segment)], tcp.Payload...)
	var pseudo []byte
	if src.Is4() {
		ip, _ := pkt.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
		if ip == nil {
			t.Fatalf("%s: no IPv4 layer", where)
		}
		if eth.EthernetType != layers.EthernetTypeIPv4 || ip.Version != 4 || ip.IHL != 5 || ip.TOS != 0 ||
			int(ip.Length) != len(data)-14 || ip.Id != wantIPID || ip.Flags != layers.IPv4DontFragment ||
			ip.FragOffset != 0 || ip.TTL != 64 || ip.Protocol != layers.IPProtocolTCP ||
			!ip.SrcIP.Equal(src.AsSlice()) || !ip.DstIP.Equal(dst.AsSlice()) || len(ip.Options) != 0 {
			t.Errorf("%s: IPv4 header %+v", where, ip)
		}
		if got := naiveChecksum(data[14:34]); got != 0 {
			t.Errorf("%s: IPv4 header checksum %#04x is off by %#04x", where, ip.Checksum, got)
		}
		pseudo = append(append(src.AsSlice(), dst.AsSlice()...), 0, 6, byte(len(segment)>>8), byte(len(segment)))
	} else {
		ip, _ := pkt.Layer(layers.LayerTypeIPv6).(*layers.IPv6)
		if ip == nil {
			t.Fatalf("%s: no IPv6 layer", where)
		}
		if eth.EthernetType != layers.EthernetTypeIPv6 || ip.Version != 6 || ip.TrafficClass != 0 || ip.FlowLabel != 0 ||
			int(ip.Length) != len(data)-14-40 || ip.NextHeader != layers.IPProtocolTCP || ip.HopLimit != 64 ||
			!ip.SrcIP.Equal(src.AsSlice()) || !ip.DstIP.Equal(dst.AsSlice()) {
			t.Errorf("%s: IPv6 header %+v", where, ip)
		}
		n := len(segment)
		pseudo = append(append(src.AsSlice(), dst.AsSlice()...), byte(n>>24), byte(n>>16), byte(n>>8), byte(n), 0, 0, 0, 6)
	}
	wantAck := p.Ack
	if p.Flags&simnet.FlagACK == 0 {
		wantAck = 0
	}
	if tcp.SrcPort != layers.TCPPort(p.Src.Port()) || tcp.DstPort != layers.TCPPort(p.Dst.Port()) ||
		tcp.Seq != p.Seq || tcp.Ack != wantAck || tcp.Window != p.Window || tcp.Urgent != 0 ||
		tcp.FIN != (p.Flags&simnet.FlagFIN != 0) || tcp.SYN != (p.Flags&simnet.FlagSYN != 0) ||
		tcp.RST != (p.Flags&simnet.FlagRST != 0) || tcp.PSH != (p.Flags&simnet.FlagPSH != 0) ||
		tcp.ACK != (p.Flags&simnet.FlagACK != 0) || tcp.URG || tcp.ECE || tcp.CWR || tcp.NS {
		t.Errorf("%s: TCP header %+v, want %+v", where, tcp, p)
	}
	if p.Flags&simnet.FlagSYN != 0 {
		mss := uint16(1460)
		if !src.Is4() {
			mss = 1440
		}
		if tcp.DataOffset != 6 || len(tcp.Options) != 1 || tcp.Options[0].OptionType != layers.TCPOptionKindMSS ||
			!bytes.Equal(tcp.Options[0].OptionData, []byte{byte(mss >> 8), byte(mss)}) {
			t.Errorf("%s: SYN options: offset %d, %+v", where, tcp.DataOffset, tcp.Options)
		}
	} else if tcp.DataOffset != 5 || len(tcp.Options) != 0 {
		t.Errorf("%s: offset %d, options %+v", where, tcp.DataOffset, tcp.Options)
	}
	if !bytes.Equal(tcp.Payload, p.Payload) {
		t.Errorf("%s: payload %q, want %q", where, tcp.Payload, p.Payload)
	}
	if got := naiveChecksum(pseudo, segment); got != 0 {
		t.Errorf("%s: TCP checksum %#04x is off by %#04x", where, tcp.Checksum, got)
	}
}

func TestRecorderFramesEverySegmentFaithfully(t *testing.T) {
	events := sampleStream()
	want := packetEvents(events)
	epoch := time.Date(2024, 2, 29, 23, 59, 59, 999_999_000, time.UTC)
	for _, f := range []Format{PCAP, PCAPNG} {
		t.Run(f.String(), func(t *testing.T) {
			raw, r := recordEvents(t, events, Options{Format: f, Epoch: epoch})
			if r.Packets() != len(want) {
				t.Errorf("Packets() = %d, want %d", r.Packets(), len(want))
			}
			c := readCapture(t, f, raw)
			if c.linkType != 1 || c.snapLen != 262144 || c.tsresol != 9 {
				t.Errorf("link type %d, snaplen %d, resolution %d", c.linkType, c.snapLen, c.tsresol)
			}
			if len(c.packets) != len(want) {
				t.Fatalf("read %d packets, want %d", len(c.packets), len(want))
			}
			ipIDs := map[[2]netip.AddrPort]uint16{}
			for i, ev := range want {
				where := fmt.Sprintf("packet %d (conn %d)", i+1, ev.Packet.Conn)
				if got, wantTS := c.packets[i].ts, epoch.Add(ev.T); !got.Equal(wantTS) {
					t.Errorf("%s: timestamp %v, want %v", where, got, wantTS)
				}
				flow := [2]netip.AddrPort{ev.Packet.Src, ev.Packet.Dst}
				ipIDs[flow]++
				checkFrame(t, where, c.packets[i].data, ev.Packet, ipIDs[flow])
				if len(c.packets[i].comments) != 0 {
					t.Errorf("%s: comments %q on a delivered segment", where, c.packets[i].comments)
				}
			}
		})
	}
}

func TestRecorderWritesThePcapngSectionComment(t *testing.T) {
	comment := "simhttp seed=42 features=reset.feature:12 ünïcode"
	raw, _ := recordEvents(t, sampleStream(), Options{Format: PCAPNG, Comment: comment})
	c := readCapture(t, PCAPNG, raw)
	if c.sectionComment != comment || c.application != "simhttp" || c.ifName != "sim0" || c.ifDesc == "" {
		t.Errorf("section comment %q, application %q, interface %q (%q)", c.sectionComment, c.application, c.ifName, c.ifDesc)
	}
	raw, _ = recordEvents(t, nil, Options{Format: PCAPNG})
	if c := readCapture(t, PCAPNG, raw); c.sectionComment != "" || len(c.packets) != 0 {
		t.Errorf("empty capture: comment %q, %d packets", c.sectionComment, len(c.packets))
	}
}

func TestRecorderIsDeterministicAndIgnoresTheWallClock(t *testing.T) {
	for _, f := range []Format{PCAP, PCAPNG} {
		a, _ := recordEvents(t, sampleStream(), Options{Format: f})
		b, _ := recordEvents(t, sampleStream(), Options{Format: f})
		if !bytes.Equal(a, b) {
			t.Errorf("%v: two recordings of one stream differ", f)
		}
		first := packetEvents(sampleStream())[0]
		wantTS := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).Add(first.T)
		if got := readCapture(t, f, a).packets[0].ts; !got.Equal(wantTS) {
			t.Errorf("%v: first timestamp %v, want %v", f, got, wantTS)
		}
	}
}

func TestRecorderRecordsDroppedSegmentsOnlyWhenAsked(t *testing.T) {
	events := sampleStream()
	lost := packetEvents(events)[3] // the first request
	lost.Packet.Dropped = true
	for _, f := range []Format{PCAP, PCAPNG} {
		all := len(packetEvents(events))
		_, r := recordEvents(t, events, Options{Format: f})
		if r.Packets() != all-1 {
			t.Errorf("%v without dropped: %d packets, want %d", f, r.Packets(), all-1)
		}
		raw, r := recordEvents(t, events, Options{Format: f, IncludeDropped: true})
		if r.Packets() != all {
			t.Errorf("%v with dropped: %d packets, want %d", f, r.Packets(), all)
		}
		c := readCapture(t, f, raw)
		if f == PCAPNG && (len(c.packets[3].comments) != 1 || !strings.Contains(c.packets[3].comments[0], "dropped")) {
			t.Errorf("dropped segment comments %q", c.packets[3].comments)
		}
		if !bytes.Contains(c.packets[3].data, lost.Packet.Payload) {
			t.Errorf("%v: dropped segment lost its payload", f)
		}
	}
}

func TestNewRecorderRejectsBadOptions(t *testing.T) {
	cases := []struct {
		name string
		opts Options
		want error
	}{
		{"unknown format", Options{Format: 7}, ErrUnknownFormat},
		{"comment in pcap", Options{Format: PCAP, Comment: "x"}, ErrInvalidComment},
		{"comment not UTF-8", Options{Format: PCAPNG, Comment: "bad\xff"}, ErrInvalidComment},
		{"comment too long", Options{Format: PCAPNG, Comment: strings.Repeat("x", 65536)}, ErrInvalidComment},
		{"epoch before 1970", Options{Format: PCAPNG, Epoch: time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC)}, ErrTimeOutOfRange},
		{"epoch past pcap's 2106", Options{Format: PCAP, Epoch: time.Date(2107, 1, 1, 0, 0, 0, 0, time.UTC)}, ErrTimeOutOfRange},
		{"epoch past 2262", Options{Format: PCAPNG, Epoch: time.Date(2263, 1, 1, 0, 0, 0, 0, time.UTC)}, ErrTimeOutOfRange},
	}
	for _, c := range cases {
		r, err := NewRecorder(io.Discard, c.opts)
		if !errors.Is(err, c.want) || r != nil {
			t.Errorf("%s: NewRecorder = %v, %v; want %v", c.name, r, err, c.want)
		}
	}
	if _, err := NewRecorder(io.Discard, Options{Format: PCAPNG, Comment: strings.Repeat("x", 65535)}); err != nil {
		t.Errorf("longest comment refused: %v", err)
	}
}

func TestRecorderReportsABadPacketAndKeepsTheRest(t *testing.T) {
	good := func() *simnet.Packet {
		return &simnet.Packet{
			Conn: 9, Src: netip.MustParseAddrPort("10.0.0.1:1"), Dst: netip.MustParseAddrPort("10.0.0.2:2"),
			Flags: simnet.FlagACK, Window: 100,
		}
	}
	cases := []struct {
		name  string
		t     time.Duration
		spoil func(*simnet.Packet)
		want  error
	}{
		{"mixed families", 0, func(p *simnet.Packet) { p.Dst = netip.MustParseAddrPort("[fd00::2]:2") }, ErrMixedFamilies},
		{"no address", 0, func(p *simnet.Packet) { p.Src = netip.AddrPort{} }, ErrInvalidAddress},
		{"IPv4 too large", 0, func(p *simnet.Packet) { p.Payload = make([]byte, 65535-40+1) }, ErrSegmentTooLarge},
		{"IPv6 too large", 0, func(p *simnet.Packet) {
			p.Src, p.Dst = netip.MustParseAddrPort("[fd00::1]:1"), netip.MustParseAddrPort("[fd00::2]:2")
			p.Payload = make([]byte, 65535-20+1)
		}, ErrSegmentTooLarge},
		{"negative time", -1, func(*simnet.Packet) {}, ErrTimeOutOfRange},
		{"time past 2106", 200 * 365 * 24 * time.Hour, func(*simnet.Packet) {}, ErrTimeOutOfRange},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			bad := good()
			c.spoil(bad)
			var buf bytes.Buffer
			r, err := NewRecorder(&buf, Options{})
			if err != nil {
				t.Fatal(err)
			}
			r.Observe(simnet.Event{Obj: "net", Packet: good()})
			r.Observe(simnet.Event{T: c.t, Obj: "net", Packet: bad})
			r.Observe(simnet.Event{T: 1, Obj: "net", Packet: good()})
			err = r.Close()
			var pe *PacketError
			if !errors.As(err, &pe) || !errors.Is(err, c.want) {
				t.Fatalf("Close() = %v, want a *PacketError for %v", err, c.want)
			}
			if pe.Index != 2 || pe.Conn != 9 || pe.T != c.t || !strings.Contains(err.Error(), "packet 2 (conn 9") {
				t.Errorf("error %q names packet %d, conn %d, t %v", err, pe.Index, pe.Conn, pe.T)
			}
			if r.Packets() != 2 || len(readCapture(t, PCAP, buf.Bytes()).packets) != 2 {
				t.Errorf("the good packets were not both recorded: Packets() = %d", r.Packets())
			}
		})
	}
	// IPv6 payloads may come within the IPv4 limit's header allowance.
	p := good()
	p.Src, p.Dst = netip.MustParseAddrPort("[fd00::1]:1"), netip.MustParseAddrPort("[fd00::2]:2")
	p.Payload = make([]byte, 65535-20)
	if _, err := new(framer).frame(p); err != nil {
		t.Errorf("largest IPv6 segment refused: %v", err)
	}
}

// failAfter accepts n bytes, then fails every write.
type failAfter struct {
	n   int
	err error
}

func (f *failAfter) Write(b []byte) (int, error) {
	if len(b) > f.n {
		return 0, f.err
	}
	f.n -= len(b)
	return len(b), nil
}

func TestRecorderStopsAtTheFirstWriteError(t *testing.T) {
	cause := errors.New("disk full")
	r, err := NewRecorder(&failAfter{n: 100_000, err: cause}, Options{Format: PCAPNG})
	if err != nil {
		t.Fatal(err)
	}
	p := &simnet.Packet{
		Src: netip.MustParseAddrPort("10.0.0.1:1"), Dst: netip.MustParseAddrPort("10.0.0.2:2"),
		Flags: simnet.FlagACK, Payload: make([]byte, 1460),
	}
	const tries = 1000 // 1.5 MB: far past the buffer, so a write fails before Close
	for range tries {
		r.Observe(simnet.Event{Obj: "net", Packet: p})
	}
	written := r.Packets()
	if written == 0 || written == tries {
		t.Fatalf("Packets() = %d, want the count before the failure", written)
	}
	err = r.Close()
	if !errors.Is(err, cause) {
		t.Fatalf("Close() = %v, want %v", err, cause)
	}
	r.Observe(simnet.Event{Obj: "net", Packet: p})
	if r.Packets() != written || !errors.Is(r.Close(), cause) {
		t.Errorf("after Close: Packets() = %d, Close() = %v", r.Packets(), r.Close())
	}
}

func TestRecorderReportsAFailedFlush(t *testing.T) {
	cause := errors.New("gone")
	r, err := NewRecorder(&failAfter{err: cause}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); !errors.Is(err, cause) {
		t.Errorf("Close() = %v, want %v", err, cause)
	}
}

func TestOnesSumMatchesTheNaiveSum(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := range 200 {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		if got, want := ^fold(onesSum(b, 0)), naiveChecksum(b); got != want {
			t.Fatalf("%d bytes % x: checksum %#04x, want %#04x", n, b, got, want)
		}
		// All ones drives every carry to its limit.
		ff := bytes.Repeat([]byte{0xff}, n)
		if got, want := ^fold(onesSum(ff, 0)), naiveChecksum(ff); got != want {
			t.Fatalf("%d bytes of ff: checksum %#04x, want %#04x", n, got, want)
		}
	}
}

func BenchmarkRecord(b *testing.B) {
	for _, f := range []Format{PCAP, PCAPNG} {
		for _, size := range []int{0, 1460} {
			b.Run(fmt.Sprintf("%v/payload=%d", f, size), func(b *testing.B) {
				r, err := NewRecorder(io.Discard, Options{Format: f})
				if err != nil {
					b.Fatal(err)
				}
				p := &simnet.Packet{
					Conn: 1, Src: netip.MustParseAddrPort("10.0.0.1:49152"), Dst: netip.MustParseAddrPort("10.0.0.2:80"),
					Flags: simnet.FlagACK | simnet.FlagPSH, Window: 65535, Payload: make([]byte, size),
				}
				ev := simnet.Event{Obj: "net", Name: "seg", Packet: p}
				b.ReportAllocs()
				b.SetBytes(int64(size))
				for b.Loop() {
					ev.T += time.Microsecond
					p.Seq += uint32(size)
					r.Observe(ev)
				}
				if err := r.Close(); err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(r.Packets())/b.Elapsed().Seconds(), "packets/s")
			})
		}
	}
}
