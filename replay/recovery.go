package replay

// Recovering the pairing after a hole in the capture. A hole that swallows
// the start of a response leaves the server's stream without framing: the
// next status line found could answer any request still waiting. The bytes
// from that status line are held (modeProbe) until it is clear which
// request they answer: one sent before them (a server cannot answer what it
// has not received), the last one sent when the client waits for each
// response before its next request, and otherwise the first whose method
// makes the held responses parse (a HEAD's response has no body, so read as
// a GET's it would swallow the responses after it). Requests whose
// responses fell in the hole are marked lost; pairing goes on from there.
// A hole in the client's stream is found out when a response arrives
// before the request it would be paired with was sent: it answers a
// request the capture lost.
//
// A hole that cuts a head keeps the start line and the header lines
// captured whole (snap-length captures cut every packet this way).

import (
	"bytes"
	"fmt"

	"github.com/simhttp/simhttp/httpcore"
)

// Confidence says how sure the pairing of a response with a request is.
type Confidence string

// The confidences of a pairing.
const (
	// ConfidenceHigh: the framing of both streams, or a single possible
	// request after a loss, says so.
	ConfidenceHigh Confidence = "high"
	// ConfidenceMedium: inferred after a loss from the order of the packets,
	// with several requests waiting.
	ConfidenceMedium Confidence = "medium"
	// ConfidenceLow: inferred after a loss where several readings fit the
	// bytes equally; the one losing the fewest responses was taken.
	ConfidenceLow Confidence = "low"
)

// maxProbe bounds the bytes held before deciding which request a response
// found after a loss answers.
const maxProbe = 64 << 10

// probeChunk is bytes held in modeProbe with the packet that brought them.
type probeChunk struct {
	b   []byte
	pkt pktInfo
}

// settle decides a pending recovery of d before anything else happens to
// its stream: a hole, its end, the connection's end.
func (pr *pairer) settle(d *direction) {
	for d.mode == modeProbe {
		pr.decide()
	}
}

// decide chooses the request that the held responses begin to answer,
// marks the responses before it lost, and parses the held bytes.
func (pr *pairer) decide() {
	d := &pr.res
	chunks := d.probe
	d.probe, d.probeN = nil, 0
	if len(chunks) == 0 {
		d.mode = modeFind
		return
	}
	var held []byte
	for _, c := range chunks {
		held = append(held, c.b...)
	}
	first := chunks[0].pkt.num
	var wait []int // indexes in out.Exchanges of requests still waiting, in order
	for i := pr.next; i < len(pr.out.Exchanges); i++ {
		if waiting(pr.out.Exchanges[i]) {
			wait = append(wait, i)
		}
	}
	sent := 0 // requests sent before the held responses
	for sent < len(wait) {
		q := pr.out.Exchanges[wait[sent]].Request
		if q != nil && q.FirstPacket >= first {
			break
		}
		sent++
	}
	lo, conf := min(d.skip, sent), ConfidenceHigh
	if sent > 0 && lo == sent {
		// The hole swallowed no more than a 1xx then, or the skip was
		// wrong: any request sent may be the one.
		lo, conf = 0, ConfidenceLow
	}
	pick := -1
	if sent > lo {
		pick, conf = pr.choose(held, wait[lo:sent], conf)
		if pick >= 0 {
			pick += lo
		}
	}
	switch {
	case pick >= 0:
		for _, i := range wait[:pick] {
			pr.lose(pr.out.Exchanges[i], d.lostAt)
		}
		pr.next = wait[pick]
		pr.level = conf
	case sent > 0 || len(held) < 2 || !looksLikeResponse(held):
		// Nothing sent fits these bytes: the start found was not one. Look
		// again from the byte after it.
		d.mode = modeFind
		d.find.skipped++
		d.probe = nil
		rest := chunks
		rest[0].b = rest[0].b[1:]
		for _, c := range rest {
			pr.data(false, c.b, c.pkt)
		}
		return
	default:
		// No request was sent before this response: it answers one the
		// capture lost, or one it never showed.
		ex := &Exchange{RequestLost: pr.reqLost}
		at := len(pr.out.Exchanges)
		if len(wait) > 0 {
			at = wait[0]
		}
		pr.out.Exchanges = append(pr.out.Exchanges[:at], append([]*Exchange{ex}, pr.out.Exchanges[at:]...)...)
		pr.next = at
		pr.level = ConfidenceMedium
		if !pr.reqLost {
			ex.Problems = append(ex.Problems, problemf(CodeUnpaired, first, "a response with no request before it"))
		}
	}
	d.lost, d.skip = false, 0
	d.mode = modeParse
	d.p.Reset(httpcore.ParseResponse)
	d.begun = false
	for _, c := range chunks {
		pr.data(false, c.b, c.pkt)
	}
}

