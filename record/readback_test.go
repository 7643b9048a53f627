package record

import (
	"encoding/binary"
	"fmt"
	"time"
)

// The readers below are the tests' own, written from the format
// specifications independently of the writers, and strict: every length,
// magic and trailer is checked.

// captured is one packet read back from a capture.
type captured struct {
	ts       time.Time
	data     []byte
	comments []string
}

// capture is what a file holds.
type capture struct {
	linkType, snapLen uint32
	tsresol           int // pcapng if_tsresol; 9 for nanosecond pcap
	application       string
	sectionComment    string
	ifName, ifDesc    string
	packets           []captured
}

func readPcap(b []byte) (*capture, error) {
	le := binary.LittleEndian
	if len(b) < 24 {
		return nil, fmt.Errorf("pcap: %d bytes, too short for the file header", len(b))
	}
	if m := le.Uint32(b); m != 0xa1b23c4d {
		return nil, fmt.Errorf("pcap: magic %#x, want the nanosecond magic", m)
	}
	if le.Uint16(b[4:]) != 2 || le.Uint16(b[6:]) != 4 || le.Uint64(b[8:]) != 0 {
		return nil, fmt.Errorf("pcap: header % x", b[:16])
	}
	c := &capture{snapLen: le.Uint32(b[16:]), linkType: le.Uint32(b[20:]), tsresol: 9}
	for b = b[24:]; len(b) > 0; {
		if len(b) < 16 {
			return nil, fmt.Errorf("pcap: %d trailing bytes", len(b))
		}
		sec, nsec, incl, orig := le.Uint32(b), le.Uint32(b[4:]), le.Uint32(b[8:]), le.Uint32(b[12:])
		if nsec >= 1e9 || incl != orig || int(incl) > len(b)-16 {
			return nil, fmt.Errorf("pcap: record header % x", b[:16])
		}
		c.packets = append(c.packets, captured{ts: time.Unix(int64(sec), int64(nsec)).UTC(), data: b[16 : 16+incl]})
		b = b[16+incl:]
	}
	return c, nil
}

// pcapngOptions parses an option list, which must end with opt_endofopt.
func pcapngOptions(b []byte) (map[uint16][][]byte, error) {
	le := binary.LittleEndian
	opts := map[uint16][][]byte{}
	for {
		if len(b) < 4 {
			return nil, fmt.Errorf("options end without opt_endofopt")
		}
		code, n := le.Uint16(b), int(le.Uint16(b[2:]))
		if code == 0 {
			if n != 0 || len(b) != 4 {
				return nil, fmt.Errorf("opt_endofopt followed by %d bytes", len(b)-4)
			}
			return opts, nil
		}
		padded := n + (4-n%4)%4
		if len(b) < 4+padded {
			return nil, fmt.Errorf("option %d overruns its block", code)
		}
		opts[code] = append(opts[code], b[4:4+n])
		b = b[4+padded:]
	}
}

func readPcapng(b []byte) (*capture, error) {
	le := binary.LittleEndian
	c := &capture{}
	for i := 0; len(b) > 0; i++ {
		if len(b) < 12 {
			return nil, fmt.Errorf("pcapng block %d: %d bytes", i, len(b))
		}
		typ, n := le.Uint32(b), int(le.Uint32(b[4:]))
		if n%4 != 0 || n < 12 || n > len(b) || int(le.Uint32(b[n-4:])) != n {
			return nil, fmt.Errorf("pcapng block %d: bad length %d", i, n)
		}
		body := b[8 : n-4]
		b = b[n:]
		switch {
		case i == 0 && typ == 0x0a0d0d0a:
			if le.Uint32(body) != 0x1a2b3c4d || le.Uint16(body[4:]) != 1 || le.Uint16(body[6:]) != 0 || le.Uint64(body[8:]) != ^uint64(0) {
				return nil, fmt.Errorf("pcapng section header % x", body[:16])
			}
			opts, err := pcapngOptions(body[16:])
			if err != nil {
				return nil, fmt.Errorf("pcapng section header: %w", err)
			}
			if len(opts[2]) != 0 || len(opts[3]) != 0 {
				return nil, fmt.Errorf("pcapng section names hardware or OS")
			}
			c.sectionComment, c.application = string(first(opts[1])), string(first(opts[4]))
		case i == 1 && typ == 1:
			c.linkType, c.snapLen = uint32(le.Uint16(body)), le.Uint32(body[4:])
			opts, err := pcapngOptions(body[8:])
			if err != nil {
				return nil, fmt.Errorf("pcapng interface: %w", err)
			}
			if r := first(opts[9]); len(r) == 1 {
				c.tsresol = int(r[0])
			}
			c.ifName, c.ifDesc = string(first(opts[2])), string(first(opts[3]))
		case i > 1 && typ == 6:
			if le.Uint32(body) != 0 {
				return nil, fmt.Errorf("pcapng block %d: interface %d", i, le.Uint32(body))
			}
			ns := uint64(le.Uint32(body[4:]))<<32 | uint64(le.Uint32(body[8:]))
			incl, orig := int(le.Uint32(body[12:])), int(le.Uint32(body[16:]))
			padded := incl + (4-incl%4)%4
			if incl != orig || 20+padded > len(body) {
				return nil, fmt.Errorf("pcapng block %d: lengths %d/%d in %d", i, incl, orig, len(body))
			}
			p := captured{ts: time.Unix(0, int64(ns)).UTC(), data: body[20 : 20+incl]}
			if rest := body[20+padded:]; len(rest) > 0 {
				opts, err := pcapngOptions(rest)
				if err != nil {
					return nil, fmt.Errorf("pcapng block %d: %w", i, err)
				}
				for _, v := range opts[1] {
					p.comments = append(p.comments, string(v))
				}
			}
			c.packets = append(c.packets, p)
		default:
			return nil, fmt.Errorf("pcapng block %d: unexpected type %#x", i, typ)
		}
	}
	return c, nil
}

func first(vs [][]byte) []byte {
	if len(vs) == 0 {
		return nil
	}
	return vs[0]
}
