package httpcore

// The HTTP/1.x parser: Node v20's llhttp (9.3) as a Go state machine, with
// the bookkeeping Node's C++ binding adds on top (header size limit, chunk
// extension limit, trailing-whitespace trimming of header values).
//
// The states and their order of checks follow llhttp's node graph
// (src/llhttp/http.ts); each state's comment names the llhttp node. Whether a
// transition consumes its byte matters: Node reports err.bytesParsed as the
// position of the failing node, so every error below says where it stands.

import "math"

// ParserKind says whether a parser reads requests or responses.
type ParserKind int

// The two kinds of parser.
const (
	ParseRequest ParserKind = iota
	ParseResponse
)

// ParserOptions are the per-parser settings Node passes to llhttp.
type ParserOptions struct {
	MaxHeaderSize int  // 0 (or less) means 16384, Node's default http.maxHeaderSize; counts the bytes of URL, status message, header names and values, as Node does
	Lenient       bool // insecureHTTPParser: every llhttp leniency flag on, as Node sets them
	SkipStrings   bool // OnHead gets no URL, status message or RawHeaders, and OnComplete no trailers: for following messages without copying them
}

// MessageHead is the start line and header block of one message.
type MessageHead struct {
	Method                     string   // requests: llhttp's method name
	URL                        string   // requests: the request target as received
	StatusCode                 int      // responses
	StatusMessage              string   // responses: the reason phrase as received
	VersionMajor, VersionMinor int      // 0.9 for a request line without a version
	RawHeaders                 []string // name, value, name, value... as received: names as sent, values without trailing SP/HTAB
	Upgrade                    bool     // Node's upgrade flag: CONNECT, or Upgrade with Connection: upgrade on a request or a 101
	KeepAlive                  bool     // llhttp's should_keep_alive when the head completed
	ContentLength              int64    // the Content-Length value, -1 when absent (values above MaxInt64 read as MaxInt64)
	Chunked                    bool     // Transfer-Encoding ends in chunked
}

// BodyMode is what OnHead tells the parser about the body that follows.
type BodyMode int

// The answers OnHead can give, as Node's parserOnHeadersComplete does.
const (
	BodyNormal  BodyMode = iota // parse the body the head announces
	BodySkip                    // there is no body, e.g. a response to HEAD
	BodyUpgrade                 // stop after the head: the rest belongs to the upgraded protocol
)

const (
	defaultMaxHeaderSize   = 16384 // Node's http.maxHeaderSize
	maxChunkExtensionsSize = 16384 // Node's kMaxChunkExtensionsSize
)

// Parser is an incremental HTTP/1.x parser for one connection. It is a pure
// state machine: it never blocks, starts goroutines or reads the clock.
type Parser struct {
	// The options and llhttp's registers, as one block that a head memo
	// copies and compares at once (parser_memo.go).
	parserRegs

	hooks   messageHooks // nil: nobody listens
	onBegin func()
	at      int // where in the current input the event being called back happened

	err    *ParseError // sticky: set once, the parser is then dead
	hidden *ParseError // an error Node's binding does not report: it ended an upgrade request's body

	spanFrom int // the open span's bytes start there in the current input

	// The head being collected: start-line text then header names and
	// values, all in buf; fields indexes buf.
	buf    []byte
	fields []fieldMark

	spares *headSpares // where buf's and fields' arrays go between heads; nil: kept

	headBytes int // bytes of the current head seen in earlier inputs
	headFrom  int // where the current head starts in the current input

	head MessageHead
}

