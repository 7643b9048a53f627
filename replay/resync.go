package replay

// Finding where an HTTP message starts in bytes whose framing was lost: after
// a gap, after a parse error, or when the capture began mid-conversation.
// A message may start right after a body, with no line break before it, so
// the search is for the start line's own shape, not for line starts.

import (
	"bytes"
	"slices"

	"github.com/simhttp/simhttp/httpcore"
)

// maxCarry bounds the tail kept between chunks while searching: a start line
// longer than this is not worth waiting for.
const maxCarry = 8 << 10

// methodsLongestFirst lets a method glued to the end of a body ("...dataGET")
// be cut at the longest method name it ends with.
var methodsLongestFirst = func() []string {
	ms := slices.Clone(httpcore.METHODS)
	slices.SortStableFunc(ms, func(a, b string) int { return len(b) - len(a) })
	return ms
}()

// looksLikeRequest reports whether b plausibly begins a request: a method
// token of capitals followed by a space.
func looksLikeRequest(b []byte) bool {
	i := 0
	for i < len(b) && i < 24 && isMethodChar(b[i]) {
		i++
	}
	return i > 0 && i < len(b) && b[i] == ' '
}

// looksLikeResponse reports whether b plausibly begins a response.
func looksLikeResponse(b []byte) bool { return bytes.HasPrefix(b, []byte("HTTP/")) }

func isMethodChar(c byte) bool { return c >= 'A' && c <= 'Z' || c == '-' || c == '_' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// statusStart returns the offset of the first status line in b
// (HTTP/1.x SP 3DIGIT), or -1.
func statusStart(b []byte) int {
	for from := 0; ; {
		i := bytes.Index(b[from:], []byte("HTTP/1."))
		if i < 0 {
			return -1
		}
		c := from + i
		if len(b)-c < 13 {
			return -1
		}
		l := b[c:]
		if isDigit(l[7]) && l[8] == ' ' && isDigit(l[9]) && isDigit(l[10]) && isDigit(l[11]) &&
			(l[12] == ' ' || l[12] == '\r' || l[12] == '\n') {
			return c
		}
		from = c + 1
	}
}

// requestStart returns the offset of the first request line in b
// (method SP target SP HTTP/1.x CRLF), found from its version and walked
// back to its method, or -1.
func requestStart(b []byte) int {
	for from := 0; ; {
		i := bytes.Index(b[from:], []byte(" HTTP/1."))
		if i < 0 {
			return -1
		}
		v := from + i
		from = v + 1
		if len(b)-v < 10 {
			return -1
		}
		if !isDigit(b[v+8]) || b[v+9] != '\r' && b[v+9] != '\n' {
			continue
		}
		sp := bytes.LastIndexByte(b[:v], ' ')
		if sp < 0 || sp == v-1 || bytes.ContainsAny(b[sp+1:v], "\r\n") {
			continue
		}
		m := sp
		for m > 0 && sp-m < 24 && isMethodChar(b[m-1]) {
			m--
		}
		if m == sp {
			continue
		}
		for _, known := range methodsLongestFirst {
			if bytes.HasSuffix(b[m:sp], []byte(known)) {
				return sp - len(known)
			}
		}
		return m
	}
}

// finder searches a stream for the start of the next message.
type finder struct {
	requests bool   // look for request lines, else status lines
	carry    []byte // the tail of earlier bytes that may begin a start line
	skipped  int64  // bytes passed over so far
}

// find looks for a message start in b. It returns the bytes to parse from
// there (which may begin with carried bytes of an earlier chunk) and true,
// or nil and false when b holds no start; b is then skipped, bar a tail that
// may begin a start line and is carried over.
func (f *finder) find(b []byte) ([]byte, bool) {
	buf := b
	if len(f.carry) > 0 {
		buf = append(f.carry, b...)
		f.carry = nil
	}
	start := statusStart(buf)
	if f.requests {
		start = requestStart(buf)
	}
	if start >= 0 {
		f.skipped += int64(start)
		return buf[start:], true
	}
	keep := len(buf) - (bytes.LastIndexByte(buf, '\n') + 1)
	keep = min(keep, maxCarry)
	f.skipped += int64(len(buf) - keep)
	f.carry = bytes.Clone(buf[len(buf)-keep:])
	return nil, false
}

// unfound is how many bytes find passed over or still holds.
func (f *finder) unfound() int64 { return f.skipped + int64(len(f.carry)) }
