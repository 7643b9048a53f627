package record

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"net/netip"

	"github.com/simhttp/simhttp/simnet"
)

// Header sizes and the constant fields of the frames we build.
const (
	ethHeaderLen  = 14
	ipv4HeaderLen = 20
	ipv6HeaderLen = 40
	tcpHeaderLen  = 20
	mssOptionLen  = 4
	maxIPPayload  = 0xffff

	etherTypeIPv4 = 0x0800
	etherTypeIPv6 = 0x86dd
	protoTCP      = 6
	hopLimit      = 64
	ipv4DontFrag  = 0x4000

	// The MSS a host on a 1500-byte Ethernet link announces: the MTU less
	// the IP and TCP headers.
	mssIPv4 = 1500 - ipv4HeaderLen - tcpHeaderLen
	mssIPv6 = 1500 - ipv6HeaderLen - tcpHeaderLen
)

// flowKey names one direction of one connection.
type flowKey struct{ src, dst netip.AddrPort }

// framer builds Ethernet/IP/TCP frames for simulated segments. The frame it
// returns lives in a buffer reused by the next call.
type framer struct {
	buf   []byte
	ipIDs map[flowKey]uint16 // IPv4 identification, counted per direction of each flow
}

func newFramer() *framer {
	return &framer{ipIDs: map[flowKey]uint16{}}
}

// frame returns the Ethernet frame carrying p.
func (f *framer) frame(p *simnet.Packet) ([]byte, error) {
	src, dst := p.Src.Addr().Unmap(), p.Dst.Addr().Unmap()
	if !src.IsValid() || !dst.IsValid() {
		return nil, fmt.Errorf("%w: %v -> %v", ErrInvalidAddress, p.Src, p.Dst)
	}
	v4 := src.Is4()
	if v4 != dst.Is4() {
		return nil, fmt.Errorf("%w: %v -> %v", ErrMixedFamilies, p.Src, p.Dst)
	}
	tcpLen := tcpHeaderLen
	if p.Flags&simnet.FlagSYN != 0 {
		tcpLen += mssOptionLen
	}
	ipLen := ipv6HeaderLen
	if v4 {
		ipLen = ipv4HeaderLen
	}
	segLen := tcpLen + len(p.Payload)
	if (v4 && ipLen+segLen > maxIPPayload) || segLen > maxIPPayload {
		return nil, fmt.Errorf("%w: %d payload bytes", ErrSegmentTooLarge, len(p.Payload))
	}
	total := ethHeaderLen + ipLen + segLen
	if cap(f.buf) < total {
		f.buf = make([]byte, total, max(total, 2*cap(f.buf)))
	}
	b := f.buf[:total]

	putMAC(b[0:6], dst)
	putMAC(b[6:12], src)
	ip := b[ethHeaderLen : ethHeaderLen+ipLen]
	tcp := b[ethHeaderLen+ipLen:]
	var pseudo uint64
	if v4 {
		binary.BigEndian.PutUint16(b[12:14], etherTypeIPv4)
		key := flowKey{p.Src, p.Dst}
		id := f.ipIDs[key] + 1
		f.ipIDs[key] = id
		putIPv4Header(ip, src, dst, ipLen+segLen, id)
		pseudo = onesSum(ip[12:20], uint64(protoTCP)+uint64(segLen))
	} else {
		binary.BigEndian.PutUint16(b[12:14], etherTypeIPv6)
		putIPv6Header(ip, src, dst, segLen)
		pseudo = onesSum(ip[8:40], uint64(protoTCP)+uint64(segLen))
	}

	binary.BigEndian.PutUint16(tcp[0:2], p.Src.Port())
	binary.BigEndian.PutUint16(tcp[2:4], p.Dst.Port())
	binary.BigEndian.PutUint32(tcp[4:8], p.Seq)
	ack := p.Ack
	if p.Flags&simnet.FlagACK == 0 {
		// The field is meaningless without ACK; a zero keeps analysers quiet.
		ack = 0
	}
	binary.BigEndian.PutUint32(tcp[8:12], ack)
	tcp[12] = byte(tcpLen/4) << 4
	tcp[13] = byte(p.Flags) // simnet's flag bits are TCP's wire bits
	binary.BigEndian.PutUint16(tcp[14:16], p.Window)
	tcp[16], tcp[17] = 0, 0
	tcp[18], tcp[19] = 0, 0
	if tcpLen > tcpHeaderLen {
		mss := uint16(mssIPv6)
		if v4 {
			mss = mssIPv4
		}
		tcp[20], tcp[21] = 2, mssOptionLen // kind MSS, length
		binary.BigEndian.PutUint16(tcp[22:24], mss)
	}
	copy(tcp[tcpLen:], p.Payload)
	binary.BigEndian.PutUint16(tcp[16:18], ^fold(onesSum(tcp, pseudo)))
	return b, nil
}

