package httpcore

import "encoding/binary"

// Header and trailer lines, including the special meaning llhttp gives to
// Connection, Content-Length, Transfer-Encoding and Upgrade.

// specialHeaders are the names whose values llhttp interprets, matched
// case-insensitively; specialStates gives the header state of each.
var (
	specialHeaders = newTrie(specialHeaderNames[:]...)
	specialStates  = [...]headerState{hsConnection, hsContentLength, hsConnection, hsTransferEncoding, hsUpgrade}

	connectionTokenNames = [...]string{"close", "upgrade", "keep-alive"}
	connectionTokens     = newTrie(connectionTokenNames[:]...)
	connectionStates     = [...]headerState{hsConnClose, hsConnUpgrade, hsConnKeepAlive}

	chunkedToken = newTrie("chunked")
)

// parseHeaders runs the header states from position i and returns where it
// stopped: the end of data, an error, or a state of another part.
func (p *Parser) parseHeaders(data []byte, i int) int {
	for i < len(data) {
		c := data[i]
		switch p.state {
		case sHeadersStart:
			if c == ' ' {
				i++
				if !p.lenient {
					return p.fail(data, "HPE_UNEXPECTED_SPACE", "Unexpected space after start line", i)
				}
			}
			p.state = sFieldStart
		case sFieldStart:
			if j, ok := p.plainHeaderLine(data, i); ok {
				i = j
				continue
			}
			switch c {
			case '\r':
				i++
				p.state = sHeadersAlmostDone
			case '\n':
				i++
				if !p.lenient {
					return p.fail(data, "HPE_INVALID_HEADER_TOKEN", "Invalid header field char", i)
				}
				i = p.headersEnd(data, i)
			case ':':
				return p.fail(data, "HPE_INVALID_HEADER_TOKEN", "Invalid header token", i)
			default:
				p.startSpan(spanField, i)
				p.node = 0
				p.state = sField
			}
		case sField:
			switch st, w := specialHeaders.step(&p.node, toLower(c)); st {
			case trieMore:
				i++
			case trieDone:
				i++
				p.hstate = specialStates[w]
				p.state = sFieldColon
			default:
				p.hstate = hsGeneral
				p.state = sFieldGeneral
			}
		case sFieldColon:
			switch c {
			case ' ':
				if p.lenient {
					p.state = sFieldColonWS
					continue
				}
				if p.endSpan(data, i, i+1) {
					p.fail(data, "HPE_INVALID_HEADER_TOKEN", "Invalid header field char", i+1)
				}
				return i
			case ':':
				if !p.endSpan(data, i, i+1) {
					return i
				}
				i++
				p.fieldComplete(data, i)
			default:
				p.hstate = hsGeneral
				p.state = sFieldGeneral
			}
		case sFieldColonWS:
			if c == ' ' {
				i++
				continue
			}
			p.state = sFieldColon
		case sFieldGeneral:
			for i < len(data) && tokenChars[data[i]] {
				i++
			}
			if i == len(data) {
				return i
			}
			if data[i] != ':' {
				return p.fail(data, "HPE_INVALID_HEADER_TOKEN", "Invalid header token", i)
			}
			if !p.endSpan(data, i, i+1) {
				return i
			}
			i++
			p.fieldComplete(data, i)

		case sValueDiscardWS:
			switch c {
			case ' ', '\t':
				i++
			case '\r':
				i++
				p.state = sValueDiscardWSAlmostDone
			case '\n':
				i++
				if !p.lenient {
					return p.fail(data, "HPE_INVALID_HEADER_TOKEN", "Invalid header value char", i)
				}
				p.state = sValueDiscardLWS
			default:
				p.startSpan(spanValue, i)
				p.valueStart(data, i)
			}
		case sValueDiscardWSAlmostDone:
			if c == '\n' {
				i++
			} else if !p.lenient {
				return p.fail(data, "HPE_STRICT", "Expected LF after CR", i)
			}
			p.state = sValueDiscardLWS
		case sValueDiscardLWS:
			if c == ' ' || c == '\t' {
				i++
				if !p.lenient {
					return p.fail(data, "HPE_INVALID_HEADER_TOKEN", "Invalid header value char", i)
				}
				p.state = sValueDiscardWS
				continue
			}
			if p.hstate == hsContentLength {
				return p.fail(data, "HPE_INVALID_CONTENT_LENGTH", "Empty Content-Length", i)
			}
			p.setHeaderFlags()
			p.startSpan(spanValue, i)
			if p.endSpan(data, i, i) {
				p.state = sFieldStart
			}

		case sValueTEChunked:
			switch st, _ := chunkedToken.step(&p.node, toLower(c)); st {
			case trieMore:
				i++
			case trieDone:
				i++
				p.state = sValueTEChunkedLast
			default:
				p.state = sValueTEToken
			}
		case sValueTEChunkedLast:
			switch c {
			case ' ':
				i++
			case '\r', '\n':
				p.hstate = hsTEChunked
				p.state = sValueOtherwise
			case ',':
				if p.kind == ParseRequest && !p.lenient {
					p.failTEValue(data, i)
					return i
				}
				p.node = 0
				p.state = sValueTEChunked
			default:
				p.state = sValueTEToken
			}
		case sValueTEToken:
			switch {
			case c == ',':
				i++
				p.state = sValueTETokenOWS
			case connectionTokenChars[c]:
				i++
			default:
				p.hstate = hsGeneral
				p.state = sValue
			}
		case sValueTETokenOWS:
			if c == ' ' || c == '\t' {
				i++
				continue
			}
			p.node = 0
			p.state = sValueTEChunked

		case sValueContentLength:
			if !isDigit(c) {
				p.state = sValueContentLengthWS
				continue
			}
			i++
			length, ok := appendDigit(p.length, c)
			if !ok {
				if p.endSpan(data, i, i) {
					p.fail(data, "HPE_INVALID_CONTENT_LENGTH", "Content-Length overflow", i)
				}
				return i
			}
			p.length = length
		case sValueContentLengthWS:
			switch c {
			case ' ':
				i++
			case '\r', '\n':
				p.flags |= fContentLength
				p.state = sValueOtherwise
			default:
				if p.endSpan(data, i, i) {
					p.fail(data, "HPE_INVALID_CONTENT_LENGTH", "Invalid character in Content-Length", i)
				}
				return i
			}

		case sValueConnection:
			lc := toLower(c)
			if p.node == 0 && (lc == ' ' || lc == '\t') {
				i++
				continue
			}
			switch st, w := connectionTokens.step(&p.node, lc); st {
			case trieMore:
				i++
			case trieDone:
				i++
				p.hstate = connectionStates[w]
				p.state = sValueConnectionWS
			default:
				p.state = sValueConnectionToken
			}
		case sValueConnectionWS:
			switch c {
			case ',':
				i++
				p.setHeaderFlags()
				p.node = 0
				p.state = sValueConnection
			case ' ':
				i++
			case '\r', '\n':
				p.state = sValueOtherwise
			default:
				p.hstate = hsGeneral
				p.state = sValueConnectionToken
			}
		case sValueConnectionToken:
			switch {
			case c == ',':
				i++
				p.node = 0
				p.state = sValueConnection
			case connectionTokenChars[c]:
				i++
			default:
				p.state = sValueOtherwise
			}

		case sValue:
			for i < len(data) && headerChars[data[i]] {
				i++
			}
			if i < len(data) {
				p.state = sValueOtherwise
			}
		case sValueOtherwise:
			switch c {
			case '\r':
				if !p.endSpan(data, i, i+1) {
					return i
				}
				i++
				p.state = sValueAlmostDone
			case '\n':
				if !p.endSpan(data, i, i) {
					return i
				}
				if !p.lenient {
					return p.fail(data, "HPE_CR_EXPECTED", "Missing expected CR after header value", i)
				}
				p.state = sValueAlmostDone
			default:
				if p.lenient {
					p.state = sValueLenient
					continue
				}
				if p.endSpan(data, i, i) {
					p.fail(data, "HPE_INVALID_HEADER_TOKEN", "Invalid header value char", i)
				}
				return i
			}
		case sValueLenient:
			for i < len(data) && data[i] != '\r' && data[i] != '\n' {
				i++
			}
			if i == len(data) {
				return i
			}
			if data[i] == '\r' {
				if !p.endSpan(data, i, i+1) {
					return i
				}
				i++
			} else if !p.endSpan(data, i, i) {
				return i
			}
			p.state = sValueAlmostDone
		case sValueAlmostDone:
			if c != '\n' {
				return p.fail(data, "HPE_LF_EXPECTED", "Missing expected LF after header value", i)
			}
			i++
			p.state = sValueLWS
		case sValueLWS:
			if c == ' ' || c == '\t' {
				if !p.lenient {
					return p.fail(data, "HPE_INVALID_HEADER_TOKEN", "Unexpected whitespace after header value", i)
				}
				// An obs-fold continues the same value.
				if p.hstate == hsTEChunked {
					p.hstate = hsGeneral
				}
				p.startSpan(spanValue, i)
				p.valueStart(data, i)
				continue
			}
			p.setHeaderFlags()
			p.state = sFieldStart
		case sHeadersAlmostDone:
			if c == '\n' {
				i++
			} else if !p.lenient {
				return p.fail(data, "HPE_STRICT", "Expected LF after headers", i)
			}
			i = p.headersEnd(data, i)

		default:
			return i
		}
	}
	return i
}

