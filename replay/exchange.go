package replay

// Pairing HTTP/1.x requests with their responses on one connection: the
// client's stream through a request parser, the server's through a response
// parser, responses matched to requests in order (which is what keep-alive
// and pipelining guarantee), 1xx responses set aside as informational, and
// everything after an accepted upgrade or CONNECT counted as opaque.

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/simhttp/simhttp/httpcore"
)

// Exchange is one HTTP request and the response to it, as far as the
// capture shows them.
type Exchange struct {
	Request       *Message   // nil when the capture shows a response without a request
	Response      *Message   // the final response; nil when none arrived
	Informational []int      // statuses of 1xx responses before the final one
	Interim       []*Message // the 1xx responses themselves, in order; kept by ReadCapture only
	Complete      bool       // both messages arrived whole
	RequestLost   bool       // the request's bytes fell in a hole of the capture
	ResponseLost  bool       // the response's bytes fell in a hole of the capture
	// Recovered says the exchange was paired after framing was lost to a
	// hole earlier on its connection, by finding the next message that fits.
	Recovered bool
	// Confidence says how sure the pairing of Response with Request is;
	// "" when the exchange has not both (a lost request counts as one).
	Confidence Confidence
	Problems   []*Error
}

// Message is one request or response.
type Message struct {
	Head         httpcore.MessageHead // start line and headers as the parser read them
	Body         []byte               // the body with chunked framing removed; nil when only counted (Inspect)
	BodyBytes    int64                // length of the body as captured
	MissingBytes int64                // body bytes lost in capture gaps
	Trailers     []string             // trailer fields, name, value, ...
	Start, End   time.Duration        // packets that carried its first and last bytes, since the capture's first
	FirstPacket  int
	LastPacket   int
	Complete     bool // it ended where its framing says, with nothing missing
	// HeadCut says a hole cut the head short: Head holds the start line
	// and the header lines that were captured whole.
	HeadCut bool
}

// mode is what a direction does with the bytes it is given.
type mode uint8

const (
	modeParse  mode = iota // HTTP messages
	modeFind               // framing lost: looking for the next message start
	modeHold               // client bytes after an upgrade request, until the response says yes or no
	modeOpaque             // after an accepted upgrade: counted, not parsed
	modeProbe              // server bytes from a start found after a loss, held until it is clear which request they answer
)

const (
	// maxHeld bounds what a direction holds waiting for an upgrade's answer.
	maxHeld = 1 << 20
	// maxFill bounds the filler fed for one gap; past it, finding the next
	// message is cheaper than counting through the hole.
	maxFill = 1 << 20
)

// filler stands in for body bytes lost in a gap, so the parser keeps count.
var filler [16 << 10]byte

// direction is one side's stream of messages.
type direction struct {
	pr      *pairer
	client  bool
	name    string // "client" or "server", for messages
	mode    mode
	p       *httpcore.Parser
	pkt     pktInfo   // the packet whose bytes are being parsed
	msg     *Message  // the message being read, nil between messages
	ex      *Exchange // msg's exchange
	begun   bool      // the next message has begun, in packet begin
	begin   pktInfo
	left    int64 // body bytes still to come of a Content-Length body, -1 otherwise
	filling bool  // the parser is eating filler for a gap
	find    finder
	held    []byte // modeHold's bytes
	// Loss: lost says framing was lost to a hole, so the next start found
	// begins a recovery; skip is how many awaiting requests at least had
	// their response's start swallowed; lostAt is the packet that showed
	// the hole; open is the message the hole cut, which later holes before
	// the next start add their missing bytes to.
	lost     bool
	skip     int
	lostAt   int
	open     *Message
	probe    []probeChunk // modeProbe's bytes
	probeN   int
	headTail []byte // the bytes of a head still being read, to salvage if a hole cuts it
}

// pairer pairs the two directions of one connection.
type pairer struct {
	out     *Connection
	keep    bool
	req     direction
	res     direction
	next    int       // index in out.Exchanges from which to look for a request awaiting its response
	tunnel  bool      // an upgrade or CONNECT was accepted
	asked   *Exchange // the upgrade or CONNECT request the request parser stopped after
	refused bool      // the response to asked declined it
	// pipelined says the client sent a request before the response to the
	// one before it was read, so after a loss a response may answer any
	// request already sent rather than only the last one.
	pipelined bool
	// level is the confidence of in-order pairings since the last recovery,
	// "" before any.
	level   Confidence
	reqLost bool             // a hole in the client's stream may have swallowed a request
	scratch *httpcore.Parser // trial parses for recovery and salvage
	trial   trial
	resetBy string // "client" or "server" once a RST was seen
}

