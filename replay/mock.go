package replay

// A mock server made from a capture: each request is answered with the
// captured response of a matching captured request, so a client can run
// against production's behaviour, on the simulated network with faults or
// on a real port.

import (
	"encoding/json"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/simhttp/simhttp/httpcore"
	"github.com/simhttp/simhttp/simnet"
)

// MockOptions configure how a Mock matches requests. By default a request
// matches a captured one with the same method, path with query, and body.
type MockOptions struct {
	IgnoreQuery bool // match the path without its query string
	IgnoreBody  bool // match whatever the body
	// MatchHeaders are request header names, any case, whose values must
	// also be the captured ones (all values, in order).
	MatchHeaders []string
	// Verbatim sends the captured Date; by default a response captured
	// with a Date gets a fresh one, as the server would send now.
	Verbatim bool
}

// Mock answers requests with the responses of a capture's complete
// exchanges. Requests matching several captured exchanges get their
// responses in captured order, then the last one again and again; a request
// matching none gets a 404 whose JSON body names it and the closest
// captured request. A Mock lives on one runtime's loop.
type Mock struct {
	opts    MockOptions
	headers []string // lower-cased MatchHeaders
	entries []mockEntry
	byKey   map[string]*mockGroup
}

// mockEntry is one captured exchange the mock can answer with.
type mockEntry struct {
	conn, index int // 1-based connection and place on it, for the 404 body
	req, res    *Message
	interim     []*Message // the 1xx responses sent before res, in order
}

// mockGroup is the captured exchanges one request key matches, in order.
type mockGroup struct {
	entries []int // indexes in Mock.entries
	served  int
}

// NewMock builds a mock from the complete exchanges of c; upgrades and
// CONNECT tunnels are left out, as they cannot be answered by a response.
func NewMock(c *Capture, opts MockOptions) *Mock {
	m := &Mock{opts: opts, byKey: map[string]*mockGroup{}}
	for _, h := range opts.MatchHeaders {
		m.headers = append(m.headers, strings.ToLower(strings.TrimSpace(h)))
	}
	if c == nil {
		return m
	}
	for ci, cn := range c.Connections {
		for ei, ex := range cn.Exchanges {
			if skipReason(ex) != "" {
				continue
			}
			e := mockEntry{conn: ci + 1, index: ei + 1, req: ex.Request, res: ex.Response, interim: ex.Interim}
			key := m.key(e.req.Head.Method, e.req.Head.URL, e.req.Head.RawHeaders, e.req.Body)
			g := m.byKey[key]
			if g == nil {
				g = &mockGroup{}
				m.byKey[key] = g
			}
			g.entries = append(g.entries, len(m.entries))
			m.entries = append(m.entries, e)
		}
	}
	return m
}

// Len is how many captured exchanges the mock can answer with.
func (m *Mock) Len() int { return len(m.entries) }

// key is what two requests must share to match.
func (m *Mock) key(method, target string, raw []string, body []byte) string {
	var b strings.Builder
	b.WriteString(method)
	b.WriteByte(0)
	if m.opts.IgnoreQuery {
		target, _, _ = strings.Cut(target, "?")
	}
	b.WriteString(target)
	for _, name := range m.headers {
		b.WriteByte(0)
		b.WriteString(name)
		for i := 0; i+1 < len(raw); i += 2 {
			if strings.EqualFold(raw[i], name) {
				b.WriteByte(1)
				b.WriteString(raw[i+1])
			}
		}
	}
	if !m.opts.IgnoreBody {
		b.WriteByte(0)
		b.Write(body)
	}
	return b.String()
}

// Handler is the request handler to give httpcore.CreateServer: once the
// request's body has arrived it writes the chosen captured response.
func (m *Mock) Handler() func(*httpcore.IncomingMessage, *httpcore.ServerResponse) {
	return func(req *httpcore.IncomingMessage, res *httpcore.ServerResponse) {
		var body []byte
		req.Events.Data.On(func(p []byte) { body = append(body, p...) })
		req.Events.End.On(func(struct{}) {
			if err := m.respond(req, body, res); err != nil {
				res.Destroy(err)
			}
		})
	}
}

// respond writes the captured response that answers req, or the 404.
func (m *Mock) respond(req *httpcore.IncomingMessage, body []byte, res *httpcore.ServerResponse) error {
	g := m.byKey[m.key(req.Method, req.URL, req.RawHeaders, body)]
	if g == nil {
		return m.notFound(req, res)
	}
	e := &m.entries[g.entries[min(g.served, len(g.entries)-1)]]
	g.served++
	for _, m := range e.interim {
		if err := m.sendInterim(req, res); err != nil {
			return err
		}
	}
	// Only the captured headers go out: the server adds no Connection or
	// Keep-Alive of its own, nor a Date unless it replaces the captured one,
	// and a response captured without framing headers is ended by closing
	// the connection, as it was.
	c := e.res
	fresh := !m.opts.Verbatim && hasHeader(c.Head.RawHeaders, "date")
	res.SendDate = fresh
	if !hasHeader(c.Head.RawHeaders, "connection") {
		if err := res.RemoveHeader("Connection"); err != nil {
			return err
		}
	}
	if !c.Head.Chunked && !hasHeader(c.Head.RawHeaders, "content-length") {
		if err := res.RemoveHeader("Transfer-Encoding"); err != nil {
			return err
		}
	}
	fields := responseFields(c, req.Method)
	if fresh {
		fields = withoutHeader(fields, "date")
	}
	if err := res.WriteHead(c.Head.StatusCode, c.Head.StatusMessage, fields); err != nil {
		return err
	}
	if len(c.Trailers) > 0 && c.Head.Chunked {
		if err := res.AddTrailers(c.Trailers); err != nil {
			return err
		}
	}
	return res.End(c.Body, nil)
}

