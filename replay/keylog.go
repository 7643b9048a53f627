package replay

// TLS session secrets in the NSS key log format (SSLKEYLOGFILE), which curl,
// browsers and `node --tls-keylog` write, and which a pcapng Decryption
// Secrets Block carries: one secret a line, found by the client random of
// the handshake it belongs to.

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
)

// KeyLog holds the TLS secrets of a key log, by client random.
type KeyLog struct {
	sessions map[[32]byte]*tlsSecrets
}

// tlsSecrets are the secrets logged for one handshake: the master secret for
// TLS 1.2, the traffic secrets for TLS 1.3.
type tlsSecrets struct {
	master               []byte
	clientHS, serverHS   []byte
	clientApp, serverApp []byte
}

// keyLogLabels maps each label this package uses to the secret it fills;
// other labels (EXPORTER_SECRET, early traffic) are valid and ignored.
var keyLogLabels = map[string]func(*tlsSecrets) *[]byte{
	"CLIENT_RANDOM":                   func(s *tlsSecrets) *[]byte { return &s.master },
	"CLIENT_HANDSHAKE_TRAFFIC_SECRET": func(s *tlsSecrets) *[]byte { return &s.clientHS },
	"SERVER_HANDSHAKE_TRAFFIC_SECRET": func(s *tlsSecrets) *[]byte { return &s.serverHS },
	"CLIENT_TRAFFIC_SECRET_0":         func(s *tlsSecrets) *[]byte { return &s.clientApp },
	"SERVER_TRAFFIC_SECRET_0":         func(s *tlsSecrets) *[]byte { return &s.serverApp },
}

var keyLogIgnored = map[string]bool{
	"EXPORTER_SECRET":             true,
	"EARLY_EXPORTER_SECRET":       true,
	"CLIENT_EARLY_TRAFFIC_SECRET": true,
	"RSA":                         true,
}

// ParseKeyLog reads an NSS key log. A line it cannot read is an error naming
// the line and the cause, since a silently dropped secret would leave a
// connection undecrypted with no hint why.
func ParseKeyLog(r io.Reader) (*KeyLog, error) {
	k := &KeyLog{}
	if err := k.add(r, "key log"); err != nil {
		return nil, err
	}
	return k, nil
}

// add reads key log lines from r into k; where names the source in errors.
func (k *KeyLog) add(r io.Reader, where string) error {
	if k.sessions == nil {
		k.sessions = make(map[[32]byte]*tlsSecrets)
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		if err := k.line(line); err != nil {
			return &Error{Code: CodeKeyLog, Reason: fmt.Sprintf("%s line %d: %s", where, n, err)}
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("replay: reading the %s: %w", where, err)
	}
	return nil
}

func (k *KeyLog) line(line string) error {
	fields := strings.Fields(line)
	if len(fields) != 3 {
		return fmt.Errorf("want LABEL CLIENT_RANDOM SECRET, got %d fields", len(fields))
	}
	label := fields[0]
	slot := keyLogLabels[label]
	if slot == nil && !keyLogIgnored[label] {
		return fmt.Errorf("unknown label %q", label)
	}
	random, err := hex.DecodeString(fields[1])
	if err != nil || len(random) != 32 {
		if label == "RSA" {
			return nil
		}
		return fmt.Errorf("client random %q is not 32 bytes of hex", fields[1])
	}
	secret, err := hex.DecodeString(fields[2])
	if err != nil || len(secret) == 0 || len(secret) > 64 {
		return fmt.Errorf("%s secret is not 1 to 64 bytes of hex", label)
	}
	if slot == nil {
		return nil
	}
	if label == "CLIENT_RANDOM" && len(secret) != 48 {
		return fmt.Errorf("CLIENT_RANDOM master secret is %d bytes, want 48", len(secret))
	}
	key := [32]byte(random)
	s := k.sessions[key]
	if s == nil {
		s = &tlsSecrets{}
		k.sessions[key] = s
	}
	*slot(s) = secret
	return nil
}

// Len is the number of handshakes the key log has secrets for.
func (k *KeyLog) Len() int {
	if k == nil {
		return 0
	}
	return len(k.sessions)
}

// lookup returns the secrets of the handshake with client random cr.
func (k *KeyLog) lookup(cr [32]byte) *tlsSecrets {
	if k == nil {
		return nil
	}
	return k.sessions[cr]
}

// secretsBlock takes the body of a pcapng Decryption Secrets Block; only TLS
// key logs are read, other kinds (WireGuard, SSH) are reported and passed over.
func (k *KeyLog) secretsBlock(kind uint32, data []byte, packet int) *Error {
	if kind != dsbTLSKeyLog {
		return problemf(CodeFormat, packet, "pcapng decryption secrets of type %#08x are not TLS key log lines and were not read", kind)
	}
	where := fmt.Sprintf("pcapng decryption secrets block before packet %d", packet)
	if err := k.add(bytes.NewReader(data), where); err != nil {
		var e *Error
		if errors.As(err, &e) {
			return e
		}
		return &Error{Code: CodeKeyLog, Reason: where, Err: err}
	}
	return nil
}

// dsbTLSKeyLog is the secrets type of a Decryption Secrets Block holding an
// NSS key log ("TLSK").
const dsbTLSKeyLog = 0x544c534b