// newPairer readies a pairer for a connection. A spare one from a finished
// connection is reused with its parsers and their buffers, since a capture
// can hold a great many short connections. The parsers' callbacks are bound
// to the pairer's own address, so they stay valid across reuse.
func newPairer(out *Connection, keepBodies bool, spare *pairer) *pairer {
	pr := spare
	if pr == nil {
		pr = &pairer{}
		pr.req.p = httpcore.NewParser(httpcore.ParseRequest, httpcore.ParserOptions{Lenient: true})
		pr.res.p = httpcore.NewParser(httpcore.ParseResponse, httpcore.ParserOptions{Lenient: true})
		pr.req.p.SetCallbacks(pr.onRequestHead, pr.req.onBody, pr.req.onComplete)
		pr.res.p.SetCallbacks(pr.onResponseHead, pr.res.onBody, pr.res.onComplete)
	} else {
		pr.req.p.Reset(httpcore.ParseRequest)
		pr.res.p.Reset(httpcore.ParseResponse)
	}
	reqParser, resParser, scratch := pr.req.p, pr.res.p, pr.scratch
	*pr = pairer{out: out, keep: keepBodies, scratch: scratch}
	pr.req = direction{pr: pr, client: true, name: "client", left: -1, find: finder{requests: true}, p: reqParser}
	pr.res = direction{pr: pr, name: "server", left: -1, p: resParser}
	return pr
}

func (d *direction) kind() httpcore.ParserKind {
	if d.client {
		return httpcore.ParseRequest
	}
	return httpcore.ParseResponse
}

func (pr *pairer) dir(client bool) *direction {
	if client {
		return &pr.req
	}
	return &pr.res
}

// midstream starts a direction whose beginning the capture missed by
// looking for a message start rather than parsing from the first byte.
func (pr *pairer) midstream(client bool) {
	d := pr.dir(client)
	d.mode = modeFind
}

// data parses the next bytes of one direction.
func (pr *pairer) data(client bool, b []byte, pkt pktInfo) {
	d := pr.dir(client)
	d.pkt = pkt
	for len(b) > 0 {
		switch d.mode {
		case modeOpaque:
			pr.out.OpaqueBytes += int64(len(b))
			return
		case modeHold:
			if len(d.held)+len(b) > maxHeld {
				d.mode = modeOpaque
				pr.out.OpaqueBytes += int64(len(d.held))
				d.held = nil
				continue
			}
			d.held = append(d.held, b...)
			return
		case modeFind:
			from, ok := d.find.find(b)
			if !ok {
				return
			}
			d.found()
			b = from
		case modeProbe:
			d.probe = append(d.probe, probeChunk{b: bytes.Clone(b), pkt: d.pkt})
			d.probeN += len(b)
			if d.probeN >= maxProbe {
				pr.decide()
			}
			return
		case modeParse:
			b = d.parse(b)
		}
	}
}

// found resumes parsing at a message start with a fresh parser, saying how
// many bytes were passed over to get there.
func (d *direction) found() {
	if d.find.skipped > 0 {
		d.pr.problem(nil, problemf(CodeSkipped, d.pkt.num, "%s stream: skipped %d bytes to reach the next message", d.name, d.find.skipped))
	}
	d.find = finder{requests: d.client}
	d.mode = modeParse
	d.p.Reset(d.kind())
	d.begun, d.msg, d.ex, d.left, d.open = false, nil, nil, -1, nil
	d.headTail = d.headTail[:0]
	switch {
	case d.client:
		// Requests make the exchanges, so a request found needs no
		// recovery; a lost one shows when its response arrives.
		d.lost, d.skip = false, 0
	case d.lost:
		d.mode = modeProbe
	}
}

// parse feeds b to the parser and returns what is left for another mode.
func (d *direction) parse(b []byte) []byte {
	if !d.begun && !d.p.Pending() {
		d.begun, d.begin = true, d.pkt
	}
	n, err := d.p.Execute(b)
	if !d.begun && d.p.Pending() {
		d.begun, d.begin = true, d.pkt
	}
	d.keepHead(b[:min(n, len(b))])
	if err != nil {
		d.parseError(err)
		if n == 0 {
			// The search resumes past the failing byte, or it would find
			// the same start again.
			d.find.skipped++
			n = 1
		}
		return b[min(n, len(b)):]
	}
	if d.p.Upgraded() {
		d.pr.upgraded(d)
		return b[n:]
	}
	if d.pr.refused {
		d.pr.refused = false
		d.pr.releaseHeld()
	}
	return nil
}

