package httpcore

// The start line: request line (method, URL, version) and status line.

// protoTrie matches the protocol word of a start line.
var protoTrie = newTrie("HTTP", "RTSP", "ICE")

// h2Preface is what must follow "PRI * HTTP/2.0" for the HTTP/2 preface.
const h2Preface = "\r\n\r\nSM\r\n\r\n"

// Error reasons shared by several states.
const (
	reasonExpectedProto = "Expected HTTP/, RTSP/ or ICE/"
	reasonURLChars      = "Invalid characters in url"
)

// parseLine runs the start-line states from position i and returns where it
// stopped: the end of data, an error, or a state of another part.
func (p *Parser) parseLine(data []byte, i int) int {
	for i < len(data) {
		c := data[i]
		switch p.state {
		case sStart:
			if c == '\r' || c == '\n' {
				i++
				continue
			}
			p.beginMessage(i)
			p.node = 0
			p.state = sResProtocol
			if p.kind == ParseRequest {
				p.state = sReqMethod
			}
			if p.spares != nil {
				if j, ok := p.spares.replay(p, data, i); ok {
					return j
				}
			}

		case sReqMethod:
			if j, ok := p.knownMethod(data, i); ok {
				i = j
				continue
			}
			switch st, m := methodTrie.step(&p.node, c); st {
			case trieMore:
				i++
			case trieDone, trieChoose:
				if st == trieDone {
					i++
				}
				p.method = m
				p.state = sReqFirstSpace
			default:
				return p.fail(data, "HPE_INVALID_METHOD", "Invalid method encountered", i)
			}
		case sReqFirstSpace:
			if c != ' ' {
				return p.fail(data, "HPE_INVALID_METHOD", "Expected space after method", i)
			}
			i++
			p.state = sReqSpacesBeforeURL
		case sReqSpacesBeforeURL:
			if c == ' ' {
				i++
				continue
			}
			p.startSpan(spanURL, i)
			p.state = sURLStart
			if p.method == methodConnect {
				p.state = sURLServer
			}

		case sURLStart:
			switch {
			case c == '/' || c == '*':
				i++
				p.state = sURLPath
			case isAlpha(c):
				p.state = sURLSchema
			case isURLBreak(c):
				return p.fail(data, "HPE_INVALID_URL", reasonURLChars, i+1)
			default:
				return p.fail(data, "HPE_INVALID_URL", "Unexpected start char in url", i)
			}
		case sURLSchema:
			switch {
			case isAlpha(c):
				i++
			case c == ':':
				i++
				p.seq = 0
				p.state = sURLSchemaDelim
			case isURLBreak(c):
				return p.fail(data, "HPE_INVALID_URL", reasonURLChars, i+1)
			default:
				return p.fail(data, "HPE_INVALID_URL", "Unexpected char in url schema", i)
			}
		case sURLSchemaDelim:
			switch {
			case c == '/':
				i++
				p.seq++
				if p.seq == 2 {
					p.state = sURLServer
				}
			case p.seq == 0 && isURLBreak(c):
				return p.fail(data, "HPE_INVALID_URL", reasonURLChars, i+1)
			default:
				return p.fail(data, "HPE_INVALID_URL", "Unexpected char in url schema", i)
			}
		case sURLServer, sURLServerWithAt:
			switch {
			case c == '/':
				i++
				p.state = sURLPath
			case c == '?':
				i++
				p.state = sURLQuery
			case userinfoChars[c] || c == '[' || c == ']':
				i++
				p.state = sURLServer
			case c == '@':
				if p.state == sURLServerWithAt {
					return p.fail(data, "HPE_INVALID_URL", "Double @ in url", i+1)
				}
				i++
				p.state = sURLServerWithAt
			default:
				if j, ok := p.urlEnd(data, i, c); ok {
					i = j
					continue
				}
				return p.fail(data, "HPE_INVALID_URL", "Unexpected char in url server", i)
			}
		case sURLPath:
			for i < len(data) && urlChars[data[i]] {
				i++
			}
			if i == len(data) {
				return i
			}
			switch c = data[i]; c {
			case '?':
				i++
				p.state = sURLQuery
			case '#':
				i++
				p.state = sURLFragment
			default:
				if j, ok := p.urlEnd(data, i, c); ok {
					i = j
					continue
				}
				return p.fail(data, "HPE_INVALID_URL", "Invalid char in url path", i)
			}
		case sURLQuery:
			for i < len(data) && (urlChars[data[i]] || data[i] == '?') {
				i++
			}
			if i == len(data) {
				return i
			}
			if c = data[i]; c == '#' {
				i++
				p.state = sURLFragment
				continue
			}
			if j, ok := p.urlEnd(data, i, c); ok {
				i = j
				continue
			}
			return p.fail(data, "HPE_INVALID_URL", "Invalid char in url query", i)
		case sURLFragment:
			for i < len(data) && (urlChars[data[i]] || data[i] == '?' || data[i] == '#') {
				i++
			}
			if i == len(data) {
				return i
			}
			if j, ok := p.urlEnd(data, i, data[i]); ok {
				i = j
				continue
			}
			return p.fail(data, "HPE_INVALID_URL", "Invalid char in url fragment start", i)
		case sURLCRLF:
			if p.seq == 0 && c == '\r' {
				i++
				p.seq = 1
				continue
			}
			if c != '\n' {
				return p.fail(data, "HPE_INVALID_URL", "Expected CRLF", i)
			}
			i++
			p.state = sURLToHTTP09
		case sURLToHTTP, sURLToHTTP09:
			// Still URL states: HTAB and FF fail here too.
			if c == '\t' || c == '\f' {
				return p.fail(data, "HPE_INVALID_URL", reasonURLChars, i+1)
			}
			if p.state == sURLToHTTP09 {
				p.toHTTP09()
				continue
			}
			p.state = sReqHTTPStart

		case sReqHTTPStart:
			if c == ' ' {
				i++
				continue
			}
			if j, ok := p.commonVersion(data, i); ok {
				i = j
				continue
			}
			p.node = 0
			p.state = sReqProtocol
		case sReqProtocol:
			switch st, w := protoTrie.step(&p.node, c); st {
			case trieMore:
				i++
			case trieDone:
				i++
				if reason := p.checkMethod(w); reason != "" {
					return p.fail(data, "HPE_INVALID_CONSTANT", reason, i)
				}
				p.state = sReqAfterProtocol
			default:
				return p.fail(data, "HPE_INVALID_CONSTANT", reasonExpectedProto, i)
			}
		case sReqAfterProtocol, sResAfterProtocol:
			if c != '/' {
				return p.fail(data, "HPE_INVALID_CONSTANT", reasonExpectedProto, i)
			}
			i++
			p.state++
		case sReqMajor, sResMajor:
			if !isDigit(c) {
				return p.fail(data, "HPE_INVALID_VERSION", "Invalid major version", i)
			}
			i++
			p.major = int(c - '0')
			p.state++
		case sReqDot, sResDot:
			if c != '.' {
				return p.fail(data, "HPE_INVALID_VERSION", "Expected dot", i)
			}
			i++
			p.state++
		case sReqMinor, sResMinor:
			if !isDigit(c) {
				return p.fail(data, "HPE_INVALID_VERSION", "Invalid minor version", i)
			}
			i++
			p.minor = int(c - '0')
			if !p.versionOK() {
				return p.fail(data, "HPE_INVALID_VERSION", "Invalid HTTP version", i)
			}
			p.state++
			if p.kind == ParseRequest && p.method == methodPRI {
				p.seq = 0
				p.state = sReqPreface
			}
		case sReqComplete:
			switch c {
			case '\r':
				i++
				p.state = sReqCompleteLF
			case '\n':
				i++
				if !p.lenient {
					return p.fail(data, "HPE_INVALID_VERSION", "Expected CRLF after version", i)
				}
				p.state = sReqCompleteLF
			default:
				return p.fail(data, "HPE_INVALID_VERSION", "Expected CRLF after version", i)
			}
		case sReqCompleteLF:
			if c == '\n' {
				i++
			} else if !p.lenient {
				return p.fail(data, "HPE_STRICT", "Expected CRLF after version", i)
			}
			p.toHeaders()
		case sReqPreface:
			if c != h2Preface[p.seq] {
				return p.fail(data, "HPE_INVALID_VERSION", "Expected HTTP/2 Connection Preface", i)
			}
			i++
			p.seq++
			if p.seq == len(h2Preface) {
				return p.fail(data, "HPE_PAUSED_H2_UPGRADE", "Pause on PRI/Upgrade", i)
			}

		case sResProtocol:
			switch st, _ := protoTrie.step(&p.node, c); st {
			case trieMore:
				i++
			case trieDone:
				i++
				p.state = sResAfterProtocol
			default:
				return p.fail(data, "HPE_INVALID_CONSTANT", reasonExpectedProto, i)
			}
		case sResAfterVersion:
			if c != ' ' {
				return p.fail(data, "HPE_INVALID_VERSION", "Expected space after version", i)
			}
			i++
			p.status = 0
			p.state = sResStatus1
		case sResStatus1, sResStatus2, sResStatus3:
			if !isDigit(c) {
				return p.fail(data, "HPE_INVALID_STATUS", "Invalid status code", i)
			}
			i++
			p.status = p.status*10 + int(c-'0')
			p.state++
		case sResStatusOtherwise:
			switch c {
			case ' ':
				i++
				p.state = sResStatusStart
			case '\r':
				i++
				p.state = sResLineAlmostDone
			case '\n':
				i++
				if !p.lenient {
					return p.fail(data, "HPE_INVALID_STATUS", "Invalid response status", i)
				}
				p.toHeaders()
			default:
				return p.fail(data, "HPE_INVALID_STATUS", "Invalid response status", i)
			}
		case sResStatusStart:
			p.startSpan(spanStatus, i)
			p.state = sResStatus
		case sResStatus:
			for i < len(data) && data[i] != '\r' && data[i] != '\n' {
				i++
			}
			if i == len(data) {
				return i
			}
			c = data[i]
			if !p.endSpan(data, i, i+1) {
				return i + 1
			}
			i++
			if c == '\r' {
				p.state = sResLineAlmostDone
				continue
			}
			if !p.lenient {
				return p.fail(data, "HPE_CR_EXPECTED", "Missing expected CR after response line", i)
			}
			p.toHeaders()
		case sResLineAlmostDone:
			if c == '\r' || c == '\n' {
				i++
			} else if !p.lenient {
				return p.fail(data, "HPE_STRICT", "Expected LF after CR", i)
			}
			p.toHeaders()

		default:
			return i
		}
	}
	return i
}