// putMAC derives a locally administered unicast address from the IP, so a
// host keeps one MAC throughout a capture.
func putMAC(mac []byte, a netip.Addr) {
	mac[0] = 0x02
	if a.Is4() {
		mac[1] = 0
		ip := a.As4()
		copy(mac[2:], ip[:])
		return
	}
	ip := a.As16()
	copy(mac[1:], ip[11:])
}

func putIPv4Header(h []byte, src, dst netip.Addr, totalLen int, id uint16) {
	h[0] = 0x45 // version 4, five 32-bit words
	h[1] = 0
	binary.BigEndian.PutUint16(h[2:4], uint16(totalLen))
	binary.BigEndian.PutUint16(h[4:6], id)
	binary.BigEndian.PutUint16(h[6:8], ipv4DontFrag)
	h[8] = hopLimit
	h[9] = protoTCP
	h[10], h[11] = 0, 0
	s, d := src.As4(), dst.As4()
	copy(h[12:16], s[:])
	copy(h[16:20], d[:])
	binary.BigEndian.PutUint16(h[10:12], ^fold(onesSum(h, 0)))
}

func putIPv6Header(h []byte, src, dst netip.Addr, payloadLen int) {
	binary.BigEndian.PutUint32(h[0:4], 6<<28) // version 6, no traffic class, no flow label
	binary.BigEndian.PutUint16(h[4:6], uint16(payloadLen))
	h[6] = protoTCP
	h[7] = hopLimit
	s, d := src.As16(), dst.As16()
	copy(h[8:24], s[:])
	copy(h[24:40], d[:])
}

// onesSum adds b to acc as big-endian 16-bit words in ones' complement
// arithmetic. It works eight bytes at a time: with an end-around carry a
// 64-bit sum folds to the same 16-bit sum, since 2^16 ≡ 1 modulo 2^16-1.
func onesSum(b []byte, acc uint64) uint64 {
	var c uint64
	for len(b) >= 32 {
		acc, c = bits.Add64(acc, binary.BigEndian.Uint64(b), 0)
		acc += c
		acc, c = bits.Add64(acc, binary.BigEndian.Uint64(b[8:]), 0)
		acc += c
		acc, c = bits.Add64(acc, binary.BigEndian.Uint64(b[16:]), 0)
		acc += c
		acc, c = bits.Add64(acc, binary.BigEndian.Uint64(b[24:]), 0)
		acc += c
		b = b[32:]
	}
	for len(b) >= 8 {
		acc, c = bits.Add64(acc, binary.BigEndian.Uint64(b), 0)
		acc += c
		b = b[8:]
	}
	var tail uint64
	for len(b) >= 2 {
		tail += uint64(binary.BigEndian.Uint16(b))
		b = b[2:]
	}
	if len(b) == 1 {
		tail += uint64(b[0]) << 8
	}
	acc, c = bits.Add64(acc, tail, 0)
	return acc + c
}

// fold reduces a ones' complement sum to 16 bits.
func fold(acc uint64) uint16 {
	for acc > 0xffff {
		acc = acc>>16 + acc&0xffff
	}
	return uint16(acc)
}
