package replay

// The two capture file formats (libpcap's classic format and pcapng) and the
// link types their records carry. The readers hand out one record at a time
// from a shared buffer, so reading a large file allocates almost nothing.

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/bits"
)

// Link types from the tcpdump LINKTYPE registry.
const (
	linkNull     = 0   // BSD loopback: 4-byte address family in the writer's byte order
	linkEthernet = 1   // Ethernet II, possibly with 802.1Q/802.1ad tags
	linkRaw      = 101 // raw IPv4 or IPv6, told apart by the version nibble
	linkLoop     = 108 // OpenBSD loopback: 4-byte address family, big-endian
	linkSLL      = 113 // Linux cooked capture v1 (tcpdump -i any, older)
	linkIPv4     = 228 // raw IPv4
	linkIPv6     = 229 // raw IPv6
	linkSLL2     = 276 // Linux cooked capture v2 (tcpdump -i any, current)
)

var linkNames = map[uint32]string{
	linkNull:     "NULL",
	linkEthernet: "EN10MB",
	linkRaw:      "RAW",
	linkLoop:     "LOOP",
	linkSLL:      "LINUX_SLL",
	linkIPv4:     "IPV4",
	linkIPv6:     "IPV6",
	linkSLL2:     "LINUX_SLL2",
}

// linkName names a link type as tcpdump does, or by number when unsupported.
func linkName(lt uint32) string {
	if n, ok := linkNames[lt]; ok {
		return n
	}
	return fmt.Sprintf("%d", lt)
}

const (
	pcapMagicMicro = 0xa1b2c3d4
	pcapMagicNano  = 0xa1b23c4d
	ngBlockSHB     = 0x0a0d0d0a
	ngByteOrder    = 0x1a2b3c4d

	// readBuffer holds any ordinary record, so records are peeked in place.
	readBuffer = 256 << 10
	// minBuffer is the least buffer worth having: a header and a record.
	minBuffer = 4 << 10
	// maxSnap is the longest record taken whatever the file claims: past it
	// a length is corrupt, not large.
	maxSnap = 16 << 20
	// tcpdumpSnap is the largest snap length tcpdump writes; records up to it
	// are read even when a careless writer declared a smaller one.
	tcpdumpSnap = 262144
)

// record is one captured packet. data is valid until the next call to next.
type record struct {
	num     int    // 1-based packet number, as Wireshark numbers frames
	data    []byte // the captured bytes
	wireLen int    // the packet's length on the wire
	ts      int64  // nanoseconds since the Unix epoch
	link    uint32 // link type of the interface it was captured on
}

// recordReader yields the packets of a capture file in file order.
type recordReader interface {
	// next fills rec with the next packet, returning io.EOF at the clean end
	// of the file and an *Error once the rest of the file cannot be framed.
	next(rec *record) error
	// count is how many packets the file has yielded or skipped so far.
	count() int
}

// openCapture reads the file header, choosing the format by its magic number.
// Problems with single records that do not stop reading go to warn.
func openCapture(r io.Reader, warn func(*Error)) (recordReader, string, error) {
	br := bufio.NewReaderSize(r, bufferSize(r))
	head, err := br.Peek(4)
	if len(head) < 4 {
		if err == io.EOF || err == nil {
			return nil, "", &Error{Code: CodeTruncated, Reason: fmt.Sprintf("file is %d bytes, too short for a capture header", len(head))}
		}
		return nil, "", fmt.Errorf("replay: reading the capture header: %w", err)
	}
	if binary.LittleEndian.Uint32(head) == ngBlockSHB {
		ng := &ngReader{br: br, warn: warn}
		if err := ng.readFirstSection(); err != nil {
			return nil, "", err
		}
		return ng, "pcapng", nil
	}
	p, err := newPcapReader(br, warn)
	if err != nil {
		return nil, "", err
	}
	return p, "pcap", nil
}

