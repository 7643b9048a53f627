package replay

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net/netip"
	"testing"
)

func TestDecodeEveryLinkType(t *testing.T) {
	v4 := tpkt{src: netip.MustParseAddrPort("10.0.0.1:40000"), dst: netip.MustParseAddrPort("10.0.0.2:80"),
		flags: tcpACK, seq: 7, ack: 9, payload: []byte("GET / HTTP/1.1\r\n\r\n")}
	v6 := v4
	v6.src, v6.dst = netip.MustParseAddrPort("[fd00::1]:40000"), netip.MustParseAddrPort("[fd00::2]:80")
	for _, link := range []uint32{linkEthernet, linkSLL, linkSLL2, linkNull, linkLoop, linkRaw} {
		for _, p := range []tpkt{v4, v6} {
			t.Run(linkName(link)+"/"+p.src.Addr().String(), func(t *testing.T) {
				checkDecoded(t, link, frame(t, link, p), p)
			})
		}
	}
	checkDecoded(t, linkIPv4, frame(t, linkIPv4, v4), v4)
	checkDecoded(t, linkIPv6, frame(t, linkIPv6, v6), v6)
	tagged := v4
	tagged.vlan = true
	checkDecoded(t, linkEthernet, frame(t, linkEthernet, tagged), tagged)
}

func checkDecoded(t *testing.T, link uint32, data []byte, want tpkt) {
	t.Helper()
	var seg segment
	ok, err := decode(link, data, &seg)
	if !ok || err != nil {
		t.Fatalf("decode: ok %v, err %v", ok, err)
	}
	if seg.src != want.src || seg.dst != want.dst || seg.seq != want.seq || seg.ack != want.ack ||
		seg.flags&(tcpSYN|tcpFIN|tcpRST|tcpACK) != want.flags || !bytes.Equal(seg.payload, want.payload) || seg.missing != 0 {
		t.Errorf("decoded %+v, want %+v", seg, want)
	}
}

func TestDecodeNullInEitherByteOrder(t *testing.T) {
	p := tpkt{src: netip.MustParseAddrPort("127.0.0.1:1"), dst: netip.MustParseAddrPort("127.0.0.1:2"), flags: tcpSYN}
	data := frame(t, linkNull, p)
	binary.BigEndian.PutUint32(data, 2)
	checkDecoded(t, linkNull, data, p)
}

func TestDecodeTrimsEthernetPadding(t *testing.T) {
	p := tpkt{src: netip.MustParseAddrPort("10.0.0.1:1"), dst: netip.MustParseAddrPort("10.0.0.2:2"), flags: tcpACK, payload: []byte("x")}
	data := append(frame(t, linkEthernet, p), 0, 0, 0, 0, 0)
	checkDecoded(t, linkEthernet, data, p)
}

func TestDecodeOffloadedLengthZero(t *testing.T) {
	p := tpkt{src: netip.MustParseAddrPort("10.0.0.1:1"), dst: netip.MustParseAddrPort("10.0.0.2:2"), flags: tcpACK, payload: []byte("big")}
	data := frame(t, linkRaw, p)
	binary.BigEndian.PutUint16(data[2:], 0)
	checkDecoded(t, linkRaw, data, p)
}

func TestDecodeSnappedPacket(t *testing.T) {
	p := tpkt{src: netip.MustParseAddrPort("10.0.0.1:1"), dst: netip.MustParseAddrPort("10.0.0.2:2"), flags: tcpACK, payload: []byte("0123456789")}
	data := frame(t, linkRaw, p)
	var seg segment
	if ok, err := decode(linkRaw, data[:len(data)-4], &seg); !ok || err != nil {
		t.Fatalf("ok %v err %v", ok, err)
	}
	if string(seg.payload) != "012345" || seg.missing != 4 {
		t.Errorf("payload %q missing %d, want 012345 and 4", seg.payload, seg.missing)
	}
	if _, err := decode(linkRaw, data[:30], &seg); !errors.Is(err, &Error{Code: CodeSnapped}) {
		t.Errorf("cut inside the TCP header: err %v, want %s", err, CodeSnapped)
	}
}

