package record

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"math"
	"time"
	"unicode/utf8"
)

// The pcapng blocks and options we write, little-endian.
const (
	ngBlockSection   = 0x0a0d0d0a
	ngBlockInterface = 0x00000001
	ngBlockEnhanced  = 0x00000006
	ngByteOrderMagic = 0x1a2b3c4d

	ngOptEnd         = 0
	ngOptComment     = 1
	ngOptShbUserAppl = 4
	ngOptIfName      = 2
	ngOptIfDesc      = 3
	ngOptIfTsresol   = 9

	ngEnhancedFixedLen = 28 // type, length, interface, two timestamp words, two lengths
	ngTrailerLen       = 4

	// maxOptionLen is what an option's 16-bit length field can announce.
	maxOptionLen = math.MaxUint16

	// droppedComment marks a segment the network never delivered.
	droppedComment = "simhttp: dropped, never delivered"
)

// droppedOptions are the options of a dropped segment's packet block.
var droppedOptions = appendOption(appendOption(nil, ngOptComment, []byte(droppedComment)), ngOptEnd, nil)

// pcapngSink writes one section with one Ethernet interface whose
// timestamps are nanoseconds (if_tsresol 9).
type pcapngSink struct {
	w *bufio.Writer
	// hdr holds a packet block's fixed part, then zeros to pad the frame;
	// trailer the closing length. As fields they cost no allocation.
	hdr     [ngEnhancedFixedLen + 3]byte
	trailer [ngTrailerLen]byte
}

func newPcapngSink(w *bufio.Writer, comment string) (*pcapngSink, error) {
	if len(comment) > maxOptionLen {
		return nil, fmt.Errorf("record: %w: %d bytes, at most %d fit", ErrInvalidComment, len(comment), maxOptionLen)
	}
	if !utf8.ValidString(comment) {
		return nil, fmt.Errorf("record: %w: not UTF-8", ErrInvalidComment)
	}
	s := &pcapngSink{w: w}

	// The section names no hardware or OS: they would make the file depend
	// on the machine that wrote it.
	b := binary.LittleEndian.AppendUint32(nil, ngBlockSection)
	b = binary.LittleEndian.AppendUint32(b, 0) // length, patched below
	b = binary.LittleEndian.AppendUint32(b, ngByteOrderMagic)
	b = binary.LittleEndian.AppendUint16(b, 1) // version 1.0
	b = binary.LittleEndian.AppendUint16(b, 0)
	b = binary.LittleEndian.AppendUint64(b, math.MaxUint64) // section length not given
	if comment != "" {
		b = appendOption(b, ngOptComment, []byte(comment))
	}
	b = appendOption(b, ngOptShbUserAppl, []byte("simhttp"))
	b = appendOption(b, ngOptEnd, nil)
	if err := s.writeBlock(b); err != nil {
		return nil, fmt.Errorf("record: writing pcapng section header: %w", err)
	}

	b = binary.LittleEndian.AppendUint32(b[:0], ngBlockInterface)
	b = binary.LittleEndian.AppendUint32(b, 0)
	b = binary.LittleEndian.AppendUint16(b, linkTypeEthernet)
	b = binary.LittleEndian.AppendUint16(b, 0) // reserved
	b = binary.LittleEndian.AppendUint32(b, snapLen)
	b = appendOption(b, ngOptIfName, []byte("sim0"))
	b = appendOption(b, ngOptIfDesc, []byte("simhttp simulated network"))
	b = appendOption(b, ngOptIfTsresol, []byte{9}) // 10^-9 seconds
	b = appendOption(b, ngOptEnd, nil)
	if err := s.writeBlock(b); err != nil {
		return nil, fmt.Errorf("record: writing pcapng interface description: %w", err)
	}
	return s, nil
}

// appendOption appends one option, its value padded to 32 bits.
func appendOption(b []byte, code uint16, value []byte) []byte {
	b = binary.LittleEndian.AppendUint16(b, code)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(value)))
	b = append(b, value...)
	return append(b, make([]byte, pad4(len(value)))...)
}

func pad4(n int) int { return (4 - n&3) & 3 }

// writeBlock patches the total length into the block b, then writes it
// followed by that length again, as every pcapng block ends.
func (s *pcapngSink) writeBlock(b []byte) error {
	total := uint32(len(b) + ngTrailerLen)
	binary.LittleEndian.PutUint32(b[4:8], total)
	if _, err := s.w.Write(b); err != nil {
		return err
	}
	return s.writeTrailer(total)
}

func (s *pcapngSink) writeTrailer(total uint32) error {
	binary.LittleEndian.PutUint32(s.trailer[:], total)
	_, err := s.w.Write(s.trailer[:])
	return err
}

// fits: timestamps are nanoseconds since 1970 in 64 bits, and Go's
// time.Time gives them as a signed 64-bit count.
func (s *pcapngSink) fits(ts time.Time) bool {
	return ts.Unix() >= 0 && ts.Unix() < math.MaxInt64/int64(time.Second)
}

func (s *pcapngSink) write(ts time.Time, frame []byte, dropped bool) error {
	var opts []byte
	if dropped {
		opts = droppedOptions
	}
	padding := pad4(len(frame))
	total := uint32(ngEnhancedFixedLen + len(frame) + padding + len(opts) + ngTrailerLen)
	ns := uint64(ts.UnixNano())
	h := &s.hdr
	binary.LittleEndian.PutUint32(h[0:4], ngBlockEnhanced)
	binary.LittleEndian.PutUint32(h[4:8], total)
	binary.LittleEndian.PutUint32(h[8:12], 0) // interface 0
	binary.LittleEndian.PutUint32(h[12:16], uint32(ns>>32))
	binary.LittleEndian.PutUint32(h[16:20], uint32(ns))
	binary.LittleEndian.PutUint32(h[20:24], uint32(len(frame)))
	binary.LittleEndian.PutUint32(h[24:28], uint32(len(frame)))
	if _, err := s.w.Write(h[:ngEnhancedFixedLen]); err != nil {
		return err
	}
	if _, err := s.w.Write(frame); err != nil {
		return err
	}
	if _, err := s.w.Write(h[ngEnhancedFixedLen : ngEnhancedFixedLen+padding]); err != nil {
		return err
	}
	if _, err := s.w.Write(opts); err != nil {
		return err
	}
	return s.writeTrailer(total)
}

func (s *pcapngSink) flush() error { return s.w.Flush() }
