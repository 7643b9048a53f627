package replay

// Framing one direction's byte stream into TLS records (RFC 8446 section
// 5.1): a 5-byte header of content type, legacy version and length, then
// the fragment. Records are handed out in place when a delivery holds them
// whole, and only a record split across deliveries is copied.

import "fmt"

// TLS content types.
const (
	tlsChangeCipherSpec = 20
	tlsAlert            = 21
	tlsHandshake        = 22
	tlsApplicationData  = 23
	tlsHeartbeat        = 24
)

// maxTLSRecord is the longest fragment any version allows: 2^14 bytes of
// plaintext plus TLS 1.2's 2048 bytes of expansion.
const maxTLSRecord = 1<<14 + 2048

// recordFramer splits a stream into records.
type recordFramer struct {
	buf []byte // a record begun in an earlier delivery
}

// feed frames b, calling each with every whole record's 5-byte header and
// fragment (valid only during the call). It stops at the first header that
// cannot begin a record, returning why and how many bytes of b lie past the
// part of the bad header it had buffered (all of b from the header on when
// none was).
func (f *recordFramer) feed(b []byte, each func(hdr, frag []byte)) (rest int, err error) {
	for len(f.buf) > 0 {
		if len(f.buf) < 5 {
			take := min(5-len(f.buf), len(b))
			f.buf = append(f.buf, b[:take]...)
			b = b[take:]
			if len(f.buf) < 5 {
				return 0, nil
			}
			if err := checkRecordHeader(f.buf); err != nil {
				f.buf = f.buf[:0]
				return len(b), err
			}
		}
		need := 5 + (int(f.buf[3])<<8 | int(f.buf[4]))
		take := min(need-len(f.buf), len(b))
		f.buf = append(f.buf, b[:take]...)
		b = b[take:]
		if len(f.buf) < need {
			return 0, nil
		}
		each(f.buf[:5], f.buf[5:])
		f.buf = f.buf[:0]
	}
	for len(b) >= 5 {
		if err := checkRecordHeader(b); err != nil {
			return len(b), err
		}
		end := 5 + (int(b[3])<<8 | int(b[4]))
		if end > len(b) {
			break
		}
		each(b[:5], b[5:end])
		b = b[end:]
	}
	f.buf = append(f.buf, b...)
	return 0, nil
}

// pending is how many bytes of an unfinished record the framer holds.
func (f *recordFramer) pending() int { return len(f.buf) }

// checkRecordHeader says why a header cannot begin a record, if it cannot.
func checkRecordHeader(h []byte) error {
	if h[0] < tlsChangeCipherSpec || h[0] > tlsHeartbeat {
		return fmt.Errorf("content type %d is not a TLS record type", h[0])
	}
	if h[1] != 3 || h[2] > 4 {
		return fmt.Errorf("record version %d.%d is not TLS", h[1], h[2])
	}
	if n := int(h[3])<<8 | int(h[4]); n > maxTLSRecord {
		return fmt.Errorf("record length %d exceeds the %d bytes TLS allows", n, maxTLSRecord)
	}
	return nil
}