func TestDecodeSkipsWhatIsNotTCP(t *testing.T) {
	p := tpkt{src: netip.MustParseAddrPort("10.0.0.1:1"), dst: netip.MustParseAddrPort("10.0.0.2:2")}
	udp := frame(t, linkRaw, p)
	udp[9] = 17
	arp := frame(t, linkEthernet, p)
	arp[12], arp[13] = 0x08, 0x06
	for name, tc := range map[string]struct {
		link uint32
		data []byte
	}{"udp": {linkRaw, udp}, "arp": {linkEthernet, arp}, "AF_UNIX": {linkNull, []byte{1, 0, 0, 0, 9}}} {
		var seg segment
		if ok, err := decode(tc.link, tc.data, &seg); ok || err != nil {
			t.Errorf("%s: ok %v err %v, want skipped quietly", name, ok, err)
		}
	}
}

func TestDecodeCorruptHeaders(t *testing.T) {
	p := tpkt{src: netip.MustParseAddrPort("10.0.0.1:1"), dst: netip.MustParseAddrPort("10.0.0.2:2"), flags: tcpACK, payload: []byte("abc")}
	p6 := p
	p6.src, p6.dst = netip.MustParseAddrPort("[::1]:1"), netip.MustParseAddrPort("[::1]:2")
	mut := func(link uint32, p tpkt, f func(b []byte) []byte) []byte { return f(frame(t, link, p)) }
	for _, tc := range []struct {
		name string
		link uint32
		data []byte
		code string
		text string
	}{
		{"short Ethernet", linkEthernet, make([]byte, 10), CodeHeader, "Ethernet header needs 14 bytes, the packet has 10"},
		{"short SLL2", linkSLL2, make([]byte, 19), CodeHeader, "Linux cooked (SLL2) header needs 20 bytes, the packet has 19"},
		{"IHL below 5", linkRaw, mut(linkRaw, p, func(b []byte) []byte { b[0] = 0x43; return b }), CodeHeader, "IPv4 header length 12 bytes is less than 20 (IHL 3)"},
		{"IHL beyond the packet", linkRaw, mut(linkRaw, p, func(b []byte) []byte { b[0] = 0x4f; return b[:40] }), CodeHeader, "IPv4 header length 60 exceeds the 40 bytes captured"},
		{"total length below header", linkRaw, mut(linkRaw, p, func(b []byte) []byte { b[3] = 10; return b }), CodeHeader, "IPv4 total length 10 is less than its header length 20"},
		{"wrong version", linkIPv4, mut(linkRaw, p6, func(b []byte) []byte { return b }), CodeHeader, "IPv4 header has version 6"},
		{"data offset below 5", linkRaw, mut(linkRaw, p, func(b []byte) []byte { b[32] = 0x30; return b }), CodeHeader, "TCP data offset 3 is less than 5"},
		{"data offset beyond the packet", linkRaw, mut(linkRaw, p, func(b []byte) []byte { b[32] = 0xf0; return b }), CodeHeader, "TCP header length 60 exceeds the 23 bytes of the IP payload"},
		{"short IPv6", linkIPv6, make([]byte, 39), CodeHeader, "IPv6 header needs 40 bytes, the packet has 39"},
		{"IPv4 fragment", linkRaw, mut(linkRaw, p, func(b []byte) []byte { b[6] = 0x20; return b }), CodeFragment, "IPv4 fragment (offset 0) of a TCP segment; fragments are not reassembled"},
		{"IPv6 extension overrun", linkRaw, mut(linkRaw, p6, func(b []byte) []byte { b[6] = 0; b[41] = 200; return b }), CodeHeader, "IPv6 extension header 0 overruns the packet"},
		{"unsupported link", 147, []byte{1}, CodeLinkType, "unsupported link type 147"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var seg segment
			ok, err := decode(tc.link, tc.data, &seg)
			if ok || err == nil || err.Code != tc.code || err.Error() != tc.text {
				t.Errorf("ok %v, err %v (%v); want %s %q", ok, err, err != nil && err.Code == tc.code, tc.code, tc.text)
			}
		})
	}
}