// parserRegs are a parser's options and llhttp's registers: what a head's
// parse reads and leaves. One-byte fields sit together after the words:
// 384 bytes is a size class and 8 bytes of padding more would take the
// Parser to 416; every connection has a parser, and a followed one two more
// (TestParserKeepsItsSizeClass).
type parserRegs struct {
	kind          ParserKind
	maxHeaderSize int

	method int
	major  int
	minor  int
	status int
	length uint64 // llhttp's content_length: the Content-Length, then the size left of the current chunk

	node int // position inside a trie match in progress
	seq  int // position inside a fixed byte sequence in progress

	lineEnd int // where the start-line text ends in buf

	headerNread   int // Node's header_nread_, checked against maxHeaderSize
	chunkExtNread int // Node's chunk_extensions_nread_

	flags       msgFlags
	lenient     bool
	skipStrings bool
	state       state
	upgraded    bool
	hstate      headerState
	upgrade     bool
	finish      finishState
	restarted   bool     // llhttp's initial_message_completed
	span        spanKind // the open span: bytes from spanFrom of the current input belong to it
	valueOpen   bool     // the last span piece was a value, as Node's binding tracks it
	inHead      bool
	replayed    bool // the head was replayed from the spares' memo, whose strings fillHead may take
}

// fieldMark locates one header line in Parser.buf; valueFrom is -1 until
// its value begins.
type fieldMark struct {
	nameFrom, nameTo, valueFrom, valueTo int
}

// msgFlags are llhttp's per-message flags.
type msgFlags uint16

const (
	fKeepAlive msgFlags = 1 << iota
	fClose
	fConnUpgrade
	fChunked
	fUpgrade
	fContentLength
	fSkipBody
	fTrailing
	fTransferEncoding
)

// headerState is llhttp's header_state: what the current header means.
type headerState uint8

const (
	hsGeneral headerState = iota
	hsConnection
	hsContentLength
	hsTransferEncoding
	hsUpgrade
	hsConnKeepAlive
	hsConnClose
	hsConnUpgrade
	hsTEChunked
)

// finishState is llhttp's finish: what the end of the stream means now.
type finishState uint8

const (
	finishSafe       finishState = iota // between messages
	finishSafeWithCB                    // reading a body until the connection closes
	finishUnsafe                        // inside a message
)

// spanKind names the byte span being collected.
type spanKind uint8

const (
	spanNone spanKind = iota
	spanURL
	spanStatus
	spanField
	spanValue
	spanExtName
	spanExtValue
)

// NewParser returns a parser of the given kind waiting for its first message.
func NewParser(kind ParserKind, opts ParserOptions) *Parser {
	return initParser(new(Parser), kind, opts)
}

// initParser readies the zero parser p.
func initParser(p *Parser, kind ParserKind, opts ParserOptions) *Parser {
	p.lenient, p.maxHeaderSize, p.skipStrings = opts.Lenient, opts.MaxHeaderSize, opts.SkipStrings
	if p.maxHeaderSize <= 0 {
		p.maxHeaderSize = defaultMaxHeaderSize
	}
	p.Reset(kind)
	return p
}

// SetCallbacks installs the message callbacks; any may be nil. onHead gets a
// head that is valid only during the call, but a shallow copy may be kept:
// its RawHeaders is allocated afresh for every message (its strings may be
// shared with earlier messages, which immutable strings cannot tell). onBody
// gets a slice of the Execute input, to copy if kept.
func (p *Parser) SetCallbacks(onHead func(*MessageHead) BodyMode, onBody func([]byte), onComplete func(rawTrailers []string)) {
	p.hooks = &callbacks{head: onHead, body: onBody, complete: onComplete}
}

// messageHooks receive what a parser finds, as SetCallbacks's functions
// do. The client installs its request as the hooks of its response's
// parser: the request exists anyway, where three closures per request
// would be allocated.
type messageHooks interface {
	onHead(p *Parser, h *MessageHead) BodyMode
	onBody(p *Parser, b []byte)
	onComplete(p *Parser, rawTrailers []string)
}

// callbacks are SetCallbacks's functions as hooks.
type callbacks struct {
	head     func(*MessageHead) BodyMode
	body     func([]byte)
	complete func(rawTrailers []string)
}

func (c *callbacks) onHead(_ *Parser, h *MessageHead) BodyMode {
	if c.head == nil {
		return BodyNormal
	}
	return c.head(h)
}