// choose returns the index in cands of the request the held bytes answer,
// with the confidence of that choice, or -1 when no reading parses.
func (pr *pairer) choose(held []byte, cands []int, conf Confidence) (int, Confidence) {
	if !pr.pipelined {
		// The client waited for each response before sending the next
		// request, so what came after its last request answers that one.
		for k := len(cands) - 1; k >= 0; k-- {
			if score, ok := pr.fit(held, cands[k:]); ok && score >= 0 {
				if k < len(cands)-1 {
					return k, ConfidenceLow
				}
				if len(cands) > 1 && conf == ConfidenceHigh {
					conf = ConfidenceMedium
				}
				return k, conf
			}
		}
		return -1, conf
	}
	best, bestScore, tie := -1, -1, false
	for k := range cands {
		score, ok := pr.fit(held, cands[k:])
		if !ok {
			continue
		}
		switch {
		case score > bestScore:
			best, bestScore, tie = k, score, false
		case score == bestScore:
			tie = true
		}
	}
	switch {
	case best < 0:
	case tie:
		conf = ConfidenceLow
	case len(cands) > 1 && conf == ConfidenceHigh:
		conf = ConfidenceMedium
	}
	return best, conf
}

// trial is the state of one trial parse.
type trial struct {
	methods  []string // methods of the requests the responses answer, in order
	answered int      // final responses completed
	final    bool     // the head being read is a final response
	heads    int
}

// fit parses held as responses to the requests at indexes reqs, in order.
// It reports how many responses parsed whole and whether the bytes read as
// HTTP at all (a head cut off by the end of held does); a reading that runs
// into bytes that are not HTTP later scores -1.
func (pr *pairer) fit(held []byte, reqs []int) (int, bool) {
	t := &pr.trial
	*t = trial{methods: t.methods[:0]}
	for _, i := range reqs {
		m := ""
		if q := pr.out.Exchanges[i].Request; q != nil {
			m = q.Head.Method
		}
		t.methods = append(t.methods, m)
	}
	p := pr.scratchParser(httpcore.ParseResponse)
	p.SetCallbacks(pr.trialHead, nil, pr.trialComplete)
	_, err := p.Execute(held)
	switch {
	case err == nil:
		return t.answered, true
	case t.heads == 0:
		return 0, false
	}
	return -1, true
}

func (pr *pairer) trialHead(h *httpcore.MessageHead) httpcore.BodyMode {
	t := &pr.trial
	t.heads++
	t.final = h.StatusCode < 100 || h.StatusCode >= 200 || h.StatusCode == 101
	method := ""
	if t.answered < len(t.methods) {
		method = t.methods[t.answered]
	}
	return responseBody(method, h.StatusCode)
}

func (pr *pairer) trialComplete([]string) {
	if pr.trial.final {
		pr.trial.answered++
	}
}

// scratchParser readies the parser for trials and salvage.
func (pr *pairer) scratchParser(kind httpcore.ParserKind) *httpcore.Parser {
	if pr.scratch == nil {
		pr.scratch = httpcore.NewParser(kind, httpcore.ParserOptions{Lenient: true})
	}
	pr.scratch.Reset(kind)
	return pr.scratch
}

// lose marks ex's response as lost in the hole that packet lostAt showed.
func (pr *pairer) lose(ex *Exchange, lostAt int) {
	ex.ResponseLost = true
	what := "the lost request"
	if q := ex.Request; q != nil {
		what = q.Head.Method + " " + q.Head.URL
	}
	ex.Problems = append(ex.Problems, problemf(CodeResponseLost, lostAt, "response lost: the response to %s fell in a hole of the server's stream", what))
}

