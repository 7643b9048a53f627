package replay

// Builds capture files in memory for the tests: frames serialised with
// gopacket's layers for every link type, written as pcap (either byte order,
// micro- or nanoseconds) or pcapng (several interfaces and sections).

import (
	"bytes"
	"encoding/binary"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// tpkt is one TCP packet to put in a test capture.
type tpkt struct {
	at      time.Duration // after the capture's base time
	src     netip.AddrPort
	dst     netip.AddrPort
	flags   uint8
	seq     uint32
	ack     uint32
	payload []byte
	vlan    bool // add an 802.1Q tag (Ethernet only)
}

var baseTime = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

// frame serialises p for the given link type.
func frame(t testing.TB, link uint32, p tpkt) []byte {
	t.Helper()
	tcp := &layers.TCP{
		SrcPort: layers.TCPPort(p.src.Port()),
		DstPort: layers.TCPPort(p.dst.Port()),
		Seq:     p.seq,
		Ack:     p.ack,
		FIN:     p.flags&tcpFIN != 0,
		SYN:     p.flags&tcpSYN != 0,
		RST:     p.flags&tcpRST != 0,
		PSH:     len(p.payload) > 0,
		ACK:     p.flags&tcpACK != 0,
		Window:  65535,
	}
	var ip gopacket.SerializableLayer
	var etherType layers.EthernetType
	if p.src.Addr().Is4() {
		ip4 := &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: layers.IPProtocolTCP,
			SrcIP: net.IP(p.src.Addr().AsSlice()), DstIP: net.IP(p.dst.Addr().AsSlice())}
		_ = tcp.SetNetworkLayerForChecksum(ip4)
		ip, etherType = ip4, layers.EthernetTypeIPv4
	} else {
		ip6 := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolTCP,
			SrcIP: net.IP(p.src.Addr().AsSlice()), DstIP: net.IP(p.dst.Addr().AsSlice())}
		_ = tcp.SetNetworkLayerForChecksum(ip6)
		ip, etherType = ip6, layers.EthernetTypeIPv6
	}
	ls := []gopacket.SerializableLayer{ip, tcp, gopacket.Payload(p.payload)}
	var prefix []byte
	switch link {
	case linkEthernet:
		eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: etherType}
		if p.vlan {
			eth.EthernetType = layers.EthernetTypeDot1Q
			ls = append([]gopacket.SerializableLayer{eth, &layers.Dot1Q{VLANIdentifier: 42, Type: etherType}}, ls...)
		} else {
			ls = append([]gopacket.SerializableLayer{eth}, ls...)
		}
	case linkSLL:
		prefix = make([]byte, 16)
		binary.BigEndian.PutUint16(prefix[0:], 0)   // sent to us
		binary.BigEndian.PutUint16(prefix[2:], 772) // ARPHRD_LOOPBACK
		binary.BigEndian.PutUint16(prefix[4:], 6)
		binary.BigEndian.PutUint16(prefix[14:], uint16(etherType))
	case linkSLL2:
		prefix = make([]byte, 20)
		binary.BigEndian.PutUint16(prefix[0:], uint16(etherType))
		binary.BigEndian.PutUint32(prefix[4:], 1)
		binary.BigEndian.PutUint16(prefix[8:], 772)
		prefix[11] = 6
	case linkNull:
		prefix = make([]byte, 4)
		binary.LittleEndian.PutUint32(prefix, map[bool]uint32{true: 2, false: 30}[p.src.Addr().Is4()])
	case linkLoop:
		prefix = make([]byte, 4)
		binary.BigEndian.PutUint32(prefix, map[bool]uint32{true: 2, false: 24}[p.src.Addr().Is4()])
	case linkRaw, linkIPv4, linkIPv6:
	default:
		t.Fatalf("frame: no builder for link type %d", link)
	}
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...); err != nil {
		t.Fatalf("frame: %v", err)
	}
	return append(prefix, buf.Bytes()...)
}

// trec is one record of a test capture file.
type trec struct {
	at    time.Duration
	data  []byte
	wire  int // 0: len(data)
	iface int // pcapng interface
}

// pcapFile writes a classic pcap file.
func pcapFile(order binary.ByteOrder, nanos bool, link, snap uint32, recs []trec) []byte {
	var b bytes.Buffer
	magic := uint32(pcapMagicMicro)
	if nanos {
		magic = pcapMagicNano
	}
	put := func(v any) { _ = binary.Write(&b, order, v) }
	put(magic)
	put(uint16(2))
	put(uint16(4))
	put(int32(0))
	put(uint32(0))
	put(snap)
	put(link)
	for _, r := range recs {
		ts := baseTime.Add(r.at)
		frac := uint32(ts.Nanosecond() / 1000)
		if nanos {
			frac = uint32(ts.Nanosecond())
		}
		wire := r.wire
		if wire == 0 {
			wire = len(r.data)
		}
		put(uint32(ts.Unix()))
		put(frac)
		put(uint32(len(r.data)))
		put(uint32(wire))
		b.Write(r.data)
	}
	return b.Bytes()
}

// ngIfaceSpec describes one pcapng interface: its link type and the raw
// if_tsresol byte (0 for the default, microseconds).
type ngIfaceSpec struct {
	link  uint16
	resol byte
}

// ngSection is one pcapng section.
type ngSection struct {
	order  binary.AppendByteOrder
	ifaces []ngIfaceSpec
	recs   []trec
}

