package record

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"math"
	"time"
)

// The libpcap file format, nanosecond variant, written little-endian.
const (
	pcapMagicNanos    = 0xa1b23c4d
	pcapVersionMajor  = 2
	pcapVersionMinor  = 4
	pcapFileHeaderLen = 24
	pcapRecordLen     = 16
)

// pcapSink writes a libpcap file with nanosecond timestamps.
type pcapSink struct {
	w   *bufio.Writer
	hdr [pcapRecordLen]byte
}

func newPcapSink(w *bufio.Writer) (*pcapSink, error) {
	var h [pcapFileHeaderLen]byte
	binary.LittleEndian.PutUint32(h[0:4], pcapMagicNanos)
	binary.LittleEndian.PutUint16(h[4:6], pcapVersionMajor)
	binary.LittleEndian.PutUint16(h[6:8], pcapVersionMinor)
	// Bytes 8:16, the zone offset and accuracy, stay zero: timestamps are UTC.
	binary.LittleEndian.PutUint32(h[16:20], snapLen)
	binary.LittleEndian.PutUint32(h[20:24], linkTypeEthernet)
	if _, err := w.Write(h[:]); err != nil {
		return nil, fmt.Errorf("record: writing pcap header: %w", err)
	}
	return &pcapSink{w: w}, nil
}

// fits: pcap holds unsigned 32-bit seconds since 1970.
func (s *pcapSink) fits(ts time.Time) bool {
	return ts.Unix() >= 0 && ts.Unix() <= math.MaxUint32
}

// write leaves dropped segments unmarked: pcap has nowhere to say so.
func (s *pcapSink) write(ts time.Time, frame []byte, _ bool) error {
	binary.LittleEndian.PutUint32(s.hdr[0:4], uint32(ts.Unix()))
	binary.LittleEndian.PutUint32(s.hdr[4:8], uint32(ts.Nanosecond()))
	binary.LittleEndian.PutUint32(s.hdr[8:12], uint32(len(frame)))
	binary.LittleEndian.PutUint32(s.hdr[12:16], uint32(len(frame)))
	if _, err := s.w.Write(s.hdr[:]); err != nil {
		return err
	}
	_, err := s.w.Write(frame)
	return err
}

func (s *pcapSink) flush() error { return s.w.Flush() }