// methodIndex finds llhttp's number for a method name.
var methodIndex = func() map[string]int {
	m := make(map[string]int, len(llhttpMethods))
	for i, name := range llhttpMethods {
		m[name] = i
	}
	return m
}()

// methodChars are the bytes of llhttp's method names.
var methodChars = classOf(func(c byte) bool { return c >= 'A' && c <= 'Z' || c == '-' || c == '_' })

// knownMethod is a fast path for a whole method name followed by a space at
// the start of a request line: the trie would consume the name and stop at
// the space, with the same result.
func (p *Parser) knownMethod(data []byte, i int) (int, bool) {
	if p.node != 0 {
		return i, false
	}
	end := i
	for end < len(data) && end-i < 16 && methodChars[data[end]] {
		end++
	}
	if end == len(data) || data[end] != ' ' {
		return i, false
	}
	// GET, the method of most requests, is found without the map's hash.
	m, ok := methodGet, string(data[i:end]) == "GET"
	if !ok {
		if m, ok = methodIndex[string(data[i:end])]; !ok {
			return i, false
		}
	}
	p.method = m
	p.state = sReqFirstSpace
	return end, true
}

// commonVersion is a fast path for "HTTP/1.1" or "HTTP/1.0" and CRLF after
// the URL of a method HTTP allows (PRI has its own continuation).
func (p *Parser) commonVersion(data []byte, i int) (int, bool) {
	v := data[i:]
	if len(v) < 10 || string(v[:7]) != "HTTP/1." || (v[7] != '1' && v[7] != '0') || v[8] != '\r' || v[9] != '\n' ||
		p.method == methodPRI || !methodAllowed("HTTP", p.method) {
		return i, false
	}
	p.major, p.minor = 1, int(v[7]-'0')
	p.toHeaders()
	return i + 10, true
}

