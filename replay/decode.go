package replay

// Hand decoding of link, IP and TCP headers: only the fields reassembly needs,
// straight from the captured bytes, with every length checked before use.

import (
	"encoding/binary"
	"fmt"
	"net/netip"
)

// TCP header flags.
const (
	tcpFIN = 0x01
	tcpSYN = 0x02
	tcpRST = 0x04
	tcpACK = 0x10
)

const (
	etherIPv4 = 0x0800
	etherIPv6 = 0x86dd
	protoTCP  = 6
)

// segment is one TCP segment. payload aliases the record's data.
type segment struct {
	src, dst netip.AddrPort
	seq, ack uint32
	flags    uint8
	payload  []byte
	missing  int // payload bytes the capture cut off the end of the packet
}

func corrupt(format string, args ...any) *Error {
	return &Error{Code: CodeHeader, Reason: fmt.Sprintf(format, args...)}
}

// decode fills seg from a captured packet. It reports false with no error
// for a packet that is not TCP over IPv4 or IPv6 (ARP, UDP, ...), and an
// error, whose Packet the caller fills in, for one that cannot be decoded.
func decode(link uint32, data []byte, seg *segment) (bool, *Error) {
	version, ip, err := linkPayload(link, data)
	if err != nil || version == 0 {
		return false, err
	}
	var src, dst netip.Addr
	var tcp []byte
	var missing int
	switch version {
	case 4:
		src, dst, tcp, missing, err = ipv4(ip)
	case 6:
		src, dst, tcp, missing, err = ipv6(ip)
	}
	if err != nil || tcp == nil {
		return false, err
	}
	if len(tcp) < 20 {
		if missing > 0 {
			return false, &Error{Code: CodeSnapped, Reason: fmt.Sprintf("capture cut the packet inside its TCP header (%d of 20 bytes)", len(tcp))}
		}
		return false, corrupt("TCP header needs 20 bytes, the IP payload has %d", len(tcp))
	}
	doff := int(tcp[12]>>4) * 4
	if doff < 20 {
		return false, corrupt("TCP data offset %d is less than 5", doff/4)
	}
	if doff > len(tcp) {
		if missing > 0 {
			return false, &Error{Code: CodeSnapped, Reason: fmt.Sprintf("capture cut the packet inside its TCP options (%d of %d header bytes)", len(tcp), doff)}
		}
		return false, corrupt("TCP header length %d exceeds the %d bytes of the IP payload", doff, len(tcp))
	}
	seg.src = netip.AddrPortFrom(src, binary.BigEndian.Uint16(tcp))
	seg.dst = netip.AddrPortFrom(dst, binary.BigEndian.Uint16(tcp[2:]))
	seg.seq = binary.BigEndian.Uint32(tcp[4:])
	seg.ack = binary.BigEndian.Uint32(tcp[8:])
	seg.flags = tcp[13]
	seg.payload = tcp[doff:]
	seg.missing = missing
	return true, nil
}

// linkPayload strips the link header, returning the IP version (0 for a
// packet that is not IP) and the IP packet.
func linkPayload(link uint32, data []byte) (int, []byte, *Error) {
	var etherType uint16
	switch link {
	case linkEthernet:
		if len(data) < 14 {
			return 0, nil, corrupt("Ethernet header needs 14 bytes, the packet has %d", len(data))
		}
		etherType, data = binary.BigEndian.Uint16(data[12:]), data[14:]
	case linkSLL:
		if len(data) < 16 {
			return 0, nil, corrupt("Linux cooked (SLL) header needs 16 bytes, the packet has %d", len(data))
		}
		etherType, data = binary.BigEndian.Uint16(data[14:]), data[16:]
	case linkSLL2:
		if len(data) < 20 {
			return 0, nil, corrupt("Linux cooked (SLL2) header needs 20 bytes, the packet has %d", len(data))
		}
		etherType, data = binary.BigEndian.Uint16(data), data[20:]
	case linkNull, linkLoop:
		if len(data) < 4 {
			return 0, nil, corrupt("loopback header needs 4 bytes, the packet has %d", len(data))
		}
		family := binary.BigEndian.Uint32(data)
		if link == linkNull && family > 0xffff {
			// NULL is in the writer's byte order; families are small numbers.
			family = binary.LittleEndian.Uint32(data)
		}
		switch family {
		case 2:
			return 4, data[4:], nil
		case 10, 24, 28, 30: // AF_INET6 on Linux, NetBSD/OpenBSD, FreeBSD, macOS
			return 6, data[4:], nil
		}
		return 0, nil, nil
	case linkRaw:
		if len(data) < 1 {
			return 0, nil, corrupt("raw IP packet is empty")
		}
		switch data[0] >> 4 {
		case 4, 6:
			return int(data[0] >> 4), data, nil
		}
		return 0, nil, corrupt("raw IP packet has IP version %d", data[0]>>4)
	case linkIPv4:
		return 4, data, nil
	case linkIPv6:
		return 6, data, nil
	default:
		return 0, nil, &Error{Code: CodeLinkType, Reason: fmt.Sprintf("unsupported link type %d", link)}
	}
	// 802.1Q, 802.1ad and the old QinQ tag insert 4 bytes before the type.
	for etherType == 0x8100 || etherType == 0x88a8 || etherType == 0x9100 {
		if len(data) < 4 {
			return 0, nil, corrupt("VLAN tag needs 4 bytes, the packet has %d left", len(data))
		}
		etherType, data = binary.BigEndian.Uint16(data[2:]), data[4:]
	}
	switch etherType {
	case etherIPv4:
		return 4, data, nil
	case etherIPv6:
		return 6, data, nil
	}
	return 0, nil, nil
}