func ngBlock(b *bytes.Buffer, order binary.AppendByteOrder, typ uint32, body []byte) {
	for len(body)%4 != 0 {
		body = append(body, 0)
	}
	n := uint32(12 + len(body))
	b.Write(order.AppendUint32(order.AppendUint32(nil, typ), n))
	b.Write(body)
	b.Write(order.AppendUint32(nil, n))
}

// pcapngFile writes a pcapng file of the given sections.
func pcapngFile(sections ...ngSection) []byte {
	var b bytes.Buffer
	for _, s := range sections {
		o := s.order
		shb := o.AppendUint32(nil, ngByteOrder)
		shb = o.AppendUint16(shb, 1)
		shb = o.AppendUint16(shb, 0)
		shb = o.AppendUint64(shb, ^uint64(0))
		ngBlock(&b, o, ngBlockSHB, shb)
		for _, ifc := range s.ifaces {
			idb := o.AppendUint16(nil, ifc.link)
			idb = o.AppendUint16(idb, 0)
			idb = o.AppendUint32(idb, 262144)
			if ifc.resol != 0 {
				idb = o.AppendUint16(idb, ngOptTSResol)
				idb = o.AppendUint16(idb, 1)
				idb = append(idb, ifc.resol, 0, 0, 0)
				idb = o.AppendUint32(idb, 0) // opt_endofopt
			}
			ngBlock(&b, o, ngBlockIDB, idb)
		}
		for _, r := range s.recs {
			ticks := ngTicks(s.ifaces[r.iface].resol, baseTime.Add(r.at))
			wire := r.wire
			if wire == 0 {
				wire = len(r.data)
			}
			epb := o.AppendUint32(nil, uint32(r.iface))
			epb = o.AppendUint32(epb, uint32(ticks>>32))
			epb = o.AppendUint32(epb, uint32(ticks))
			epb = o.AppendUint32(epb, uint32(len(r.data)))
			epb = o.AppendUint32(epb, uint32(wire))
			epb = append(epb, r.data...)
			ngBlock(&b, o, ngBlockEPB, epb)
		}
	}
	return b.Bytes()
}

// ngTicks converts a time to timestamp units of the given if_tsresol.
func ngTicks(resol byte, ts time.Time) uint64 {
	ns := uint64(ts.UnixNano())
	if resol == 0 {
		resol = 6
	}
	exp := uint(resol & 0x7f)
	if resol&0x80 != 0 {
		sec := ns / 1e9
		return sec<<exp | (ns%1e9)<<exp/1e9
	}
	for range 9 - exp {
		ns /= 10
	}
	return ns
}

// conv builds a TCP conversation with correct sequence numbers.
type conv struct {
	client, server netip.AddrPort
	cseq, sseq     uint32
	at             time.Duration
	pkts           []tpkt
}

func newConv(client, server string) *conv {
	return &conv{client: netip.MustParseAddrPort(client), server: netip.MustParseAddrPort(server), cseq: 1000, sseq: 5000}
}

func (c *conv) emit(fromClient bool, flags uint8, payload string) *conv {
	c.at += time.Millisecond
	p := tpkt{at: c.at, flags: flags, payload: []byte(payload)}
	if fromClient {
		p.src, p.dst, p.seq, p.ack = c.client, c.server, c.cseq, c.sseq
	} else {
		p.src, p.dst, p.seq, p.ack = c.server, c.client, c.sseq, c.cseq
	}
	n := uint32(len(payload))
	if flags&(tcpSYN|tcpFIN) != 0 {
		n++
	}
	if fromClient {
		c.cseq += n
	} else {
		c.sseq += n
	}
	c.pkts = append(c.pkts, p)
	return c
}

func (c *conv) handshake() *conv {
	c.emit(true, tcpSYN, "")
	c.pkts[len(c.pkts)-1].ack = 0
	c.pkts[len(c.pkts)-1].flags = tcpSYN
	return c.emit(false, tcpSYN|tcpACK, "").emit(true, tcpACK, "")
}

func (c *conv) send(data string) *conv  { return c.emit(true, tcpACK, data) }
func (c *conv) reply(data string) *conv { return c.emit(false, tcpACK, data) }
func (c *conv) ackC() *conv             { return c.emit(true, tcpACK, "") }
func (c *conv) ackS() *conv             { return c.emit(false, tcpACK, "") }
func (c *conv) finC() *conv             { return c.emit(true, tcpFIN|tcpACK, "") }
func (c *conv) finS() *conv             { return c.emit(false, tcpFIN|tcpACK, "") }
func (c *conv) resetS() *conv           { return c.emit(false, tcpRST|tcpACK, "") }

// close is the usual ending: the client closes, the server follows.
func (c *conv) close() *conv { return c.finC().finS().ackC() }

// records serialises packets for a link type.
func records(t testing.TB, link uint32, pkts []tpkt) []trec {
	t.Helper()
	recs := make([]trec, len(pkts))
	for i, p := range pkts {
		recs[i] = trec{at: p.at, data: frame(t, link, p)}
	}
	return recs
}

// pcapOf is the everyday capture: little-endian microsecond pcap over
// Ethernet.
func pcapOf(t testing.TB, pkts ...[]tpkt) []byte {
	t.Helper()
	var all []tpkt
	for _, p := range pkts {
		all = append(all, p...)
	}
	return pcapFile(binary.LittleEndian, false, linkEthernet, 262144, records(t, linkEthernet, all))
}
