package replay

// Volatile headers: response headers whose values change from one run of
// a server to the next (Date above all), so a replay against the very
// server a capture came from would otherwise differ on every exchange.

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// DefaultVolatileHeaders are the response headers Run leaves out of the
// comparison unless ReplayOptions.Strict is set.
var DefaultVolatileHeaders = []string{"Date"}

// VolatileHeader is one header a replay left out of the comparison as
// volatile, and in how many compared exchanges its values differed.
type VolatileHeader struct {
	Name     string // lower-cased
	Differed int
}

// ParseHeaderList reads a list of header names, one a line; blank lines and
// lines starting with # are skipped. name is the list's file name, for
// errors, which name the line.
func ParseHeaderList(r io.Reader, name string) ([]string, error) {
	var out []string
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if !validHeaderName(line) {
			return nil, invalidArg("%s:%d: %q is not a header name", name, n, line)
		}
		out = append(out, line)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("replay: reading %s: %w", name, err)
	}
	return out, nil
}

// validHeaderName reports whether s is an HTTP token (RFC 9110 5.1).
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("\"(),/:;<=>?@[\\]{}", c) >= 0 {
			return false
		}
	}
	return true
}