// parseError records a parse failure and goes looking for the next message.
func (d *direction) parseError(err error) {
	code := "HPE_UNKNOWN"
	var pe *httpcore.ParseError
	if errors.As(err, &pe) {
		code = pe.Code
	}
	e := &Error{Code: code, Packet: d.pkt.num, Reason: fmt.Sprintf("%s stream is not valid HTTP here", d.name), Err: err}
	d.pr.problem(d.ex, e)
	d.msg, d.ex = nil, nil
	d.mode = modeFind
	d.find = finder{requests: d.client}
	d.headTail = d.headTail[:0]
}

// upgraded handles a parser that stopped after an upgrade or CONNECT head.
func (pr *pairer) upgraded(d *direction) {
	switch {
	case !d.client:
		pr.tunnel = true
		pr.res.mode = modeOpaque
		if pr.req.mode != modeOpaque {
			pr.out.OpaqueBytes += int64(len(pr.req.held))
			pr.req.held = nil
			pr.req.mode = modeOpaque
		}
	case pr.tunnel:
		d.mode = modeOpaque
	default:
		d.mode = modeHold
		if n := len(pr.out.Exchanges); n > 0 {
			pr.asked = pr.out.Exchanges[n-1]
		}
	}
}

// releaseHeld goes back to parsing the client's bytes after the server
// declined an upgrade: they are requests after all.
func (pr *pairer) releaseHeld() {
	d := &pr.req
	if d.mode != modeHold {
		return
	}
	held := d.held
	d.held, pr.asked = nil, nil
	d.mode = modeParse
	d.p.Reset(httpcore.ParseRequest)
	d.begun = false
	pr.data(true, held, d.pkt)
}

// awaiting returns the oldest exchange whose request has no final response.
func (pr *pairer) awaiting() *Exchange {
	for pr.next < len(pr.out.Exchanges) {
		ex := pr.out.Exchanges[pr.next]
		if waiting(ex) {
			return ex
		}
		pr.next++
	}
	return nil
}

// waiting reports whether ex still expects a response.
func waiting(ex *Exchange) bool {
	return (ex.Request != nil || ex.RequestLost) && ex.Response == nil && !ex.ResponseLost
}

func (d *direction) newMessage(h *httpcore.MessageHead) *Message {
	start := d.pkt
	if d.begun {
		start = d.begin
	}
	d.begun = true
	head := *h
	if !d.pr.keep {
		// Inspect reports only the start line. The parser's strings share
		// one allocation per head, so copying out the few kept lets the
		// headers, the bulk of a large capture, be freed.
		head.RawHeaders = nil
		head.URL = strings.Clone(head.URL)
		head.StatusMessage = strings.Clone(head.StatusMessage)
	}
	return &Message{
		Head:        head,
		Start:       time.Duration(start.ts),
		FirstPacket: start.num,
		End:         time.Duration(d.pkt.ts),
		LastPacket:  d.pkt.num,
	}
}

func (pr *pairer) onRequestHead(h *httpcore.MessageHead) httpcore.BodyMode {
	d := &pr.req
	if n := len(pr.out.Exchanges); n > 0 && !pr.pipelined {
		prev := pr.out.Exchanges[n-1]
		res := &pr.res
		if prev.Request != nil && !prev.ResponseLost && res.mode == modeParse && !res.lost &&
			(prev.Response == nil || res.msg != nil && res.msg == prev.Response) {
			pr.pipelined = true
		}
	}
	d.msg = d.newMessage(h)
	d.ex = &Exchange{Request: d.msg}
	d.left = bodyLength(h)
	pr.out.Exchanges = append(pr.out.Exchanges, d.ex)
	return httpcore.BodyNormal
}