// plainHeaderLine is a fast path for the common header line: a name, a
// colon, optional blanks, a non-empty value of visible bytes, CRLF, and a
// next line that is not a fold. The name is any but the special ones, or
// Connection (or Proxy-Connection) with one of its three tokens as the
// whole value, or a first Content-Length of digits only: a keep-alive GET
// has three such lines, which byte by byte through the tries cost about a
// tenth of its instructions. It has the same effects, in the same order,
// as the states would have, or none and false when the line at i is not of
// that shape, not complete in data, or would fail.
func (p *Parser) plainHeaderLine(data []byte, i int) (int, bool) {
	colon := i
	for colon < len(data) && tokenChars[data[colon]] {
		colon++
	}
	if colon == i || colon == len(data) || data[colon] != ':' {
		return i, false
	}
	hs := hsGeneral
	if w := specialName(data[i:colon]); w >= 0 {
		hs = specialStates[w]
	}
	from := colon + 1
	for from < len(data) && (data[from] == ' ' || data[from] == '\t') {
		from++
	}
	if from == len(data) || !headerChars[data[from]] {
		return i, false
	}
	cr := from + 1
	for cr < len(data) && headerChars[data[cr]] {
		cr++
	}
	if cr+2 >= len(data) || data[cr] != '\r' || data[cr+1] != '\n' || data[cr+2] == ' ' || data[cr+2] == '\t' {
		return i, false
	}
	value := data[from:cr]
	token, length := 0, p.length
	switch hs {
	case hsGeneral:
	case hsConnection:
		if token = connectionToken(value); token < 0 {
			return i, false
		}
	case hsContentLength:
		ok := false
		if length, ok = contentLength(length, value); !ok ||
			p.flags&fContentLength != 0 || (p.flags&fTransferEncoding != 0 && !p.lenient) {
			return i, false // the states report what is wrong
		}
	default:
		return i, false
	}
	if n := p.headerNread + (colon - i) + (cr - from); n < p.maxHeaderSize {
		// Neither span can reach the limit: the name and the value are
		// counted and collected at once, as their two endSpans would.
		p.headerNread = n
		if !p.skipStrings {
			p.collectLine(data[i:colon], data[from:cr])
		}
	} else {
		p.startSpan(spanField, i)
		p.hstate = hs
		if !p.endSpan(data, colon, colon+1) {
			return colon, true
		}
		p.startSpan(spanValue, from)
		if !p.endSpan(data, cr, cr+1) {
			return cr, true
		}
	}
	p.hstate = hs
	switch hs {
	case hsConnection:
		p.hstate = connectionStates[token]
	case hsContentLength:
		p.length = length
		p.flags |= fContentLength
	}
	p.node = 0
	p.setHeaderFlags()
	return cr + 2, true
}

