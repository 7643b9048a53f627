package replay

// The cipher suites simhttp decrypts and their key schedules: TLS 1.2's PRF
// key expansion from the master secret (RFC 5246 section 6.3) and TLS 1.3's
// HKDF-Expand-Label from the traffic secrets (RFC 8446 section 7), each
// giving an AEAD record protection per direction.

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"

	"golang.org/x/crypto/chacha20poly1305"
)

// tlsSuite is one AEAD cipher suite.
type tlsSuite struct {
	name   string
	tls13  bool
	hash   func() hash.Hash
	keyLen int
	chacha bool // ChaCha20-Poly1305 rather than AES-GCM
}

var tlsSuites = map[uint16]*tlsSuite{
	0x1301: {name: "TLS_AES_128_GCM_SHA256", tls13: true, hash: sha256.New, keyLen: 16},
	0x1302: {name: "TLS_AES_256_GCM_SHA384", tls13: true, hash: sha512.New384, keyLen: 32},
	0x1303: {name: "TLS_CHACHA20_POLY1305_SHA256", tls13: true, hash: sha256.New, keyLen: 32, chacha: true},

	0xc02b: {name: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", hash: sha256.New, keyLen: 16},
	0xc02c: {name: "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", hash: sha512.New384, keyLen: 32},
	0xc02f: {name: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", hash: sha256.New, keyLen: 16},
	0xc030: {name: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", hash: sha512.New384, keyLen: 32},
	0xcca8: {name: "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", hash: sha256.New, keyLen: 32, chacha: true},
	0xcca9: {name: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", hash: sha256.New, keyLen: 32, chacha: true},
	// The same record protection after other key exchanges: the key log's
	// master secret makes the exchange irrelevant.
	0x009c: {name: "TLS_RSA_WITH_AES_128_GCM_SHA256", hash: sha256.New, keyLen: 16},
	0x009d: {name: "TLS_RSA_WITH_AES_256_GCM_SHA384", hash: sha512.New384, keyLen: 32},
	0x009e: {name: "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", hash: sha256.New, keyLen: 16},
	0x009f: {name: "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", hash: sha512.New384, keyLen: 32},
	0xccaa: {name: "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256", hash: sha256.New, keyLen: 32, chacha: true},
}

// ivLen is the length of the fixed IV: the whole nonce for TLS 1.3 and for
// ChaCha20-Poly1305, the 4-byte salt before each record's explicit nonce for
// TLS 1.2 AES-GCM (RFC 5288).
func (s *tlsSuite) ivLen() int {
	if s.tls13 || s.chacha {
		return 12
	}
	return 4
}

func (s *tlsSuite) aead(key []byte) (cipher.AEAD, error) {
	if s.chacha {
		return chacha20poly1305.New(key)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// recordCipher opens the protected records of one direction.
type recordCipher struct {
	suite  *tlsSuite
	aead   cipher.AEAD
	iv     []byte
	seq    uint64
	secret []byte // TLS 1.3: the traffic secret, for a key update
	nonce  [12]byte
	aad    [13]byte
}

func newRecordCipher(s *tlsSuite, key, iv, secret []byte) (*recordCipher, error) {
	a, err := s.aead(key)
	if err != nil {
		return nil, err
	}
	return &recordCipher{suite: s, aead: a, iv: iv, secret: secret}, nil
}

// tls13Cipher derives a direction's record protection from a TLS 1.3
// traffic secret.
func tls13Cipher(s *tlsSuite, secret []byte) (*recordCipher, error) {
	key, err := expandLabel(s.hash, secret, "key", s.keyLen)
	if err != nil {
		return nil, err
	}
	iv, err := expandLabel(s.hash, secret, "iv", 12)
	if err != nil {
		return nil, err
	}
	return newRecordCipher(s, key, iv, secret)
}

// updated is the cipher after a KeyUpdate: the next generation of the
// traffic secret, its sequence numbers from zero.
func (c *recordCipher) updated() (*recordCipher, error) {
	next, err := expandLabel(c.suite.hash, c.secret, "traffic upd", c.suite.hash().Size())
	if err != nil {
		return nil, err
	}
	return tls13Cipher(c.suite, next)
}

// expandLabel is TLS 1.3's HKDF-Expand-Label with an empty context.
func expandLabel(h func() hash.Hash, secret []byte, label string, n int) ([]byte, error) {
	full := "tls13 " + label
	info := make([]byte, 0, 4+len(full))
	info = binary.BigEndian.AppendUint16(info, uint16(n))
	info = append(info, byte(len(full)))
	info = append(info, full...)
	info = append(info, 0)
	return hkdf.Expand(h, secret, string(info), n)
}

// tls12Ciphers derives both directions' record protection from a TLS 1.2
// master secret and the hello randoms.
func tls12Ciphers(s *tlsSuite, master []byte, clientRandom, serverRandom [32]byte) (client, server *recordCipher, err error) {
	ivLen := s.ivLen()
	seed := append(append([]byte{}, serverRandom[:]...), clientRandom[:]...)
	block := prf12(s.hash, master, "key expansion", seed, 2*s.keyLen+2*ivLen)
	ck, sk := block[:s.keyLen], block[s.keyLen:2*s.keyLen]
	civ, siv := block[2*s.keyLen:2*s.keyLen+ivLen], block[2*s.keyLen+ivLen:]
	if client, err = newRecordCipher(s, ck, civ, nil); err != nil {
		return nil, nil, err
	}
	if server, err = newRecordCipher(s, sk, siv, nil); err != nil {
		return nil, nil, err
	}
	return client, server, nil
}

// prf12 is TLS 1.2's PRF: P_hash over HMAC with the suite's hash.
func prf12(h func() hash.Hash, secret []byte, label string, seed []byte, n int) []byte {
	labelSeed := append([]byte(label), seed...)
	mac := hmac.New(h, secret)
	mac.Write(labelSeed)
	a := mac.Sum(nil)
	out := make([]byte, 0, n+mac.Size())
	for len(out) < n {
		mac.Reset()
		mac.Write(a)
		mac.Write(labelSeed)
		out = mac.Sum(out)
		mac.Reset()
		mac.Write(a)
		a = mac.Sum(a[:0])
	}
	return out[:n]
}

// errRecordOpen is why a record failed to open: the key log's secrets do not
// belong to this connection, or the record was damaged.
var errRecordOpen = errors.New("authentication failed")

// open decrypts one record (header hdr, body frag) into dst, returning the
// plaintext and, for TLS 1.3, the inner content type.
func (c *recordCipher) open(dst, hdr, frag []byte) ([]byte, byte, error) {
	typ := hdr[0]
	explicit := 0
	if !c.suite.tls13 && !c.suite.chacha {
		explicit = 8
	}
	overhead := explicit + c.aead.Overhead()
	if len(frag) < overhead {
		return nil, 0, fmt.Errorf("record of %d bytes is shorter than its %d bytes of protection", len(frag), overhead)
	}
	nonce := c.nonce[:]
	if explicit > 0 {
		copy(nonce, c.iv)
		copy(nonce[4:], frag[:8])
	} else {
		copy(nonce, c.iv)
		for i := range 8 {
			nonce[4+i] ^= byte(c.seq >> (56 - 8*i))
		}
	}
	var aad []byte
	if c.suite.tls13 {
		aad = hdr[:5]
	} else {
		binary.BigEndian.PutUint64(c.aad[:], c.seq)
		c.aad[8], c.aad[9], c.aad[10] = typ, hdr[1], hdr[2]
		binary.BigEndian.PutUint16(c.aad[11:], uint16(len(frag)-overhead))
		aad = c.aad[:]
	}
	plain, err := c.aead.Open(dst, nonce, frag[explicit:], aad)
	if err != nil {
		return nil, 0, errRecordOpen
	}
	c.seq++
	if !c.suite.tls13 {
		return plain, typ, nil
	}
	// TLS 1.3 hides the real type after the content, before zero padding.
	i := len(plain) - 1
	for i >= 0 && plain[i] == 0 {
		i--
	}
	if i < 0 {
		return nil, 0, errors.New("TLS 1.3 record has no content type")
	}
	return plain[:i], plain[i], nil
}
