package replay

// Decrypting TLS connections: the hellos are read in the clear for the
// client random, the version and the cipher suite; the key log gives that
// handshake's secrets; each direction's records are then opened and their
// application data handed to the connection's HTTP pairer, so a decrypted
// stream is paired exactly as a plain one.

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
)

// TLS handshake message types this package acts on.
const (
	hsClientHello = 1
	hsServerHello = 2
	hsFinished    = 20
	hsKeyUpdate   = 24

	extSupportedVersions = 43

	tls12 = 0x0303
	tls13 = 0x0304

	// maxHandshakeMessage bounds a handshake message held while its records
	// arrive: certificate chains run to tens of kilobytes, not megabytes.
	maxHandshakeMessage = 1 << 20
)

// helloRetryRandom is the ServerHello random that marks a HelloRetryRequest
// (RFC 8446 section 4.1.3).
var helloRetryRandom = [32]byte{
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
	0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
}

// looksLikeTLS reports whether a stream's first bytes open a TLS record.
func looksLikeTLS(b []byte) bool {
	return len(b) >= 3 && b[0] >= tlsChangeCipherSpec && b[0] <= tlsHeartbeat && b[1] == 3 && b[2] <= 4
}

// helloSide tells a client from a server by a stream's first record: a
// ClientHello or a ServerHello.
func helloSide(b []byte) (client, ok bool) {
	if len(b) < 6 || b[0] != tlsHandshake || !looksLikeTLS(b) {
		return false, false
	}
	switch b[5] {
	case hsClientHello:
		return true, true
	case hsServerHello:
		return false, true
	}
	return false, false
}

// tlsConn is the TLS layer of one connection.
type tlsConn struct {
	c       *conn
	version uint16 // 0 until the ServerHello
	suite   *tlsSuite
	random  [32]byte // the client random, which finds the secrets
	server  [32]byte // the server random, which TLS 1.2's keys also need
	sawCH   bool
	failure *Error    // why no record of this connection is decrypted
	http2   bool      // the client opened with HTTP/2's preface
	dirs    [2]tlsDir // the client's, then the server's
}

// tlsDir is one direction's records.
type tlsDir struct {
	t        *tlsConn
	client   bool
	framer   recordFramer
	each     func(hdr, frag []byte) // t.record for this direction, made once
	hs       []byte                 // handshake bytes short of a whole message
	cipher   *recordCipher          // nil while records are in the clear
	next     *recordCipher          // in force after ChangeCipherSpec (TLS 1.2) or Finished (TLS 1.3)
	stopped  *Error                 // why this direction's later records are counted, not read
	skipped  int64                  // bytes of records not decrypted
	plainOff int64                  // plaintext delivered, the offset of a gap
	pkt      pktInfo
	scratch  []byte
	lost     *tlsLoss // set from a gap until a record opens again
}

func newTLSConn(c *conn) *tlsConn {
	t := &tlsConn{c: c}
	for i := range t.dirs {
		d := &t.dirs[i]
		d.t, d.client = t, i == 0
		d.each = d.record
	}
	return t
}

func (t *tlsConn) dir(client bool) *tlsDir {
	if client {
		return &t.dirs[0]
	}
	return &t.dirs[1]
}

func (d *tlsDir) name() string {
	if d.client {
		return "client"
	}
	return "server"
}

// data takes the next bytes of one direction's TCP stream.
func (t *tlsConn) data(client bool, b []byte, pkt pktInfo) {
	d := t.dir(client)
	d.pkt = pkt
	if d.stopped != nil {
		d.skipped += int64(len(b))
		return
	}
	if d.lost != nil {
		b = d.resync(b)
	}
	if rest, err := d.framer.feed(b, d.each); err != nil {
		d.stop(&Error{Code: CodeTLS, Packet: pkt.num, Reason: fmt.Sprintf("%s stream is not TLS records here", d.name()), Err: err})
		d.skipped += int64(rest)
	}
}

// gap takes bytes of one direction the capture never saw. Once application
// data flows, the direction looks for the next record that opens (see
// resync); during the handshake a hole leaves nothing to go on, so the
// pairer learns of it and the rest of the direction is counted.
func (t *tlsConn) gap(client bool, off, n int64, pkt pktInfo) {
	d := t.dir(client)
	if d.stopped != nil {
		d.skipped += n
		return
	}
	if d.cipher != nil && d.next == nil {
		d.lostAt(off, n, pkt)
		return
	}
	d.stop(problemf(CodeGap, pkt.num, "%s stream offset %d: %d bytes missing from the capture break the TLS record framing during the handshake", d.name(), off, n))
	d.skipped += int64(d.framer.pending())
	t.c.http.gap(client, d.plainOff, n, pkt)
}

// stop ends the reading of a direction.
func (d *tlsDir) stop(e *Error) {
	if d.stopped == nil {
		d.stopped = e
	}
}