// specialName is the index in specialHeaderNames of name, in any case, or
// -1.
func specialName(name []byte) int {
	switch len(name) {
	case 7, 10, 14, 16, 17:
		for w, s := range specialHeaderNames {
			if len(s) == len(name) && tokenEqualFold(name, s) {
				return w
			}
		}
	}
	return -1
}

// connectionToken is the index in connectionStates of a Connection value
// that is exactly one token, in any case, or -1.
func connectionToken(v []byte) int {
	for w, s := range connectionTokenNames {
		if len(s) == len(v) && tokenEqualFold(v, s) {
			return w
		}
	}
	return -1
}

// contentLength is a Content-Length value of digits only added to length
// as the states add it, and false when it has another byte or overflows.
func contentLength(length uint64, v []byte) (uint64, bool) {
	for _, c := range v {
		if !isDigit(c) {
			return 0, false
		}
		var ok bool
		if length, ok = appendDigit(length, c); !ok {
			return 0, false
		}
	}
	return length, true
}

// appendDigit is length with the decimal digit c appended, and false when
// that overflows.
func appendDigit(length uint64, c byte) (uint64, bool) {
	d := uint64(c - '0')
	if length > (^uint64(0)-d)/10 {
		return 0, false
	}
	return length*10 + d, true
}