func (c *callbacks) onBody(_ *Parser, b []byte) {
	if c.body != nil {
		c.body(b)
	}
}

func (c *callbacks) onComplete(_ *Parser, rawTrailers []string) {
	if c.complete != nil {
		c.complete(rawTrailers)
	}
}

// SetOnBegin installs a callback for the first byte of every message, as
// llhttp's on_message_begin; Offset tells where it is.
func (p *Parser) SetOnBegin(onBegin func()) { p.onBegin = onBegin }

// Offset tells, during a callback, where in the current Execute input the
// event happened: the first byte of a message for the begin callback, the
// byte after the head for onHead, the byte after the message for
// onComplete (0 when the stream's end completed it).
func (p *Parser) Offset() int { return p.at }

// Reset readies the parser for a new connection carrying messages of the
// given kind, keeping its options and callbacks.
func (p *Parser) Reset(kind ParserKind) {
	// Cleared, then set field by field: Go builds a composite literal of
	// the whole parser aside and copies it in, which cost a keep-alive
	// request's parser more.
	maxHeaderSize, lenient, skipStrings := p.maxHeaderSize, p.lenient, p.skipStrings
	hooks, onBegin, buf, fields, spares := p.hooks, p.onBegin, p.buf[:0], p.fields[:0], p.spares
	*p = Parser{}
	p.kind, p.maxHeaderSize, p.lenient, p.skipStrings = kind, maxHeaderSize, lenient, skipStrings
	p.hooks, p.onBegin, p.buf, p.fields, p.spares = hooks, onBegin, buf, fields, spares
}

// Upgraded reports whether the parser stopped after an upgrade or CONNECT
// head (or OnHead's BodyUpgrade): the bytes after it belong to the new
// protocol and Execute consumes nothing more.
func (p *Parser) Upgraded() bool { return p.upgraded }

// Pending reports whether a message has begun and not yet completed.
func (p *Parser) Pending() bool {
	return p.err == nil && !p.upgraded && p.finish != finishSafe
}

// HeaderBytes returns how many bytes of the current message's start line and
// headers have been consumed, or 0 when no head is in progress.
func (p *Parser) HeaderBytes() int {
	if !p.inHead {
		return 0
	}
	return p.headBytes
}

// Execute parses data, which may end anywhere, even inside a token, and
// fires the callbacks synchronously. It returns how many bytes it consumed:
// all of them, except after an upgrade (see Upgraded; data[n:] is then the
// upgraded protocol's first bytes) or on error. Errors are *ParseError and
// stick: every later call returns the same error. As in Node, an error in
// the body of an upgrade request is not reported: the parser stops there as
// if upgraded.
func (p *Parser) Execute(data []byte) (n int, err error) {
	if p.err != nil {
		return 0, p.err
	}
	if p.upgraded {
		return 0, nil
	}
	p.headFrom = 0
	i := 0
	for i < len(data) && p.err == nil && !p.upgraded {
		switch {
		case p.state < sHeadersStart:
			i = p.parseLine(data, i)
		case p.state < sBodyIdentity:
			i = p.parseHeaders(data, i)
		default:
			i = p.parseBody(data, i)
		}
	}
	if p.err != nil {
		return p.err.BytesParsed, p.err
	}
	if p.upgraded {
		if p.hidden != nil {
			return p.hidden.BytesParsed, nil
		}
		return i, nil
	}
	if k := p.span; k != spanNone {
		// llparse hands an open span's bytes over at the end of every input
		// and carries the span on into the next one.
		if !p.endSpan(data, len(data), len(data)) {
			return p.err.BytesParsed, p.err
		}
		p.span, p.spanFrom = k, 0
	}
	if p.inHead {
		p.headBytes += i - p.headFrom
	}
	return i, nil
}