// record handles one whole record of the direction.
func (d *tlsDir) record(hdr, frag []byte) {
	t := d.t
	if d.stopped != nil {
		d.skipped += int64(5 + len(frag))
		return
	}
	typ := hdr[0]
	// TLS 1.3 protects every record as application data; the rest
	// (compatibility ChangeCipherSpec, an alert before keys) is in the clear.
	protected := d.cipher != nil && (t.version != tls13 || typ == tlsApplicationData)
	if !protected {
		d.clear(typ, frag)
		return
	}
	plain, inner, err := d.cipher.open(d.scratch[:0], hdr, frag)
	if err != nil {
		d.stop(&Error{Code: CodeTLS, Packet: d.pkt.num, Reason: fmt.Sprintf("%s record %d could not be decrypted with the key log's secrets", d.name(), d.cipher.seq), Err: err})
		d.skipped += int64(5 + len(frag))
		return
	}
	d.opened(inner, plain)
}

// opened acts on the content of a record that opened.
func (d *tlsDir) opened(inner byte, plain []byte) {
	t := d.t
	d.scratch = plain[:0]
	switch inner {
	case tlsHandshake:
		d.handshake(plain)
	case tlsApplicationData:
		if len(plain) == 0 {
			return
		}
		if d.plainOff == 0 && d.client && bytes.HasPrefix(plain, http2Preface) {
			t.http2 = true
			t.c.out.Problems = append(t.c.out.Problems, problemf(CodeHTTP2, d.pkt.num,
				"the decrypted connection speaks HTTP/2, which simhttp does not read; its bytes are counted as opaque"))
		}
		d.plainOff += int64(len(plain))
		if t.http2 {
			t.c.out.OpaqueBytes += int64(len(plain))
			return
		}
		t.c.http.data(d.client, plain, d.pkt)
	}
}

// http2Preface opens every HTTP/2 connection (RFC 9113 section 3.4), which
// browsers negotiate over TLS with ALPN.
var http2Preface = []byte("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")

// clear handles a record sent before the direction's keys took effect.
func (d *tlsDir) clear(typ byte, frag []byte) {
	t := d.t
	switch typ {
	case tlsHandshake:
		d.handshake(frag)
	case tlsChangeCipherSpec:
		if t.version == tls12 && d.next != nil {
			d.cipher, d.next = d.next, nil
		}
	case tlsApplicationData:
		if t.failure == nil && t.version == 0 {
			t.fail(problemf(CodeNoKeys, d.pkt.num, "TLS connection whose handshake was not captured: its records cannot be decrypted"))
		}
		d.skipped += int64(5 + len(frag))
	}
}

// handshake reads handshake messages, which may share a record or span
// several.
func (d *tlsDir) handshake(b []byte) {
	if len(d.hs) > 0 {
		d.hs = append(d.hs, b...)
		b = d.hs
	}
	for len(b) >= 4 {
		n := int(b[1])<<16 | int(b[2])<<8 | int(b[3])
		if n > maxHandshakeMessage {
			d.stop(problemf(CodeTLS, d.pkt.num, "%s handshake message of type %d claims %d bytes", d.name(), b[0], n))
			d.hs = nil
			return
		}
		if len(b) < 4+n {
			break
		}
		d.message(b[0], b[4:4+n])
		if d.stopped != nil {
			d.hs = nil
			return
		}
		b = b[4+n:]
	}
	d.hs = append(d.hs[:0], b...)
}

// message acts on one handshake message.
func (d *tlsDir) message(typ byte, body []byte) {
	t := d.t
	switch {
	case typ == hsClientHello && d.client:
		if len(body) >= 34 {
			t.random, t.sawCH = [32]byte(body[2:34]), true
		}
	case typ == hsServerHello && !d.client:
		t.serverHello(body, d.pkt)
	case typ == hsFinished && t.version == tls13 && d.next != nil:
		d.cipher, d.next = d.next, nil
	case typ == hsKeyUpdate && t.version == tls13 && d.cipher != nil:
		next, err := d.cipher.updated()
		if err != nil {
			d.stop(&Error{Code: CodeTLS, Packet: d.pkt.num, Reason: d.name() + " key update", Err: err})
			return
		}
		d.cipher = next
	}
}

// serverHello reads the negotiated version and suite and sets up the keys.
func (t *tlsConn) serverHello(b []byte, pkt pktInfo) {
	if len(b) < 35 {
		t.fail(problemf(CodeTLS, pkt.num, "ServerHello of %d bytes is too short", len(b)))
		return
	}
	version := binary.BigEndian.Uint16(b)
	if [32]byte(b[2:34]) == helloRetryRandom {
		return // a second ClientHello and the real ServerHello follow
	}
	t.server = [32]byte(b[2:34])
	p := 34
	p += 1 + int(b[p])
	if p+3 > len(b) {
		t.fail(problemf(CodeTLS, pkt.num, "ServerHello is cut off before its cipher suite"))
		return
	}
	id := binary.BigEndian.Uint16(b[p:])
	p += 3
	if p+2 <= len(b) {
		exts := b[p+2 : min(len(b), p+2+int(binary.BigEndian.Uint16(b[p:])))]
		for len(exts) >= 4 {
			typ, n := binary.BigEndian.Uint16(exts), int(binary.BigEndian.Uint16(exts[2:]))
			if 4+n > len(exts) {
				break
			}
			if typ == extSupportedVersions && n == 2 {
				version = binary.BigEndian.Uint16(exts[4:])
			}
			exts = exts[4+n:]
		}
	}
	t.version, t.suite = version, tlsSuites[id]
	switch {
	case version != tls12 && version != tls13:
		t.c.out.TLS = fmt.Sprintf("TLS version %#04x", version)
		t.fail(problemf(CodeTLS, pkt.num, "TLS version %#04x is not decrypted (TLS 1.2 and 1.3 are)", version))
		return
	case t.suite == nil || t.suite.tls13 != (version == tls13):
		t.c.out.TLS = fmt.Sprintf("%s, cipher suite %#04x", versionName(version), id)
		t.fail(problemf(CodeTLS, pkt.num, "cipher suite %#04x is not decrypted (AES-GCM and ChaCha20-Poly1305 are)", id))
		return
	}
	t.c.out.TLS = versionName(version) + ", " + t.suite.name
	if err := t.keys(); err != nil {
		err.Packet = pkt.num
		t.fail(err)
	}
}