var specialHeaderNames = [...]string{"connection", "content-length", "proxy-connection", "transfer-encoding", "upgrade"}

// tokenEqualFold is asciiEqualFold for the fast path's names and
// Connection tokens, eight bytes at a time: s holds only lower-case letters
// and '-', and b only bytes of a header line (tokenChars or headerChars, no
// control byte but HTAB), so setting bit 5 of b's bytes lower-cases its
// letters and maps no other byte of b onto a byte of s ('-' is 0x2d; only
// CR, 0x0d, would fold onto it).
func tokenEqualFold(b []byte, s string) bool {
	const fold = 0x2020202020202020
	for len(b) >= 8 {
		if binary.LittleEndian.Uint64(b)|fold != binary.LittleEndian.Uint64([]byte(s[:8])) {
			return false
		}
		b, s = b[8:], s[8:]
	}
	for i := range b {
		if b[i]|0x20 != s[i] {
			return false
		}
	}
	return true
}

// asciiEqualFold compares b with the lower-case s of the same length,
// folding A-Z only.
func asciiEqualFold[T []byte | string](b T, s string) bool {
	for i := 0; i < len(b); i++ {
		if toLower(b[i]) != s[i] {
			return false
		}
	}
	return true
}

// fieldComplete follows a header name's colon at position at: llhttp
// refuses Transfer-Encoding and Content-Length together as soon as the
// second name is read.
func (p *Parser) fieldComplete(data []byte, at int) {
	switch {
	case p.hstate == hsTransferEncoding && p.flags&fContentLength != 0 && !p.lenient:
		p.fail(data, "HPE_INVALID_TRANSFER_ENCODING", "Transfer-Encoding can't be present with Content-Length", at)
	case p.hstate == hsContentLength && p.flags&fTransferEncoding != 0 && !p.lenient:
		p.fail(data, "HPE_INVALID_CONTENT_LENGTH", "Content-Length can't be present with Transfer-Encoding", at)
	default:
		p.state = sValueDiscardWS
	}
}

// valueStart is llhttp's header_value_start: the first byte of a value, at
// position i, picks the state that interprets it.
func (p *Parser) valueStart(data []byte, i int) {
	switch p.hstate {
	case hsUpgrade:
		p.flags |= fUpgrade
		p.hstate = hsGeneral
		p.state = sValue
	case hsTransferEncoding:
		if p.flags&fChunked != 0 && p.kind == ParseRequest && !p.lenient {
			p.failTEValue(data, i)
			return
		}
		p.flags |= fTransferEncoding
		p.flags &^= fChunked
		p.node = 0
		p.state = sValueTEChunked
	case hsContentLength:
		if p.flags&fContentLength != 0 {
			p.fail(data, "HPE_UNEXPECTED_CONTENT_LENGTH", "Duplicate Content-Length", i)
			return
		}
		p.state = sValueContentLength
	case hsConnection:
		p.node = 0
		p.state = sValueConnection
	default:
		p.state = sValue
	}
}

// failTEValue refuses a request coding after chunked: chunked must be last.
func (p *Parser) failTEValue(data []byte, i int) {
	if p.endSpan(data, i, i+1) {
		p.fail(data, "HPE_INVALID_TRANSFER_ENCODING", "Invalid `Transfer-Encoding` header value", i+1)
	}
}

// setHeaderFlags turns a finished Connection or Transfer-Encoding token
// into the message flag it stands for.
func (p *Parser) setHeaderFlags() {
	switch p.hstate {
	case hsConnKeepAlive:
		p.flags |= fKeepAlive
		p.hstate = hsConnection
	case hsConnClose:
		p.flags |= fClose
		p.hstate = hsConnection
	case hsConnUpgrade:
		p.flags |= fConnUpgrade
		p.hstate = hsConnection
	case hsTEChunked:
		p.flags |= fChunked
	}
}

// headersEnd follows the empty line that ends a head or the trailers, at
// position at.
func (p *Parser) headersEnd(data []byte, at int) int {
	if p.flags&fTrailing != 0 {
		p.headerNread = 0
		p.messageDone(at)
		return at
	}
	if p.spares != nil {
		p.spares.remember(p, data, at)
	}
	return p.headersComplete(data, at)
}