func (pr *pairer) onResponseHead(h *httpcore.MessageHead) httpcore.BodyMode {
	d := &pr.res
	d.msg = d.newMessage(h)
	ex := pr.answered(d.msg.FirstPacket, h.StatusCode)
	d.ex = ex
	d.left = bodyLength(h)
	if h.StatusCode >= 100 && h.StatusCode < 200 && h.StatusCode != 101 {
		ex.Informational = append(ex.Informational, h.StatusCode)
		if pr.keep {
			ex.Interim = append(ex.Interim, d.msg)
		}
		d.left = 0
		return httpcore.BodyNormal
	}
	ex.Response = d.msg
	if ex.Request != nil || ex.RequestLost {
		ex.Confidence = ConfidenceHigh
		if pr.level != "" {
			ex.Confidence, ex.Recovered = pr.level, true
		}
	}
	method := ""
	if ex.Request != nil {
		method = ex.Request.Head.Method
	}
	mode := responseBody(method, h.StatusCode)
	switch {
	case mode == httpcore.BodyUpgrade:
	case method == "HEAD" || h.StatusCode == 204 || h.StatusCode == 304:
		d.left = 0
	case ex == pr.asked:
		pr.refused = true
	}
	return mode
}

// responseBody is how a response to method is framed beyond what its
// status says: an accepted upgrade or CONNECT ends HTTP, and a HEAD's
// response has no body whatever its headers claim.
func responseBody(method string, status int) httpcore.BodyMode {
	switch {
	case status == 101 || method == "CONNECT" && status/100 == 2:
		return httpcore.BodyUpgrade
	case method == "HEAD":
		return httpcore.BodySkip
	}
	return httpcore.BodyNormal
}

// bodyLength is the size of a Content-Length body, or -1.
func bodyLength(h *httpcore.MessageHead) int64 {
	if h.Chunked || h.ContentLength < 0 {
		return -1
	}
	return h.ContentLength
}

func (d *direction) onBody(b []byte) {
	m := d.msg
	if m == nil {
		return
	}
	if d.left >= 0 {
		d.left -= int64(len(b))
	}
	m.End, m.LastPacket = time.Duration(d.pkt.ts), d.pkt.num
	if d.filling {
		return
	}
	m.BodyBytes += int64(len(b))
	if d.pr.keep {
		m.Body = append(m.Body, b...)
	}
}

func (d *direction) onComplete(trailers []string) {
	d.begun = false
	m := d.msg
	d.msg = nil
	if m == nil {
		return
	}
	m.End, m.LastPacket = time.Duration(d.pkt.ts), d.pkt.num
	m.Trailers = trailers
	m.Complete = m.MissingBytes == 0
	d.left = -1
}

// gap handles bytes of a direction that the capture never saw.
func (pr *pairer) gap(client bool, off, n int64, pkt pktInfo) {
	d := pr.dir(client)
	pr.settle(d)
	d.pkt = pkt
	e := problemf(CodeGap, pkt.num, "%s stream offset %d: %d bytes missing from the capture", d.name, off, n)
	switch {
	case d.mode == modeOpaque:
		pr.out.OpaqueBytes += n
		pr.problem(nil, e)
	case d.mode == modeParse && d.msg == nil && d.p.HeaderBytes() > 0 && d.salvage(n, e):
		// The hole cut a head: what was captured of it is kept.
	case d.mode == modeParse && d.msg == nil:
		where := "between messages"
		if d.p.Pending() {
			where = "inside " + d.describe()
		}
		e.Reason += " " + where
		pr.problem(nil, e)
		d.loseFraming(1, pkt)
	case d.mode != modeParse:
		pr.problem(nil, e)
		if d.open != nil {
			d.open.MissingBytes += n
		}
		d.mode = modeFind
		d.find.carry = nil
		if !d.lost {
			d.lost, d.lostAt = true, pkt.num
			if client {
				pr.reqLost = true
			}
		}
	case d.msg != nil && d.left >= n && n <= maxFill:
		// The hole lies inside a body of known length: filler keeps the
		// framing, so the messages after it are read exactly.
		pr.problem(d.ex, e)
		d.msg.MissingBytes += n
		d.filling = true
		for rest := n; rest > 0; {
			k := min(rest, int64(len(filler)))
			d.parse(filler[:k])
			rest -= k
		}
		d.filling = false
	default:
		pr.problem(d.ex, e)
		m := d.msg
		skip := 0
		if d.left >= 0 && n > d.left {
			// The hole runs past the body's end into the next message.
			skip = 1
			m.MissingBytes += d.left
		} else {
			m.MissingBytes += n
		}
		d.loseFraming(skip, pkt)
		if skip == 0 {
			d.open = m
		}
	}
}

// loseFraming stops parsing at a hole: the next message start found
// resumes it, at least skip messages whose start the hole swallowed later.
func (d *direction) loseFraming(skip int, pkt pktInfo) {
	d.msg, d.ex, d.open = nil, nil, nil
	d.mode = modeFind
	d.find = finder{requests: d.client}
	d.headTail = d.headTail[:0]
	if !d.lost {
		d.lost, d.skip, d.lostAt = true, skip, pkt.num
	}
	if d.client && skip > 0 {
		d.pr.reqLost = true
	}
}