func versionName(v uint16) string {
	if v == tls13 {
		return "TLS 1.3"
	}
	return "TLS 1.2"
}

// keys finds the handshake's secrets and readies both directions' ciphers.
func (t *tlsConn) keys() *Error {
	if !t.sawCH {
		return problemf(CodeNoKeys, 0, "the ClientHello was not captured, so the key log cannot be searched")
	}
	s := t.c.t.keys.lookup(t.random)
	if s == nil {
		where := "no key log was given (--keylog FILE, or a pcapng with decryption secrets)"
		if t.c.t.keys.Len() > 0 {
			where = fmt.Sprintf("the key log has no secrets for client random %s", hex.EncodeToString(t.random[:]))
		}
		return problemf(CodeNoKeys, 0, "%s: %s", t.c.out.TLS, where)
	}
	client, server := &t.dirs[0], &t.dirs[1]
	var err error
	if t.version == tls12 {
		if s.master == nil {
			return problemf(CodeNoKeys, 0, "%s: the key log has no CLIENT_RANDOM line for client random %s", t.c.out.TLS, hex.EncodeToString(t.random[:]))
		}
		if client.next, server.next, err = tls12Ciphers(t.suite, s.master, t.random, t.server); err != nil {
			return &Error{Code: CodeNoKeys, Reason: t.c.out.TLS + ": the key log's master secret does not fit the cipher suite", Err: err}
		}
		return nil
	}
	for _, need := range []struct {
		label  string
		secret []byte
	}{
		{"CLIENT_HANDSHAKE_TRAFFIC_SECRET", s.clientHS}, {"SERVER_HANDSHAKE_TRAFFIC_SECRET", s.serverHS},
		{"CLIENT_TRAFFIC_SECRET_0", s.clientApp}, {"SERVER_TRAFFIC_SECRET_0", s.serverApp},
	} {
		if need.secret == nil {
			return problemf(CodeNoKeys, 0, "%s: the key log has no %s line for client random %s", t.c.out.TLS, need.label, hex.EncodeToString(t.random[:]))
		}
	}
	for _, set := range []struct {
		slot   **recordCipher
		secret []byte
	}{{&client.cipher, s.clientHS}, {&client.next, s.clientApp}, {&server.cipher, s.serverHS}, {&server.next, s.serverApp}} {
		if *set.slot, err = tls13Cipher(t.suite, set.secret); err != nil {
			return &Error{Code: CodeNoKeys, Reason: t.c.out.TLS + ": the key log's secrets do not fit the cipher suite", Err: err}
		}
	}
	return nil
}

// fail stops both directions for a reason of the whole connection.
func (t *tlsConn) fail(e *Error) {
	if t.failure == nil {
		t.failure = e
	}
	for i := range t.dirs {
		t.dirs[i].stop(e)
	}
}

// close files what could not be read, with the bytes it cost, once no more
// bytes can come.
func (t *tlsConn) close() {
	for i := range t.dirs {
		d := &t.dirs[i]
		if d.lost != nil && d.stopped == nil {
			d.giveUp("the capture ended")
		}
		if n := d.framer.pending(); n > 0 && d.stopped == nil {
			d.stop(problemf(CodeIncomplete, d.pkt.num, "the %s's last TLS record is cut off after %d bytes", d.name(), n))
			d.skipped += int64(n)
		}
	}
	if t.failure != nil {
		t.c.out.Problems = append(t.c.out.Problems, withSkipped(t.failure, t.dirs[0].skipped+t.dirs[1].skipped, "the connection's"))
		return
	}
	for i := range t.dirs {
		d := &t.dirs[i]
		if d.stopped != nil {
			t.c.out.Problems = append(t.c.out.Problems, withSkipped(d.stopped, d.skipped, "the "+d.name()+"'s later"))
		}
	}
}

// withSkipped says how many bytes a problem left undecrypted.
func withSkipped(e *Error, n int64, whose string) *Error {
	out := *e
	out.Reason = fmt.Sprintf("%s; %d bytes of %s TLS records were not decrypted", e.Reason, n, whose)
	return &out
}
