package replay

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"
)

// wire is the bytes both sides of a TLS conversation wrote, in order.
type wire struct {
	mu   sync.Mutex
	segs []wireSeg
}

type wireSeg struct {
	client bool
	data   []byte
}

// recordingConn notes every write before passing it on.
type recordingConn struct {
	net.Conn
	w      *wire
	client bool
}

func (r *recordingConn) Write(b []byte) (int, error) {
	r.w.mu.Lock()
	r.w.segs = append(r.w.segs, wireSeg{r.client, append([]byte(nil), b...)})
	r.w.mu.Unlock()
	return r.Conn.Write(b)
}

// goTLS runs a TLS conversation between Go's crypto/tls client and server
// over an in-memory pipe: the client writes request, the server answers
// response. It returns what went over the wire and the client's key log.
func goTLS(t *testing.T, client *tls.Config, request, response []byte) (*wire, *KeyLog) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test"}, NotBefore: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	server := &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, NextProtos: []string{"h2", "http/1.1"}}
	var keys bytes.Buffer
	client.KeyLogWriter, client.InsecureSkipVerify = &keys, true
	w := &wire{}
	cc, sc := net.Pipe()
	done := make(chan error, 1)
	go func() {
		s := tls.Server(&recordingConn{sc, w, false}, server)
		buf := make([]byte, len(request))
		if _, err := io.ReadFull(s, buf); err != nil {
			done <- err
			return
		}
		_, err := s.Write(response)
		done <- err
	}()
	c := tls.Client(&recordingConn{cc, w, true}, client)
	if _, err := c.Write(request); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(c, make([]byte, len(response))); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// Closing the pipe rather than the TLS connections: a close_notify
	// nobody reads would block on net.Pipe until crypto/tls's timeout.
	cc.Close()
	sc.Close()
	kl, err := ParseKeyLog(&keys)
	if err != nil {
		t.Fatal(err)
	}
	return w, kl
}

// decryptWire feeds a conversation to a TLS connection and closes it.
func decryptWire(w *wire, keys *KeyLog) *Connection {
	c := tlsHarness(keys)
	for i, s := range w.segs {
		c.tls.data(s.client, s.data, pktInfo{num: i + 1})
	}
	c.tls.close()
	c.http.close(pktInfo{}, true)
	return c.out
}

// TestGoTLSIsDecrypted: Go's TLS stack, a second implementation beside
// Node's OpenSSL, with an ECDSA certificate.
func TestGoTLSIsDecrypted(t *testing.T) {
	for name, cfg := range map[string]*tls.Config{
		"TLS 1.3":                  {MinVersion: tls.VersionTLS13},
		"TLS 1.2 ECDSA AES-256":    {MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384}},
		"TLS 1.2 ECDSA ChaCha20":   {MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256}},
		"TLS 1.2 ECDSA AES-128 h1": {MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}, NextProtos: []string{"http/1.1"}},
	} {
		t.Run(name, func(t *testing.T) {
			w, keys := goTLS(t, cfg, []byte("GET /go HTTP/1.1\r\nHost: test\r\n\r\n"), []byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"))
			out := decryptWire(w, keys)
			if len(out.Problems) != 0 || len(out.Exchanges) != 1 || !out.Exchanges[0].Complete || string(out.Exchanges[0].Response.Body) != "ok" {
				t.Errorf("over %s: %d exchanges, problems %v", out.TLS, len(out.Exchanges), out.Problems)
			}
		})
	}
}

// TestHTTP2OverTLSIsCountedNotParsed: a browser's HTTP/2 is named as such
// rather than read as broken HTTP/1.1.
func TestHTTP2OverTLSIsCountedNotParsed(t *testing.T) {
	request := append([]byte("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), 0, 0, 0, 4, 0, 0, 0, 0, 0)
	w, keys := goTLS(t, &tls.Config{NextProtos: []string{"h2"}}, request, []byte{0, 0, 0, 4, 0, 0, 0, 0, 0})
	out := decryptWire(w, keys)
	if len(out.Exchanges) != 0 || len(out.Problems) != 1 || out.Problems[0].Code != CodeHTTP2 || out.OpaqueBytes != int64(len(request)+9) {
		t.Errorf("exchanges %d, opaque %d, problems %v", len(out.Exchanges), out.OpaqueBytes, out.Problems)
	}
}