// answered returns the exchange a response starting in packet first
// answers, in order on the connection: a request sent after the response
// began cannot be the one, so the response answers a request the capture
// lost, or none.
func (pr *pairer) answered(first, status int) *Exchange {
	ex := pr.awaiting()
	if ex != nil && (ex.Request == nil || ex.Request.FirstPacket < first) {
		if ex.Request != nil {
			pr.reqLost = false
		}
		return ex
	}
	lost := &Exchange{RequestLost: pr.reqLost}
	if !pr.reqLost {
		lost.Problems = append(lost.Problems, problemf(CodeUnpaired, first, "a %d response with no request before it", status))
	} else if pr.level == "" {
		pr.level = ConfidenceMedium
	}
	at := len(pr.out.Exchanges)
	if ex != nil {
		at = pr.next
	}
	pr.out.Exchanges = append(pr.out.Exchanges[:at], append([]*Exchange{lost}, pr.out.Exchanges[at:]...)...)
	pr.next = at
	if lost.RequestLost {
		lost.Problems = append(lost.Problems, problemf(CodeRequestLost, first, "request lost: this %d response came before any request waiting for one, so it answers a request that fell in a hole of the client's stream", status))
	}
	return lost
}

// keepHead keeps the bytes of a head still being read at the end of b (the
// bytes the parser took), so a hole that cuts it can salvage them.
func (d *direction) keepHead(b []byte) {
	h := d.p.HeaderBytes()
	switch {
	case h == 0:
		d.headTail = d.headTail[:0]
	case h <= len(b):
		d.headTail = append(d.headTail[:0], b[len(b)-h:]...)
	default:
		d.headTail = append(d.headTail, b...)
		if len(d.headTail) > h {
			d.headTail = d.headTail[len(d.headTail)-h:]
		}
	}
}

// salvage reads what a hole of n bytes left of the head being read: the
// start line and the header lines captured whole. It reports false when
// not even the start line can be read.
func (d *direction) salvage(n int64, gap *Error) bool {
	tail := d.headTail
	line := tail
	if i := bytes.IndexByte(tail, '\n'); i >= 0 {
		line = tail[:i]
	}
	line = bytes.TrimSuffix(line, []byte("\r"))
	var head []byte
	cutLine := false
	switch {
	case bytes.IndexByte(tail, '\n') >= 0:
		head = append(bytes.Clone(tail[:bytes.LastIndexByte(tail, '\n')+1]), "\r\n"...)
	case d.client && looksLikeRequest(line):
		// The request line itself was cut: keep the method and as much
		// of the target as there is.
		method, target, _ := bytes.Cut(line, []byte(" "))
		if len(target) == 0 {
			target = []byte("/")
		}
		head = fmt.Appendf(nil, "%s %s HTTP/1.1\r\n\r\n", method, target)
		cutLine = true
	case !d.client && statusStart(append(bytes.Clone(line), '\r', '\n', '\r', '\n')) == 0:
		head = append(bytes.Clone(line), "\r\n\r\n"...)
	default:
		return false
	}
	pr := d.pr
	p := pr.scratchParser(d.kind())
	var got *httpcore.MessageHead
	p.SetCallbacks(func(h *httpcore.MessageHead) httpcore.BodyMode {
		c := *h
		got = &c
		return httpcore.BodySkip
	}, nil, nil)
	_, _ = p.Execute(head) // a head that does not parse leaves got nil
	if got == nil {
		return false
	}
	d.p.Reset(d.kind())
	if d.client {
		pr.onRequestHead(got)
	} else {
		pr.onResponseHead(got)
	}
	m, ex := d.msg, d.ex
	m.HeadCut = true
	m.MissingBytes += n
	what := fmt.Sprintf("kept the start line and %s", plural(len(got.RawHeaders)/2, "header"))
	if cutLine {
		what = "kept the method and the start of the target"
	}
	kind := "response"
	if d.client {
		kind = "request"
	}
	gap.Reason += fmt.Sprintf(" inside a %s head after %d bytes; %s", kind, len(tail), what)
	pr.problem(ex, gap)
	d.loseFraming(0, d.pkt)
	d.open = m
	return true
}