// bufferSize is readBuffer, or less for an input known to be smaller: a
// small capture should not cost a quarter-megabyte buffer, which is what
// made fuzzing crawl.
func bufferSize(r io.Reader) int {
	var size int64 = -1
	switch f := r.(type) {
	case interface{ Len() int }: // bytes.Reader, bytes.Buffer, strings.Reader
		size = int64(f.Len())
	case interface{ Stat() (fs.FileInfo, error) }: // *os.File
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
			size = fi.Size()
		}
	}
	if size < 0 || size >= readBuffer {
		return readBuffer
	}
	return max(int(size), minBuffer)
}

// pcapReader reads libpcap's classic format, either byte order, micro- or
// nanosecond timestamps.
type pcapReader struct {
	br      *bufio.Reader
	order   binary.ByteOrder
	fracNs  int64 // nanoseconds per unit of the fractional timestamp field
	snap    uint32
	link    uint32
	n       int
	scratch []byte
	warn    func(*Error)
}

func newPcapReader(br *bufio.Reader, warn func(*Error)) (*pcapReader, error) {
	h, err := br.Peek(24)
	magicLE := binary.LittleEndian.Uint32(h)
	magicBE := binary.BigEndian.Uint32(h)
	p := &pcapReader{br: br, warn: warn}
	switch {
	case magicLE == pcapMagicMicro:
		p.order, p.fracNs = binary.LittleEndian, 1000
	case magicBE == pcapMagicMicro:
		p.order, p.fracNs = binary.BigEndian, 1000
	case magicLE == pcapMagicNano:
		p.order, p.fracNs = binary.LittleEndian, 1
	case magicBE == pcapMagicNano:
		p.order, p.fracNs = binary.BigEndian, 1
	default:
		return nil, &Error{Code: CodeFormat, Reason: fmt.Sprintf("unknown magic number %#08x: not a pcap or pcapng file", magicBE)}
	}
	if len(h) < 24 {
		if err == io.EOF {
			return nil, &Error{Code: CodeTruncated, Reason: fmt.Sprintf("pcap file header is %d of 24 bytes", len(h))}
		}
		return nil, fmt.Errorf("replay: reading the pcap header: %w", err)
	}
	if major := p.order.Uint16(h[4:]); major != 2 {
		return nil, &Error{Code: CodeFormat, Reason: fmt.Sprintf("unsupported pcap version %d.%d", major, p.order.Uint16(h[6:]))}
	}
	p.snap = p.order.Uint32(h[16:])
	// The upper bits of the link-type field describe an FCS, which the IP
	// length fields make harmless to ignore.
	p.link = p.order.Uint32(h[20:]) & 0xffff
	if _, ok := linkNames[p.link]; !ok {
		return nil, &Error{Code: CodeLinkType, Reason: fmt.Sprintf("unsupported link type %d", p.link)}
	}
	_, _ = br.Discard(24)
	return p, nil
}

func (p *pcapReader) count() int { return p.n }

func (p *pcapReader) next(rec *record) error {
	h, err := p.br.Peek(16)
	if len(h) < 16 {
		if len(h) == 0 && err == io.EOF {
			return io.EOF
		}
		return readFailure(p.n+1, err, "truncated record header (%d of 16 bytes)", len(h))
	}
	p.n++
	caplen := p.order.Uint32(h[8:])
	wire := p.order.Uint32(h[12:])
	rec.num = p.n
	rec.ts = int64(p.order.Uint32(h[0:]))*1e9 + int64(p.order.Uint32(h[4:]))*p.fracNs
	rec.wireLen = int(wire)
	rec.link = p.link
	_, _ = p.br.Discard(16)

	limit := uint32(tcpdumpSnap)
	if p.snap > limit {
		limit = min(p.snap, maxSnap)
	}
	if caplen > limit {
		// Name the limit applied, which is not the snap length when the
		// file claims an absurd one (0xffffffff) or a careless small one.
		return &Error{Code: CodeRecord, Packet: p.n, Reason: fmt.Sprintf("capture length %d exceeds the largest record read, %d bytes (the file's snap length is %d); the rest of the file cannot be framed", caplen, limit, p.snap)}
	}
	if p.snap != 0 && caplen > p.snap {
		p.warn(problemf(CodeRecord, p.n, "capture length %d exceeds snap length %d", caplen, p.snap))
	}
	if caplen > wire {
		p.warn(problemf(CodeRecord, p.n, "capture length %d exceeds packet length %d", caplen, wire))
		rec.wireLen = int(caplen)
	}
	rec.data, err = readBytes(p.br, int(caplen), &p.scratch)
	if err != nil {
		return readFailure(p.n, err, "truncated record (%d of %d bytes)", len(rec.data), caplen)
	}
	return nil
}

