package httpcore

// Message bodies: a length, chunks with extensions, or everything until
// the connection closes; and the closed state after a last message.

// parseBody runs the body states from position i and returns where it
// stopped: the end of data, an error, or a state of another part.
func (p *Parser) parseBody(data []byte, i int) int {
	for i < len(data) {
		c := data[i]
		switch p.state {
		case sBodyIdentity:
			n := p.take(data, i)
			i += n
			if p.length == 0 {
				p.messageDone(i)
			}
		case sBodyEOF:
			p.emitBody(data[i:])
			i = len(data)

		case sChunkSizeDigit:
			v := hexValue(c)
			if v < 0 {
				return p.fail(data, "HPE_INVALID_CHUNK_SIZE", "Invalid character in chunk size", i)
			}
			i++
			p.length = uint64(v)
			p.state = sChunkSize
		case sChunkSize:
			v := hexValue(c)
			if v < 0 {
				p.state = sChunkSizeOtherwise
				continue
			}
			i++
			if p.length > (^uint64(0)-uint64(v))/16 {
				return p.fail(data, "HPE_INVALID_CHUNK_SIZE", "Chunk size overflow", i)
			}
			p.length = p.length*16 + uint64(v)
		case sChunkSizeOtherwise:
			switch c {
			case ' ', '\t':
				i++
				if !p.lenient {
					return p.fail(data, "HPE_INVALID_CHUNK_SIZE", "Invalid character in chunk size", i)
				}
			case '\r':
				i++
				p.state = sChunkSizeAlmostDone
			case '\n':
				i++
				if !p.lenient {
					return p.fail(data, "HPE_CR_EXPECTED", "Missing expected CR after chunk size", i)
				}
				p.state = sChunkSizeAlmostDone
			case ';':
				i++
				p.state = sChunkExtensions
			default:
				return p.fail(data, "HPE_INVALID_CHUNK_SIZE", "Invalid character in chunk size", i)
			}

		case sChunkExtensions:
			if c == ' ' || c == '\r' {
				return p.fail(data, "HPE_STRICT", "Invalid character in chunk extensions", i+1)
			}
			p.startSpan(spanExtName, i)
			p.state = sChunkExtName
		case sChunkExtName:
			for i < len(data) && tokenChars[data[i]] {
				i++
			}
			if i == len(data) {
				return i
			}
			i = p.extensionEnd(data, i, "name")
		case sChunkExtValue:
			if c == '"' {
				i++
				p.state = sChunkExtQuoted
				continue
			}
			for i < len(data) && tokenChars[data[i]] {
				i++
			}
			if i == len(data) {
				return i
			}
			i = p.extensionEnd(data, i, "value")
		case sChunkExtQuoted:
			for i < len(data) && quotedStringChars[data[i]] {
				i++
			}
			if i == len(data) {
				return i
			}
			switch data[i] {
			case '"':
				i++
				if p.endSpan(data, i, i) {
					p.state = sChunkExtQuotedDone
				}
			case '\\':
				i++
				p.state = sChunkExtQuotedPair
			default:
				if p.endSpan(data, i, i+1) {
					p.fail(data, "HPE_STRICT", "Invalid character in chunk extensions quoted value", i+1)
				}
				return i
			}
		case sChunkExtQuotedPair:
			if !quotedPairChars[c] {
				if p.endSpan(data, i, i+1) {
					p.fail(data, "HPE_STRICT", "Invalid quoted-pair in chunk extensions quoted value", i+1)
				}
				return i
			}
			i++
			p.state = sChunkExtQuoted
		case sChunkExtQuotedDone:
			switch c {
			case ';':
				i++
				p.state = sChunkExtensions
			case '\r':
				i++
				p.state = sChunkSizeAlmostDone
			case '\n':
				if !p.lenient {
					return p.fail(data, "HPE_CR_EXPECTED", "Missing expected CR after chunk extension value", i)
				}
				p.state = sChunkSizeAlmostDone
			default:
				return p.fail(data, "HPE_STRICT", "Invalid character in chunk extensions quote value", i)
			}
		case sChunkSizeAlmostDone:
			if c == '\n' {
				i++
			} else if !p.lenient {
				return p.fail(data, "HPE_STRICT", "Expected LF after chunk size", i)
			}
			p.chunkHeader()

		case sChunkData:
			i += p.take(data, i)
			if p.length == 0 {
				p.state = sChunkDataAlmostDone
			}
		case sChunkDataAlmostDone:
			switch c {
			case '\r':
				i++
				p.state = sChunkDataCR
			case '\n':
				i++
				if !p.lenient {
					return p.fail(data, "HPE_CR_EXPECTED", "Missing expected CR after chunk data", i)
				}
				p.chunkComplete()
			default:
				if !p.lenient {
					return p.fail(data, "HPE_STRICT", "Expected LF after chunk data", i)
				}
				p.chunkComplete()
			}
		case sChunkDataCR:
			if c == '\n' {
				i++
			} else if !p.lenient {
				return p.fail(data, "HPE_STRICT", "Expected LF after chunk data", i)
			}
			p.chunkComplete()

		case sClosed:
			i++
			if c != '\r' && c != '\n' && !p.lenient {
				return p.fail(data, "HPE_CLOSED_CONNECTION", "Data after `Connection: close`", i)
			}

		default:
			return i
		}
	}
	return i
}

// take hands up to p.length bytes of data from i to OnBody and returns how
// many it took.
func (p *Parser) take(data []byte, i int) int {
	n := len(data) - i
	if uint64(n) > p.length {
		n = int(p.length)
	}
	p.emitBody(data[i : i+n])
	p.length -= uint64(n)
	return n
}

func (p *Parser) emitBody(b []byte) {
	if len(b) > 0 && p.hooks != nil {
		p.hooks.onBody(p, b)
	}
}

// extensionEnd handles the byte at i that ends a chunk extension name or
// unquoted value (what names which).
func (p *Parser) extensionEnd(data []byte, i int, what string) int {
	switch c := data[i]; c {
	case '=', ';', '\r':
		if !p.endSpan(data, i, i+1) {
			return i
		}
		i++
		switch {
		case c == ';':
			p.state = sChunkExtensions
		case c == '\r':
			p.state = sChunkSizeAlmostDone
		case what == "name":
			p.startSpan(spanExtValue, i)
			p.state = sChunkExtValue
		default:
			return p.fail(data, "HPE_STRICT", "Invalid character in chunk extensions value", i)
		}
	case '\n':
		if !p.endSpan(data, i, i) {
			return i
		}
		if !p.lenient {
			return p.fail(data, "HPE_CR_EXPECTED", "Missing expected CR after chunk extension "+what, i)
		}
		p.state = sChunkSizeAlmostDone
	default:
		if p.endSpan(data, i, i+1) {
			p.fail(data, "HPE_STRICT", "Invalid character in chunk extensions "+what, i+1)
		}
	}
	return i
}

// chunkHeader is on_chunk_header: Node restarts its size counters; a zero
// size leads to the trailers.
func (p *Parser) chunkHeader() {
	p.headerNread = 0
	p.chunkExtNread = 0
	if p.length == 0 {
		p.flags |= fTrailing
		p.state = sFieldStart
		return
	}
	p.state = sChunkData
}

// chunkComplete is on_chunk_complete after a chunk's data and line break.
func (p *Parser) chunkComplete() {
	p.headerNread = 0
	p.length = 0
	p.state = sChunkSizeDigit
}