// Finish tells the parser the stream ended. It completes a body that runs
// until the connection closes, returns nil between messages, and returns
// HPE_INVALID_EOF_STATE, as Node does, when a message was cut short. After
// an error or an upgrade it returns nil, as llhttp does.
func (p *Parser) Finish() error {
	if p.err != nil || p.upgraded {
		return nil
	}
	switch p.finish {
	case finishSafeWithCB:
		p.finish = finishSafe
		p.state = sClosed
		p.at = 0
		if p.hooks != nil {
			p.hooks.onComplete(p, nil)
		}
	case finishUnsafe:
		// Node reports this error from finish() without a rawPacket.
		p.err = &ParseError{Code: "HPE_INVALID_EOF_STATE", Reason: "Invalid EOF state"}
		p.state = sFailed
		return p.err
	}
	return nil
}

// fail records a parse error found at position at of data and returns at.
//
// While llhttp's upgrade flag is up (in the body of an upgrade request)
// Node's binding does not report errors: Execute returns the error's
// position as if the parser had stopped for the upgrade, and Node's server
// and client hand the rest to the 'upgrade' listener. So does this parser.
func (p *Parser) fail(data []byte, code, reason string, at int) int {
	err := &ParseError{
		Code:        code,
		Reason:      reason,
		BytesParsed: at,
		RawPacket:   append([]byte(nil), data...),
	}
	p.span = spanNone
	if p.upgrade {
		p.hidden = err
		p.upgraded = true
		p.state = sUpgraded
		return at
	}
	p.err = err
	p.state = sFailed
	return at
}

// beginMessage is llhttp's on_message_begin as Node's binding handles it.
func (p *Parser) beginMessage(at int) {
	p.finish = finishUnsafe
	p.emptyHead()
	p.valueOpen = false
	p.lineEnd = 0
	p.chunkExtNread = 0
	p.inHead = true
	p.headBytes = 0
	p.headFrom = at
	if p.onBegin != nil {
		p.at = at
		p.onBegin()
	}
}

// startSpan opens a span at position at.
func (p *Parser) startSpan(k spanKind, at int) {
	p.span, p.spanFrom = k, at
}

// endSpan hands data[spanFrom:at] to the span's consumer and closes the
// span. When the consumer refuses (a size limit), the error is reported at
// errAt, which llparse puts after the byte it skips on the way out of the
// span, if any. It reports whether parsing may go on.
func (p *Parser) endSpan(data []byte, at, errAt int) bool {
	k := p.span
	piece := data[p.spanFrom:at]
	p.span = spanNone
	switch k {
	case spanURL, spanStatus, spanField, spanValue:
		if !p.trackHeader(data, len(piece), errAt) {
			return false
		}
		if !p.skipStrings {
			p.collect(k, piece)
		}
	case spanExtName, spanExtValue:
		p.chunkExtNread += len(piece)
		if p.chunkExtNread > maxChunkExtensionsSize {
			p.fail(data, "HPE_CHUNK_EXTENSIONS_OVERFLOW", "Chunk extensions overflow", errAt)
			return false
		}
	}
	return true
}

// collect keeps a piece of the head: start-line text, or a header name or
// value, which may come in several pieces.
func (p *Parser) collect(k spanKind, piece []byte) {
	if p.spares != nil && (p.buf == nil || p.fields == nil) {
		p.spares.take(p)
	}
	switch k {
	case spanURL, spanStatus:
		p.buf = append(p.buf, piece...)
	case spanField:
		if len(p.fields) == 0 || p.valueOpen {
			p.fields = append(p.fields, fieldMark{nameFrom: len(p.buf), valueFrom: -1})
			p.valueOpen = false
		}
		p.buf = append(p.buf, piece...)
		p.fields[len(p.fields)-1].nameTo = len(p.buf)
	case spanValue:
		f := &p.fields[len(p.fields)-1]
		if !p.valueOpen {
			f.valueFrom = len(p.buf)
			p.valueOpen = true
		}
		p.buf = append(p.buf, piece...)
		f.valueTo = len(p.buf)
	}
}