// fin handles the end of one direction.
func (pr *pairer) fin(client bool, pkt pktInfo) {
	d := pr.dir(client)
	pr.settle(d)
	d.pkt = pkt
	if d.mode != modeParse {
		return
	}
	if err := d.p.Finish(); err != nil {
		pr.problem(d.ex, problemf(CodeIncomplete, pkt.num, "the %s closed its side inside %s", d.name, d.describe()))
		d.msg, d.ex = nil, nil
	}
}

// describe names the message being read and how far it got.
func (d *direction) describe() string {
	kind := "a response"
	if d.client {
		kind = "a request"
	}
	m := d.msg
	switch {
	case m == nil:
		return kind + " head"
	case m.Head.ContentLength >= 0 && !m.Head.Chunked:
		return fmt.Sprintf("%s body (%d of %d bytes)", kind, m.BodyBytes, m.Head.ContentLength)
	default:
		return fmt.Sprintf("%s body (%d bytes so far)", kind, m.BodyBytes)
	}
}

// cut reports whether a message was being read when the stream stopped.
func (d *direction) cut() bool {
	return d.mode == modeParse && (d.msg != nil || d.p.Pending())
}

// reset records what a RST cut short.
func (pr *pairer) reset(byClient bool, pkt pktInfo) {
	pr.settle(&pr.res)
	who := "server"
	if byClient {
		who = "client"
	}
	pr.resetBy = who
	for _, d := range []*direction{&pr.req, &pr.res} {
		if d.cut() {
			pr.problem(d.ex, problemf(CodeReset, pkt.num, "the %s reset the connection inside %s", who, d.describe()))
			d.msg, d.ex = nil, nil
			d.mode = modeOpaque
		}
	}
	for ex := pr.awaiting(); ex != nil; ex = pr.awaiting() {
		ex.Problems = append(ex.Problems, problemf(CodeReset, pkt.num, "the %s reset the connection before a response", who))
		pr.next++
	}
}

// close settles every exchange once the connection can carry no more bytes.
func (pr *pairer) close(pkt pktInfo, captureEnded bool) {
	pr.settle(&pr.res)
	why := "the connection closed"
	if captureEnded {
		why = "the capture ended"
	}
	for _, d := range []*direction{&pr.req, &pr.res} {
		if d.cut() {
			pr.problem(d.ex, problemf(CodeIncomplete, 0, "%s inside %s", why, d.describe()))
		}
		if n := d.find.unfound(); d.mode == modeFind && n > 0 {
			pr.problem(nil, problemf(CodeSkipped, 0, "%s stream: skipped its last %d bytes, in which no message starts", d.name, n))
		}
		if d.mode == modeHold && len(d.held) > 0 {
			pr.out.OpaqueBytes += int64(len(d.held))
		}
	}
	for ex := pr.awaiting(); ex != nil; ex = pr.awaiting() {
		if d := &pr.res; d.lost && ex.Request != nil && ex.Request.FirstPacket < d.lostAt {
			pr.lose(ex, d.lostAt)
		} else if ex.Request != nil && pr.resetBy != "" {
			ex.Problems = append(ex.Problems, problemf(CodeReset, ex.Request.FirstPacket, "%s %s was sent after the %s reset the connection, so no response came", ex.Request.Head.Method, ex.Request.Head.URL, pr.resetBy))
		} else if ex.Request != nil {
			ex.Problems = append(ex.Problems, problemf(CodeNoResponse, 0, "no response to %s %s before %s", ex.Request.Head.Method, ex.Request.Head.URL, why))
		} else {
			ex.Problems = append(ex.Problems, problemf(CodeNoResponse, 0, "no response to the lost request before %s", why))
		}
		pr.next++
	}
	for _, ex := range pr.out.Exchanges {
		ex.Complete = ex.Request != nil && ex.Request.Complete && ex.Response != nil && ex.Response.Complete
		if ex.Response == nil {
			ex.Confidence = ""
		}
	}
}

// problem files e under its exchange, or under the connection.
func (pr *pairer) problem(ex *Exchange, e *Error) {
	if ex != nil {
		ex.Problems = append(ex.Problems, e)
		return
	}
	pr.out.Problems = append(pr.out.Problems, e)
}