// responseFields are the captured headers, [name, value, ...] in captured
// order, with the framing made to fit the body as it will be sent: a
// chunked response stays chunked and loses any Content-Length beside it,
// and a Content-Length is the body's length. A response with neither was
// read until the connection closed, and is sent the same way.
func responseFields(c *Message, method string) []string {
	status := c.Head.StatusCode
	bodiless := method == "HEAD" || status == 204 || status == 304 || status/100 == 1
	raw := c.Head.RawHeaders
	out := make([]string, 0, len(raw))
	for i := 0; i+1 < len(raw); i += 2 {
		name, value := raw[i], raw[i+1]
		if strings.EqualFold(name, "content-length") {
			if c.Head.Chunked {
				continue
			}
			if !bodiless {
				value = strconv.Itoa(len(c.Body))
			}
		}
		out = append(out, name, value)
	}
	return out
}

// sendInterim sends a captured 1xx response before the final one, through
// the calls a Node server would make: writeContinue (unless the server
// already granted the request's Expect: 100-continue), writeProcessing,
// writeEarlyHints; another 1xx, which Node has no call for, goes to the
// socket as captured.
func (m *Message) sendInterim(req *httpcore.IncomingMessage, res *httpcore.ServerResponse) error {
	raw := m.Head.RawHeaders
	switch m.Head.StatusCode {
	case 100:
		if strings.EqualFold(headerValue(req.RawHeaders, "expect"), "100-continue") {
			return nil
		}
		res.WriteContinue(nil)
		return nil
	case 102:
		res.WriteProcessing(nil)
		return nil
	case 103:
		if hasHeader(raw, "link") {
			var hints []httpcore.HeaderField
			for i := 0; i+1 < len(raw); i += 2 {
				hints = append(hints, httpcore.HeaderField{Name: strings.ToLower(raw[i]), Values: []string{raw[i+1]}})
			}
			return res.WriteEarlyHints(hints, nil)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "HTTP/1.1 %d %s\r\n", m.Head.StatusCode, m.Head.StatusMessage)
	for i := 0; i+1 < len(raw); i += 2 {
		fmt.Fprintf(&b, "%s: %s\r\n", raw[i], raw[i+1])
	}
	b.WriteString("\r\n")
	req.Socket().Write([]byte(b.String()), nil)
	return nil
}

// withoutHeader returns a raw list without the header name.
func withoutHeader(raw []string, name string) []string {
	out := raw[:0:0]
	for i := 0; i+1 < len(raw); i += 2 {
		if !strings.EqualFold(raw[i], name) {
			out = append(out, raw[i], raw[i+1])
		}
	}
	return out
}

// hasHeader reports whether a raw header list names name, any case.
func hasHeader(raw []string, name string) bool {
	for i := 0; i < len(raw); i += 2 {
		if strings.EqualFold(raw[i], name) {
			return true
		}
	}
	return false
}

// unmatched is the 404 body: the request and the closest captured one.
type unmatched struct {
	Error   string         `json:"error"`
	Request requestSummary `json:"request"`
	Closest *closestEntry  `json:"closest"`
}

type requestSummary struct {
	Method string `json:"method"`
	URL    string `json:"url"`
}

type closestEntry struct {
	Method     string `json:"method"`
	URL        string `json:"url"`
	Connection int    `json:"connection"`
	Exchange   int    `json:"exchange"`
}

func (m *Mock) notFound(req *httpcore.IncomingMessage, res *httpcore.ServerResponse) error {
	u := unmatched{
		Error:   "no captured exchange matches this request",
		Request: requestSummary{Method: req.Method, URL: req.URL},
	}
	if e := m.closest(req.Method, req.URL); e != nil {
		u.Closest = &closestEntry{e.req.Head.Method, e.req.Head.URL, e.conn, e.index}
	}
	body, err := json.Marshal(u)
	if err != nil {
		return err
	}
	res.StatusCode = 404
	if err := res.SetHeader("Content-Type", "application/json"); err != nil {
		return err
	}
	return res.End(body, nil)
}

// closest is the captured request most like method and target: the same
// method first, then the longest common prefix, then the longest common
// suffix of the targets; the earliest wins a tie.
func (m *Mock) closest(method, target string) *mockEntry {
	var best *mockEntry
	bestScore := [3]int{-1}
	for i := range m.entries {
		e := &m.entries[i]
		u := e.req.Head.URL
		score := [3]int{0, commonPrefix(u, target), commonPrefix(reverse(u), reverse(target))}
		if e.req.Head.Method == method {
			score[0] = 1
		}
		if best == nil || greater(score, bestScore) {
			best, bestScore = e, score
		}
	}
	return best
}

func greater(a, b [3]int) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] > b[i]
		}
	}
	return false
}

func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

func reverse(s string) string {
	b := []byte(s)
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}

// ServeMock starts an http.Server on rt that answers with the mock of c,
// listening on addr ("host:port", ":port", port 0 for any free one). The
// caller runs rt's loop and closes the server; its Address says the port.
func ServeMock(rt simnet.Runtime, addr string, c *Capture, opts MockOptions) (*httpcore.Server, error) {
	if c == nil {
		return nil, invalidArg("ServeMock: the capture is nil")
	}
	host, portText, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, invalidArg("ServeMock: listen address %q: %v", addr, err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil || port < 0 || port > 65535 {
		return nil, invalidArg("ServeMock: listen address %q: port %q is not 0-65535", addr, portText)
	}
	srv, err := httpcore.CreateServer(rt, httpcore.ServerOptions{}, NewMock(c, opts).Handler())
	if err != nil {
		return nil, err
	}
	if err := srv.Listen(port, host, nil); err != nil {
		return nil, err
	}
	return srv, nil
}