// readFailure turns a short read into a truncation problem for packet num,
// and passes any other I/O failure through.
func readFailure(num int, err error, format string, args ...any) error {
	if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
		return problemf(CodeTruncated, num, format, args...)
	}
	return fmt.Errorf("replay: reading packet %d: %w", num, err)
}

// readBytes returns the next n bytes: in place in the reader's buffer when
// they fit, otherwise in scratch, grown as data actually arrives so a
// corrupt length cannot make it allocate more than the file holds. On a short
// read it returns the bytes there were.
func readBytes(br *bufio.Reader, n int, scratch *[]byte) ([]byte, error) {
	if n <= br.Size() {
		b, err := br.Peek(n)
		if len(b) < n {
			_, _ = br.Discard(len(b))
			return b, err
		}
		_, _ = br.Discard(n)
		return b, nil
	}
	buf := (*scratch)[:0]
	for len(buf) < n {
		step := min(n-len(buf), br.Size())
		buf = append(buf, make([]byte, step)...)
		got, err := io.ReadFull(br, buf[len(buf)-step:])
		if err != nil {
			*scratch = buf
			return buf[:len(buf)-step+got], err
		}
	}
	*scratch = buf
	return buf, nil
}

// ngReader reads pcapng: any number of sections, each with its own byte order
// and interfaces, each interface with its own link type and timestamp
// resolution.
type ngReader struct {
	br      *bufio.Reader
	order   binary.ByteOrder
	ifaces  []ngIface
	n       int   // packets so far
	offset  int64 // file offset of the next block, for messages
	lastTS  int64 // simple packet blocks carry no timestamp and inherit this
	scratch []byte
	warn    func(*Error)
	secrets *KeyLog // where Decryption Secrets Blocks go; nil ignores them
}

// ngIface is one Interface Description Block.
type ngIface struct {
	link     uint32
	snap     uint32
	perSec   uint64 // timestamp units per second
	offsetNs int64  // if_tsoffset, in nanoseconds
	usable   bool   // its link type is decoded
}

const (
	ngBlockIDB = 1
	ngBlockPB  = 2
	ngBlockSPB = 3
	ngBlockEPB = 6
	ngBlockDSB = 10

	ngOptEnd      = 0
	ngOptTSResol  = 9
	ngOptTSOffset = 14
)

// readFirstSection reads the section header that must open the file, so a
// file that is not pcapng fails before any packet is read.
func (r *ngReader) readFirstSection() error {
	typ, body, err := r.readBlock()
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			e.Packet = 0
		}
		return err
	}
	if typ != ngBlockSHB {
		return &Error{Code: CodeFormat, Reason: "pcapng file does not start with a section header"}
	}
	if err := r.section(body); err != nil {
		return err
	}
	return nil
}

func (r *ngReader) count() int { return r.n }

func (r *ngReader) next(rec *record) error {
	for {
		typ, body, err := r.readBlock()
		if err != nil {
			return err
		}
		switch typ {
		case ngBlockSHB:
			if err := r.section(body); err != nil {
				err.Packet = r.n + 1
				return err
			}
		case ngBlockIDB:
			r.iface(body)
		case ngBlockDSB:
			r.secretsBlock(body)
		case ngBlockEPB, ngBlockPB, ngBlockSPB:
			r.n++
			if ok := r.packet(typ, body, rec); ok {
				return nil
			}
		}
	}
}

