package replay

// Finding where an HTTP message starts in bytes whose framing was lost: after
// a gap, after a parse error, or when the capture began mid-conversation.

import "bytes"

// maxCarry bounds the unfinished line kept between chunks while searching;
// a longer line is no request line worth waiting for.
const maxCarry = 8 << 10

// looksLikeRequest reports whether b plausibly begins a request: a method
// token of capitals followed by a space.
func looksLikeRequest(b []byte) bool {
	i := 0
	for i < len(b) && i < 24 && (b[i] >= 'A' && b[i] <= 'Z' || b[i] == '-' || b[i] == '_') {
		i++
	}
	return i > 0 && i < len(b) && b[i] == ' '
}

// looksLikeResponse reports whether b plausibly begins a response.
func looksLikeResponse(b []byte) bool { return bytes.HasPrefix(b, []byte("HTTP/")) }

// isRequestLine checks a whole line (without its LF) against
// method SP target SP HTTP/1.x [CR].
func isRequestLine(line []byte) bool {
	line = bytes.TrimSuffix(line, []byte("\r"))
	if !looksLikeRequest(line) {
		return false
	}
	sp := bytes.IndexByte(line, ' ')
	last := bytes.LastIndexByte(line, ' ')
	return last > sp+1 && isVersion(line[last+1:])
}

// isStatusLine checks a whole line against HTTP/1.x SP 3DIGIT.
func isStatusLine(line []byte) bool {
	if len(line) < 12 || !isVersion(line[:8]) || line[8] != ' ' {
		return false
	}
	for _, c := range line[9:12] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(line) == 12 || line[12] == ' ' || line[12] == '\r'
}

func isVersion(b []byte) bool {
	return len(b) == 8 && bytes.HasPrefix(b, []byte("HTTP/1.")) && b[7] >= '0' && b[7] <= '9'
}

// finder searches a stream for the start of the next message.
type finder struct {
	requests bool   // look for request lines, else status lines
	atStart  bool   // the next byte begins a line
	carry    []byte // an unfinished line from the previous chunk
	skipped  int64  // bytes passed over so far
}

// find looks for a message start in b. It returns the bytes to parse from
// there (which may begin with carried bytes of an earlier chunk) and true,
// or nil and false when b holds no start; b is then skipped, bar a possibly
// unfinished last line that is carried over.
func (f *finder) find(b []byte) ([]byte, bool) {
	buf := b
	if len(f.carry) > 0 {
		buf = append(f.carry, b...)
		f.carry = nil
	}
	check := isStatusLine
	if f.requests {
		check = isRequestLine
	}
	from := 0
	if !f.atStart {
		nl := bytes.IndexByte(buf, '\n')
		if nl < 0 {
			f.skipped += int64(len(buf))
			return nil, false
		}
		from = nl + 1
	}
	for from < len(buf) {
		nl := bytes.IndexByte(buf[from:], '\n')
		if nl < 0 {
			if len(buf)-from <= maxCarry {
				f.carry = bytes.Clone(buf[from:])
				f.skipped += int64(from)
				f.atStart = true
			} else {
				f.skipped += int64(len(buf))
				f.atStart = false
			}
			return nil, false
		}
		if check(buf[from : from+nl]) {
			f.skipped += int64(from)
			return buf[from:], true
		}
		from += nl + 1
	}
	f.skipped += int64(len(buf))
	f.atStart = true
	return nil, false
}

// pendingBytes is how many carried bytes find has not yet counted.
func (f *finder) pendingBytes() int64 { return int64(len(f.carry)) }
