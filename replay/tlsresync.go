package replay

// Finding the records again after a hole in a TLS stream. Record framing
// cannot be followed across missing bytes, and AEAD nonces count records,
// so after a gap a direction scans for a header of application data and
// tries to open the record there at the next sequence numbers: the first
// that opens fixes both where records start and how many were lost. The
// plaintext lost is then the bytes lost less each lost record's framing and
// tag, which is what the pairer needs to keep a body of known length whole.

import "fmt"

const (
	// maxResyncHeld bounds the bytes held while looking for a record that
	// opens; past it the direction gives up.
	maxResyncHeld = 4 * (5 + maxTLSRecord)
	// maxResyncTries bounds the sequence numbers tried for one candidate.
	maxResyncTries = 1 << 12
)

// tlsLoss is a direction looking for its records after a gap.
type tlsLoss struct {
	off   int64   // stream offset of the first lost byte, for messages
	bytes int64   // record bytes lost: the cut record, the gap, bytes passed over
	pkt   pktInfo // the packet that showed the gap
	held  []byte
}

// lostAt starts looking for records after n bytes at stream offset off were
// lost; the part of a record already held is lost with them.
func (d *tlsDir) lostAt(off, n int64, pkt pktInfo) {
	if d.lost == nil {
		d.lost = &tlsLoss{off: off - int64(d.framer.pending()), pkt: pkt}
	}
	// Bytes held from before this gap no longer join what follows.
	d.lost.bytes += n + int64(d.framer.pending()) + int64(len(d.lost.held))
	d.lost.held = d.lost.held[:0]
	d.framer.buf = d.framer.buf[:0]
}

// overhead is what each protected record adds to its plaintext: header,
// tag, TLS 1.2 AES-GCM's explicit nonce, TLS 1.3's inner content type (its
// padding, which senders rarely use, cannot be known).
func (c *recordCipher) overhead() int64 {
	n := 5 + c.aead.Overhead()
	switch {
	case c.suite.tls13:
		n++
	case !c.suite.chacha:
		n += 8
	}
	return int64(n)
}

// resync takes bytes while the direction looks for its records, and
// returns the bytes after the first record that opened, for the framer.
func (d *tlsDir) resync(b []byte) []byte {
	l := d.lost
	l.held = append(l.held, b...)
	for {
		i := 0
		for i+5 <= len(l.held) && !d.candidate(l.held[i:]) {
			i++
		}
		if i+5 > len(l.held) {
			// Keep what could still be the start of a header.
			keep := min(len(l.held), 4)
			l.bytes += int64(len(l.held) - keep)
			l.held = append(l.held[:0], l.held[len(l.held)-keep:]...)
			return nil
		}
		l.bytes += int64(i)
		l.held = l.held[i:]
		end := 5 + (int(l.held[3])<<8 | int(l.held[4]))
		if end > len(l.held) {
			if len(l.held) > maxResyncHeld {
				d.giveUp(fmt.Sprintf("no record opened in the next %d bytes", len(l.held)))
				return nil
			}
			return nil
		}
		if inner, plain, skipped, ok := d.tryOpen(l.held[:5], l.held[5:end]); ok {
			rest := l.held[end:]
			plainLost := max(0, l.bytes-int64(skipped)*d.cipher.overhead())
			d.t.c.http.gap(d.client, d.plainOff, plainLost, l.pkt)
			d.plainOff += plainLost
			d.t.c.out.Problems = append(d.t.c.out.Problems, problemf(CodeGap, l.pkt.num,
				"%s stream offset %d: %d bytes missing from the capture took %s; decryption resumed at packet %d",
				d.name(), l.off, l.bytes, plural(skipped, "TLS record"), d.pkt.num))
			d.lost = nil
			d.opened(inner, plain)
			return rest
		}
		l.bytes++
		l.held = l.held[1:]
	}
}

// candidate reports whether b starts a header of protected application
// data long enough to hold a tag.
func (d *tlsDir) candidate(b []byte) bool {
	n := int64(b[3])<<8 | int64(b[4])
	return b[0] == tlsApplicationData && b[1] == 3 && b[2] == 3 && n <= maxTLSRecord && n >= d.cipher.overhead()-5
}

// tryOpen opens a record at the sequence numbers the lost bytes allow,
// returning how many records were skipped.
func (d *tlsDir) tryOpen(hdr, frag []byte) (inner byte, plain []byte, skipped int, ok bool) {
	c := d.cipher
	base := c.seq
	tries := min(maxResyncTries, int(d.lost.bytes/c.overhead())+2)
	for k := range tries {
		c.seq = base + uint64(k)
		p, typ, err := c.open(d.scratch[:0], hdr, frag)
		if err == nil {
			return typ, p, k, true
		}
	}
	c.seq = base
	return 0, nil, 0, false
}

// giveUp stops a direction that found no record to resume at.
func (d *tlsDir) giveUp(why string) {
	l := d.lost
	d.stop(problemf(CodeGap, l.pkt.num, "%s stream offset %d: %d bytes missing from the capture broke the TLS record framing and %s", d.name(), l.off, l.bytes, why))
	d.skipped += int64(len(l.held))
	d.t.c.http.gap(d.client, d.plainOff, l.bytes, l.pkt)
	d.lost = nil
}