// readBlock returns the next block's type and body (between the length
// fields). The body is valid until the next call.
func (r *ngReader) readBlock() (uint32, []byte, error) {
	h, err := r.br.Peek(12)
	if len(h) < 8 {
		if len(h) == 0 && err == io.EOF {
			return 0, nil, io.EOF
		}
		return 0, nil, readFailure(r.n+1, err, "truncated pcapng block header at file offset %d (%d of 8 bytes)", r.offset, len(h))
	}
	if r.order == nil || binary.LittleEndian.Uint32(h) == ngBlockSHB {
		if len(h) < 12 {
			return 0, nil, readFailure(r.n+1, err, "truncated pcapng section header at file offset %d", r.offset)
		}
		switch {
		case binary.LittleEndian.Uint32(h[8:]) == ngByteOrder:
			r.order = binary.LittleEndian
		case binary.BigEndian.Uint32(h[8:]) == ngByteOrder:
			r.order = binary.BigEndian
		default:
			return 0, nil, &Error{Code: CodeFormat, Packet: r.n + 1, Reason: fmt.Sprintf("pcapng section header at file offset %d has no valid byte-order magic", r.offset)}
		}
	}
	typ := r.order.Uint32(h)
	length := r.order.Uint32(h[4:])
	if length < 12 || length%4 != 0 || length > maxSnap {
		return 0, nil, &Error{Code: CodeFormat, Packet: r.n + 1, Reason: fmt.Sprintf("pcapng block at file offset %d has impossible length %d", r.offset, length)}
	}
	block, err := readBytes(r.br, int(length), &r.scratch)
	if err != nil {
		return 0, nil, readFailure(r.n+1, err, "truncated pcapng block at file offset %d (%d of %d bytes)", r.offset, len(block), length)
	}
	if trailer := r.order.Uint32(block[length-4:]); trailer != length {
		return 0, nil, &Error{Code: CodeFormat, Packet: r.n + 1, Reason: fmt.Sprintf("pcapng block at file offset %d has length %d at its start and %d at its end", r.offset, length, trailer)}
	}
	r.offset += int64(length)
	return typ, block[8 : length-4], nil
}

// section starts a new section: interfaces from the previous one no longer
// apply.
func (r *ngReader) section(body []byte) *Error {
	if len(body) < 16 {
		return &Error{Code: CodeFormat, Reason: "pcapng section header is too short"}
	}
	if major := r.order.Uint16(body[4:]); major != 1 {
		return &Error{Code: CodeFormat, Reason: fmt.Sprintf("unsupported pcapng version %d.%d", major, r.order.Uint16(body[6:]))}
	}
	r.ifaces = r.ifaces[:0]
	return nil
}

// secretsBlock reads a Decryption Secrets Block: the key log lines that
// `editcap --inject-secrets` puts in a capture.
func (r *ngReader) secretsBlock(body []byte) {
	if r.secrets == nil {
		return
	}
	if len(body) < 8 || uint64(r.order.Uint32(body[4:])) > uint64(len(body)-8) {
		r.warn(problemf(CodeFormat, 0, "pcapng decryption secrets block before packet %d is cut off", r.n+1))
		return
	}
	if e := r.secrets.secretsBlock(r.order.Uint32(body), body[8:8+r.order.Uint32(body[4:])], r.n+1); e != nil {
		r.warn(e)
	}
}