// collectLine is collect of a whole header line, its name then its value,
// for the fast path that takes a line at once.
func (p *Parser) collectLine(name, value []byte) {
	if p.spares != nil {
		p.spares.take(p)
	}
	if len(p.fields) == 0 || p.valueOpen {
		p.fields = append(p.fields, fieldMark{nameFrom: len(p.buf)})
	}
	p.buf = append(p.buf, name...)
	f := &p.fields[len(p.fields)-1]
	f.nameTo, f.valueFrom = len(p.buf), len(p.buf)
	p.buf = append(p.buf, value...)
	f.valueTo = len(p.buf)
	p.valueOpen = true
}

// trackHeader is Node's TrackHeader: every byte of URL, status message,
// header names and values counts against maxHeaderSize.
func (p *Parser) trackHeader(data []byte, n, errAt int) bool {
	p.headerNread += n
	if p.headerNread >= p.maxHeaderSize {
		p.fail(data, "HPE_HEADER_OVERFLOW", "Header overflow", errAt)
		return false
	}
	return true
}

// headersComplete runs llhttp's before_headers_complete, the user's
// on_headers_complete and after_headers_complete once the head's final line
// break has been consumed at position at.
func (p *Parser) headersComplete(data []byte, at int) int {
	if p.flags&fUpgrade != 0 && p.flags&fConnUpgrade != 0 {
		p.upgrade = p.kind == ParseRequest || p.status == 101
	} else {
		p.upgrade = p.kind == ParseRequest && p.method == methodConnect
	}
	p.headBytes += at - p.headFrom
	p.inHead = false
	p.headerNread = 0
	p.fillHead()
	mode := BodyNormal
	p.at = at
	if p.hooks != nil {
		mode = p.hooks.onHead(p, &p.head)
	}
	// The head's strings and RawHeaders were the hook's; kept here they
	// would stay with an idle connection.
	p.head = MessageHead{}
	p.emptyHead()
	p.valueOpen = false
	switch mode {
	case BodyNormal:
	case BodySkip:
		p.flags |= fSkipBody
	case BodyUpgrade:
		p.upgrade = true
		p.flags |= fSkipBody
	default:
		return p.fail(data, "HPE_CB_HEADERS_COMPLETE", "User callback error", at)
	}
	switch p.bodyKind() {
	case bodyUpgrade:
		p.messageComplete(at)
		p.upgraded = true
		p.state = sUpgraded
	case bodyChunked:
		p.length = 0
		p.state = sChunkSizeDigit
	case bodyLength:
		p.state = sBodyIdentity
	case bodyUntilEOF:
		p.finish = finishSafeWithCB
		p.state = sBodyEOF
	case bodyBadEncoding:
		return p.fail(data, "HPE_INVALID_TRANSFER_ENCODING", "Request has invalid `Transfer-Encoding`", at)
	default:
		p.messageComplete(at)
		p.cleanup()
	}
	return at
}

// fillHead builds p.head from the collected bytes: the URL or status message
// and every name and value are the strings recent heads left in the
// spares where the bytes match, and slices of one copy of the head
// otherwise.
func (p *Parser) fillHead() {
	h := &p.head
	h.Method, h.URL, h.StatusCode, h.StatusMessage, h.RawHeaders = "", "", 0, "", nil
	if p.kind == ParseRequest {
		h.Method = llhttpMethods[p.method]
	} else {
		h.StatusCode = p.status
	}
	replayed := p.replayed
	p.replayed = false
	if !p.skipStrings {
		var line string
		var raw []string
		if replayed && p.spares.memo.named {
			line, raw = p.spares.memo.strings(p.spares)
		} else {
			var r *recentStrings
			if p.spares != nil {
				r = &p.spares.recent
			}
			line, raw = p.headStrings(r)
			if replayed {
				p.spares.memo.name(line, raw)
			}
		}
		if p.kind == ParseRequest {
			h.URL = line
		} else {
			h.StatusMessage = line
		}
		h.RawHeaders = raw
	}
	h.VersionMajor, h.VersionMinor = p.major, p.minor
	h.Upgrade = p.upgrade
	h.KeepAlive = p.shouldKeepAlive()
	h.Chunked = p.flags&fChunked != 0
	h.ContentLength = -1
	if p.flags&fContentLength != 0 {
		h.ContentLength = math.MaxInt64
		if p.length <= math.MaxInt64 {
			h.ContentLength = int64(p.length)
		}
	}
}

