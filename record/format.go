package record

import (
	"bufio"
	"fmt"
	"io"
	"time"
)

// Format is the capture file format a Recorder writes.
type Format int

// The capture formats.
const (
	PCAP   Format = iota // libpcap with nanosecond timestamps
	PCAPNG               // pcapng with one Ethernet interface, if_tsresol 9 and an optional section comment
)

func (f Format) String() string {
	switch f {
	case PCAP:
		return "pcap"
	case PCAPNG:
		return "pcapng"
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

const (
	snapLen = 262144 // what tcpdump uses; no frame we build comes near it
	bufSize = 256 << 10
)

// sink writes framed packets in one file format.
type sink interface {
	// fits reports whether the format can hold the timestamp.
	fits(ts time.Time) bool
	write(ts time.Time, frame []byte, dropped bool) error
	flush() error
}

// newSink writes the file header for opts.Format and returns the sink for
// the packets.
func newSink(w io.Writer, opts Options) (sink, error) {
	bw := bufio.NewWriterSize(w, bufSize)
	switch opts.Format {
	case PCAP:
		if opts.Comment != "" {
			return nil, fmt.Errorf("record: %w: pcap files have no comments; use PCAPNG", ErrInvalidComment)
		}
		return newPcapSink(bw)
	case PCAPNG:
		return newPcapngSink(bw, opts.Comment)
	}
	return nil, fmt.Errorf("record: Options.Format %d: %w", int(opts.Format), ErrUnknownFormat)
}