func (r *ngReader) iface(body []byte) {
	id := len(r.ifaces)
	if len(body) < 8 {
		r.warn(problemf(CodeFormat, 0, "pcapng interface %d: description block is too short; its packets are skipped", id))
		r.ifaces = append(r.ifaces, ngIface{})
		return
	}
	ifc := ngIface{link: uint32(r.order.Uint16(body)), snap: r.order.Uint32(body[4:]), perSec: 1e6}
	resol := byte(6)
	r.options(body[8:], func(code uint16, v []byte) {
		switch {
		case code == ngOptTSResol && len(v) >= 1:
			resol = v[0]
		case code == ngOptTSOffset && len(v) >= 8:
			ifc.offsetNs = int64(r.order.Uint64(v)) * 1e9
		}
	})
	exp := uint(resol & 0x7f)
	switch {
	case resol&0x80 != 0 && exp <= 63:
		ifc.perSec = 1 << exp
		ifc.usable = true
	case resol&0x80 == 0 && exp <= 19:
		ifc.perSec = 1
		for range exp {
			ifc.perSec *= 10
		}
		ifc.usable = true
	default:
		r.warn(problemf(CodeFormat, 0, "pcapng interface %d: timestamp resolution %#02x is out of range; its packets are skipped", id, resol))
	}
	if _, ok := linkNames[ifc.link]; !ok && ifc.usable {
		r.warn(problemf(CodeLinkType, 0, "pcapng interface %d: unsupported link type %d; its packets are skipped", id, ifc.link))
		ifc.usable = false
	}
	r.ifaces = append(r.ifaces, ifc)
}

// options walks a pcapng option list, stopping quietly at a malformed one:
// options only refine a block, they never frame the file.
func (r *ngReader) options(b []byte, fn func(code uint16, value []byte)) {
	for len(b) >= 4 {
		code, n := r.order.Uint16(b), int(r.order.Uint16(b[2:]))
		if code == ngOptEnd || 4+n > len(b) {
			return
		}
		fn(code, b[4:4+n])
		b = b[min(len(b), 4+(n+3)&^3):]
	}
}

// packet decodes a packet block into rec, reporting false (after recording
// why) when the packet cannot be used.
func (r *ngReader) packet(typ uint32, body []byte, rec *record) bool {
	var id, caplen, wire uint32
	var ticks uint64
	var data []byte
	switch typ {
	case ngBlockEPB, ngBlockPB:
		if len(body) < 20 {
			r.warn(problemf(CodeRecord, r.n, "pcapng packet block is too short (%d bytes)", len(body)))
			return false
		}
		if typ == ngBlockEPB {
			id = r.order.Uint32(body)
		} else {
			id = uint32(r.order.Uint16(body))
		}
		ticks = uint64(r.order.Uint32(body[4:]))<<32 | uint64(r.order.Uint32(body[8:]))
		caplen, wire, data = r.order.Uint32(body[12:]), r.order.Uint32(body[16:]), body[20:]
	case ngBlockSPB:
		if len(body) < 4 {
			r.warn(problemf(CodeRecord, r.n, "pcapng simple packet block is too short (%d bytes)", len(body)))
			return false
		}
		wire, data = r.order.Uint32(body), body[4:]
		caplen = min(wire, uint32(len(data)))
		if len(r.ifaces) > 0 && r.ifaces[0].snap != 0 {
			caplen = min(caplen, r.ifaces[0].snap)
		}
	}
	if int(id) >= len(r.ifaces) {
		r.warn(problemf(CodeFormat, r.n, "packet on pcapng interface %d, but the section describes %d", id, len(r.ifaces)))
		return false
	}
	ifc := &r.ifaces[id]
	if !ifc.usable {
		return false
	}
	if uint64(caplen) > uint64(len(data)) {
		r.warn(problemf(CodeRecord, r.n, "capture length %d exceeds the %d bytes its block holds", caplen, len(data)))
		return false
	}
	if caplen > wire {
		r.warn(problemf(CodeRecord, r.n, "capture length %d exceeds packet length %d", caplen, wire))
		wire = caplen
	}
	if typ == ngBlockSPB {
		rec.ts = r.lastTS
	} else {
		sec, frac := ticks/ifc.perSec, ticks%ifc.perSec
		hi, lo := bits.Mul64(frac, 1e9)
		ns, _ := bits.Div64(hi, lo, ifc.perSec)
		rec.ts = int64(sec)*1e9 + int64(ns) + ifc.offsetNs
		r.lastTS = rec.ts
	}
	rec.num = r.n
	rec.data = data[:caplen]
	rec.wireLen = int(wire)
	rec.link = ifc.link
	return true
}