// rawFields slices the collected header lines out of s, which holds a copy
// of p.buf.
func (p *Parser) rawFields(s string) []string {
	raw := make([]string, 2*len(p.fields))
	for i := range raw {
		from, to := p.piece(i)
		raw[i] = s[from:to]
	}
	return raw
}

// bodyKind is llhttp's after_headers_complete verdict.
type bodyKind uint8

const (
	bodyNone bodyKind = iota
	bodyUpgrade
	bodyChunked
	bodyLength
	bodyUntilEOF
	bodyBadEncoding
)

func (p *Parser) bodyKind() bodyKind {
	hasBody := p.flags&fChunked != 0 || p.length > 0
	if (p.upgrade && (p.method == methodConnect && p.kind == ParseRequest || p.flags&fSkipBody != 0 || !hasBody)) ||
		(p.kind == ParseResponse && p.status == 101) {
		return bodyUpgrade
	}
	if p.kind == ParseResponse && p.status == 100 {
		return bodyNone
	}
	if p.flags&fSkipBody != 0 || (p.kind == ParseResponse &&
		(p.status == 102 || p.status == 103 || p.status == 204 || p.status == 304)) {
		return bodyNone
	}
	switch {
	case p.flags&fChunked != 0:
		return bodyChunked
	case p.flags&fTransferEncoding != 0:
		if p.kind == ParseRequest && !p.lenient {
			return bodyBadEncoding
		}
		return bodyUntilEOF
	case p.flags&fContentLength == 0:
		if p.needsEOF() {
			return bodyUntilEOF
		}
		return bodyNone
	case p.length == 0:
		return bodyNone
	}
	return bodyLength
}

// needsEOF is llhttp_message_needs_eof: only the connection's end can
// delimit this message's body.
func (p *Parser) needsEOF() bool {
	if p.kind == ParseRequest {
		return false
	}
	// 1xx as one unsigned comparison: status/100 took a multiplication
	// and shifts, at every response's head and completion.
	if uint(p.status-100) < 100 || p.status == 204 || p.status == 304 || p.flags&fSkipBody != 0 {
		return false
	}
	if p.flags&fTransferEncoding != 0 && p.flags&fChunked == 0 {
		return true
	}
	return p.flags&(fChunked|fContentLength) == 0
}

// shouldKeepAlive is llhttp_should_keep_alive.
func (p *Parser) shouldKeepAlive() bool {
	if p.major > 0 && p.minor > 0 {
		if p.flags&fClose != 0 {
			return false
		}
	} else if p.flags&fKeepAlive == 0 {
		return false
	}
	return !p.needsEOF()
}

// messageComplete is on_message_complete: trailers, if any, go with it.
func (p *Parser) messageComplete(at int) {
	var trailers []string
	if len(p.fields) > 0 {
		trailers = p.rawFields(string(p.buf))
		p.emptyHead()
		p.valueOpen = false
	}
	p.at = at
	if p.hooks != nil {
		p.hooks.onComplete(p, trailers)
	}
}

// messageDone is llhttp's message_done node: the message is complete at
// position at; an upgrade request with a body stops the parser after it.
func (p *Parser) messageDone(at int) {
	p.messageComplete(at)
	if p.upgrade {
		p.upgraded = true
		p.state = sUpgraded
		return
	}
	p.cleanup()
}

// cleanup is llhttp's cleanup node: keep-alive decides whether another
// message may follow.
func (p *Parser) cleanup() {
	keep := p.shouldKeepAlive()
	p.finish = finishSafe
	p.flags = 0
	if keep {
		p.length = 0
	} else if !p.lenient {
		p.state = sClosed
		return
	}
	p.restarted = true
	p.state = sStart
}