// ipv4 returns the addresses and TCP bytes of an IPv4 packet (nil tcp for
// another protocol) and how many bytes the capture cut off its end.
func ipv4(b []byte) (src, dst netip.Addr, tcp []byte, missing int, err *Error) {
	if len(b) < 20 {
		return src, dst, nil, 0, corrupt("IPv4 header needs 20 bytes, the packet has %d", len(b))
	}
	if v := b[0] >> 4; v != 4 {
		return src, dst, nil, 0, corrupt("IPv4 header has version %d", v)
	}
	ihl := int(b[0]&0x0f) * 4
	if ihl < 20 {
		return src, dst, nil, 0, corrupt("IPv4 header length %d bytes is less than 20 (IHL %d)", ihl, ihl/4)
	}
	if ihl > len(b) {
		return src, dst, nil, 0, corrupt("IPv4 header length %d exceeds the %d bytes captured", ihl, len(b))
	}
	total := int(binary.BigEndian.Uint16(b[2:]))
	switch {
	case total == 0:
		// Segmentation offload hands the capture one large packet whose
		// length field is left at zero; the capture length is the truth.
		total = len(b)
	case total < ihl:
		return src, dst, nil, 0, corrupt("IPv4 total length %d is less than its header length %d", total, ihl)
	case total > len(b):
		missing = total - len(b)
		total = len(b)
	}
	src = netip.AddrFrom4([4]byte(b[12:16]))
	dst = netip.AddrFrom4([4]byte(b[16:20]))
	if b[9] != protoTCP {
		return src, dst, nil, 0, nil
	}
	if frag := binary.BigEndian.Uint16(b[6:]); frag&0x3fff != 0 {
		return src, dst, nil, 0, &Error{Code: CodeFragment, Reason: fmt.Sprintf("IPv4 fragment (offset %d) of a TCP segment; fragments are not reassembled", (frag&0x1fff)*8)}
	}
	return src, dst, b[ihl:total], missing, nil
}

// ipv6 is ipv4 for IPv6, walking the extension headers that may sit before
// TCP.
func ipv6(b []byte) (src, dst netip.Addr, tcp []byte, missing int, err *Error) {
	if len(b) < 40 {
		return src, dst, nil, 0, corrupt("IPv6 header needs 40 bytes, the packet has %d", len(b))
	}
	if v := b[0] >> 4; v != 6 {
		return src, dst, nil, 0, corrupt("IPv6 header has version %d", v)
	}
	src = netip.AddrFrom16([16]byte(b[8:24]))
	dst = netip.AddrFrom16([16]byte(b[24:40]))
	total := 40 + int(binary.BigEndian.Uint16(b[4:]))
	switch {
	case total == 40:
		// A jumbogram or an offloaded large packet: the capture length rules.
		total = len(b)
	case total > len(b):
		missing = total - len(b)
		total = len(b)
	}
	next, rest := b[6], b[40:total]
	for {
		switch next {
		case protoTCP:
			return src, dst, rest, missing, nil
		case 0, 43, 60: // hop-by-hop, routing, destination options
			if len(rest) < 8 || (int(rest[1])+1)*8 > len(rest) {
				return src, dst, nil, 0, corrupt("IPv6 extension header %d overruns the packet", next)
			}
			next, rest = rest[0], rest[(int(rest[1])+1)*8:]
		case 51: // authentication header
			if len(rest) < 8 || (int(rest[1])+2)*4 > len(rest) {
				return src, dst, nil, 0, corrupt("IPv6 authentication header overruns the packet")
			}
			next, rest = rest[0], rest[(int(rest[1])+2)*4:]
		case 44:
			if len(rest) >= 1 && rest[0] == protoTCP {
				return src, dst, nil, 0, &Error{Code: CodeFragment, Reason: "IPv6 fragment of a TCP segment; fragments are not reassembled"}
			}
			return src, dst, nil, 0, nil
		default:
			return src, dst, nil, 0, nil
		}
	}
}
