package record

import (
	"bufio"
	"fmt"
	"math"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// pcapSink writes a libpcap file with nanosecond timestamps through pcapgo.
type pcapSink struct {
	w  *pcapgo.Writer
	bw *bufio.Writer
}

func newPcapSink(bw *bufio.Writer) (*pcapSink, error) {
	w := pcapgo.NewWriterNanos(bw)
	if err := w.WriteFileHeader(snapLen, layers.LinkTypeEthernet); err != nil {
		return nil, fmt.Errorf("record: writing pcap header: %w", err)
	}
	return &pcapSink{w: w, bw: bw}, nil
}

// fits: pcap holds unsigned 32-bit seconds since 1970.
func (s *pcapSink) fits(ts time.Time) bool {
	return ts.Unix() >= 0 && ts.Unix() <= math.MaxUint32
}

// write leaves dropped segments unmarked: pcap has nowhere to say so.
func (s *pcapSink) write(ts time.Time, frame []byte, _ bool) error {
	return s.w.WritePacket(gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(frame), Length: len(frame)}, frame)
}

func (s *pcapSink) flush() error { return s.bw.Flush() }