// isURLBreak reports bytes that end every URL state with "Invalid
// characters in url", consumed: whitespace where the URL cannot end, and
// the controls HTAB and FF.
func isURLBreak(c byte) bool {
	return c == ' ' || c == '\r' || c == '\n' || c == '\t' || c == '\f'
}

// urlEnd handles the bytes that may end a URL after its first part: SP
// (then the version), CR or LF (an HTTP/0.9 request line), and HTAB or FF,
// which fail. It reports false for any other byte.
func (p *Parser) urlEnd(data []byte, i int, c byte) (int, bool) {
	switch c {
	case ' ', '\r', '\n':
		if !p.endSpan(data, i, i) {
			return i, true
		}
		switch c {
		case ' ':
			p.state = sURLToHTTP
			return i + 1, true
		case '\r':
			p.seq = 0
			p.state = sURLCRLF
			return i, true
		}
		p.state = sURLToHTTP09
		return i + 1, true
	case '\t', '\f':
		return p.fail(data, "HPE_INVALID_URL", reasonURLChars, i+1), true
	}
	return i, false
}

// toHTTP09 ends a request line that had no version: llhttp calls it 0.9.
func (p *Parser) toHTTP09() {
	p.major, p.minor = 0, 9
	p.toHeaders()
}

// toHeaders ends the start line.
func (p *Parser) toHeaders() {
	p.lineEnd = len(p.buf)
	p.state = sHeadersStart
}

// versionOK is llhttp's version check: 0.9, 1.0, 1.1 and 2.0 only, unless
// lenient.
func (p *Parser) versionOK() bool {
	if p.lenient {
		return true
	}
	switch p.major {
	case 0:
		return p.minor == 9
	case 1:
		return p.minor <= 1
	case 2:
		return p.minor == 0
	}
	return false
}

// checkMethod returns llhttp's reason for refusing the request's method
// with the protocol word w of protoTrie, or "".
func (p *Parser) checkMethod(w int) string {
	proto := [...]string{"HTTP", "RTSP", "ICE"}[w]
	if methodAllowed(proto, p.method) {
		return ""
	}
	switch proto {
	case "HTTP":
		return "Invalid method for HTTP/x.x request"
	case "RTSP":
		return "Invalid method for RTSP/x.x request"
	}
	return "Expected SOURCE method for ICE/x.x request"
}
