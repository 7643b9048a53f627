package record

import (
	"bufio"
	"fmt"
	"math"
	"time"
	"unicode/utf8"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// droppedComment marks a segment the network never delivered.
const droppedComment = "simhttp: dropped, never delivered"

// maxOptionLen is what a pcapng option's 16-bit length field can announce.
const maxOptionLen = math.MaxUint16

// droppedOptions are the options of a dropped segment's packet block.
var droppedOptions = pcapgo.NgPacketOptions{Comments: []string{droppedComment}}

// pcapngSink writes, through pcapgo, one section with one Ethernet
// interface whose timestamps are nanoseconds (if_tsresol 9).
type pcapngSink struct {
	w  *pcapgo.NgWriter
	bw *bufio.Writer
}

func newPcapngSink(bw *bufio.Writer, comment string) (*pcapngSink, error) {
	if len(comment) > maxOptionLen {
		return nil, fmt.Errorf("record: %w: %d bytes, at most %d fit", ErrInvalidComment, len(comment), maxOptionLen)
	}
	if !utf8.ValidString(comment) {
		return nil, fmt.Errorf("record: %w: not UTF-8", ErrInvalidComment)
	}
	// The section names no hardware or OS: they would make the file depend
	// on the machine that wrote it.
	w, err := pcapgo.NewNgWriterInterface(bw, pcapgo.NgInterface{
		Name:                "sim0",
		Description:         "simhttp simulated network",
		LinkType:            layers.LinkTypeEthernet,
		SnapLength:          snapLen,
		TimestampResolution: 9,
	}, pcapgo.NgWriterOptions{SectionInfo: pcapgo.NgSectionInfo{Application: "simhttp", Comment: comment}})
	if err != nil {
		return nil, fmt.Errorf("record: writing pcapng section header and interface: %w", err)
	}
	return &pcapngSink{w: w, bw: bw}, nil
}

// fits: timestamps are nanoseconds since 1970 in 64 bits, and Go's
// time.Time gives them as a signed 64-bit count.
func (s *pcapngSink) fits(ts time.Time) bool {
	return ts.Unix() >= 0 && ts.Unix() < math.MaxInt64/int64(time.Second)
}

func (s *pcapngSink) write(ts time.Time, frame []byte, dropped bool) error {
	ci := gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(frame), Length: len(frame)}
	if dropped {
		return s.w.WritePacketWithOptions(ci, frame, droppedOptions)
	}
	return s.w.WritePacket(ci, frame)
}

func (s *pcapngSink) flush() error {
	if err := s.w.Flush(); err != nil {
		return err
	}
	return s.bw.Flush()
}
