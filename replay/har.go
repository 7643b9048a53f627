package replay

// HAR 1.2 (the HTTP Archive format browsers' developer tools and proxies
// export) in both directions: a capture's exchanges written as a HAR with
// timings from its packets, and a HAR read as a Capture, so replay and the
// mock take either source through the same pipeline.

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/simhttp/simhttp/httpcore"
)

// The HAR 1.2 objects this package writes and reads. Optional fields the
// spec allows to be absent are pointers or omitempty.
type harFile struct {
	Log harLog `json:"log"`
}

type harLog struct {
	Version string     `json:"version"`
	Creator harCreator `json:"creator"`
	Entries []harEntry `json:"entries"`
	Comment string     `json:"comment,omitempty"`
}

type harCreator struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

type harEntry struct {
	StartedDateTime string      `json:"startedDateTime"`
	Time            float64     `json:"time"`
	Request         harRequest  `json:"request"`
	Response        harResponse `json:"response"`
	Cache           struct{}    `json:"cache"`
	Timings         harTimings  `json:"timings"`
	ServerIPAddress string      `json:"serverIPAddress,omitempty"`
	Connection      string      `json:"connection,omitempty"`
	Comment         string      `json:"comment,omitempty"`
}

type harRequest struct {
	Method      string       `json:"method"`
	URL         string       `json:"url"`
	HTTPVersion string       `json:"httpVersion"`
	Cookies     []harCookie  `json:"cookies"`
	Headers     []harNV      `json:"headers"`
	QueryString []harNV      `json:"queryString"`
	PostData    *harPostData `json:"postData,omitempty"`
	HeadersSize int64        `json:"headersSize"`
	BodySize    int64        `json:"bodySize"`
}

type harResponse struct {
	Status      int         `json:"status"`
	StatusText  string      `json:"statusText"`
	HTTPVersion string      `json:"httpVersion"`
	Cookies     []harCookie `json:"cookies"`
	Headers     []harNV     `json:"headers"`
	Content     harContent  `json:"content"`
	RedirectURL string      `json:"redirectURL"`
	HeadersSize int64       `json:"headersSize"`
	BodySize    int64       `json:"bodySize"`
}

type harCookie struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type harNV struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type harPostData struct {
	MimeType string  `json:"mimeType"`
	Text     string  `json:"text"`
	Params   []harNV `json:"params"`
	Encoding string  `json:"encoding,omitempty"` // not in HAR 1.2, but written by some tools for binary bodies
}

type harContent struct {
	Size     int64   `json:"size"`
	MimeType string  `json:"mimeType"`
	Text     *string `json:"text,omitempty"`
	Encoding string  `json:"encoding,omitempty"`
}

type harTimings struct {
	Blocked float64 `json:"blocked"`
	DNS     float64 `json:"dns"`
	Connect float64 `json:"connect"`
	Send    float64 `json:"send"`
	Wait    float64 `json:"wait"`
	Receive float64 `json:"receive"`
	SSL     float64 `json:"ssl"`
}

// WriteHAR writes the capture's exchanges as a HAR 1.2 log, in order of
// their requests. Timings come from the packets: send is the request's first
// to last packet, wait from there to the response's first packet, receive to
// its last. An exchange with no request cannot be an entry; the log's
// comment counts those left out, and an entry without a response has status
// 0 and a comment saying why, as browsers write a failed request.
func (c *Capture) WriteHAR(w io.Writer) error {
	h := harFile{Log: harLog{Version: "1.2", Creator: harCreator{Name: "simhttp", Version: "1"}, Entries: []harEntry{}}}
	left := 0
	for ci, cn := range c.Connections {
		for _, ex := range cn.Exchanges {
			if ex.Request == nil {
				left++
				continue
			}
			h.Log.Entries = append(h.Log.Entries, c.harEntry(ci, cn, ex))
		}
	}
	slices.SortStableFunc(h.Log.Entries, func(a, b harEntry) int { return strings.Compare(a.StartedDateTime, b.StartedDateTime) })
	if left > 0 {
		h.Log.Comment = fmt.Sprintf("%s with no request in the capture left out", plural(left, "response"))
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(h)
}

func (c *Capture) harEntry(ci int, cn *Connection, ex *Exchange) harEntry {
	q := ex.Request
	scheme := "http"
	if cn.TLS != "" {
		scheme = "https"
	}
	target := q.Head.URL
	if !strings.HasPrefix(target, "/") {
		target = "/" + target
	}
	host, hostOK := harHost(scheme, headerValue(q.Head.RawHeaders, "host"), cn.Server)
	e := harEntry{
		StartedDateTime: c.Start.Add(q.Start).Format("2006-01-02T15:04:05.000000Z07:00"),
		Request: harRequest{
			Method:      q.Head.Method,
			URL:         scheme + "://" + host + target,
			HTTPVersion: fmt.Sprintf("HTTP/%d.%d", q.Head.VersionMajor, q.Head.VersionMinor),
			Cookies:     []harCookie{},
			Headers:     harHeaders(q.Head.RawHeaders),
			QueryString: harQuery(target),
			HeadersSize: -1,
			BodySize:    q.BodyBytes,
		},
		Response: harResponse{
			Cookies: []harCookie{}, Headers: []harNV{}, HeadersSize: -1, BodySize: -1,
			Content: harContent{MimeType: "x-unknown"},
		},
		Timings:         harTimings{Blocked: -1, DNS: -1, Connect: -1, SSL: -1, Wait: -1, Receive: -1},
		ServerIPAddress: cn.Server.Addr().String(),
		Connection:      strconv.Itoa(ci + 1),
	}
	if q.BodyBytes > 0 {
		text, _ := harText(q.Body)
		e.Request.PostData = &harPostData{MimeType: headerValue(q.Head.RawHeaders, "content-type"), Text: text, Params: []harNV{}}
	}
	e.Timings.Send = millis(q.End - q.Start)
	if s := ex.Response; s != nil {
		r := &e.Response
		r.Status, r.StatusText = s.Head.StatusCode, s.Head.StatusMessage
		r.HTTPVersion = fmt.Sprintf("HTTP/%d.%d", s.Head.VersionMajor, s.Head.VersionMinor)
		r.Headers = harHeaders(s.Head.RawHeaders)
		r.RedirectURL = headerValue(s.Head.RawHeaders, "location")
		r.BodySize = s.BodyBytes
		r.Content.Size = s.BodyBytes
		if mt := headerValue(s.Head.RawHeaders, "content-type"); mt != "" {
			r.Content.MimeType = mt
		}
		if s.Body != nil || s.BodyBytes == 0 {
			text, enc := harText(s.Body)
			r.Content.Text, r.Content.Encoding = &text, enc
		}
		e.Timings.Wait = millis(max(0, s.Start-q.End))
		e.Timings.Receive = millis(s.End - s.Start)
	}
	if !hostOK {
		e.Comment = "the request named no usable host; "
	}
	if r := ex.Response; r == nil || !ex.Complete {
		var why []string
		for _, p := range ex.Problems {
			why = append(why, p.Code+": "+p.Error())
		}
		e.Comment += "incomplete in the capture"
		if len(why) > 0 {
			e.Comment += ": " + strings.Join(why, "; ")
		}
	}
	e.Time = e.Timings.Send + max(0, e.Timings.Wait) + max(0, e.Timings.Receive)
	return e
}

// harHost is the host of an entry's URL: the Host header, or failing that
// the server's address; ok is false when neither makes a URL, and a
// reserved name that cannot resolve stands in.
func harHost(scheme, header string, server netip.AddrPort) (host string, ok bool) {
	for _, h := range []string{header, server.String()} {
		if u, err := url.Parse(scheme + "://" + h + "/"); err == nil && u.Host == h && h != "" && (h != server.String() || server.IsValid()) {
			return h, true
		}
	}
	return "unknown.invalid", false
}

// millis is a duration in HAR's unit, milliseconds, to the microsecond.
func millis(d time.Duration) float64 {
	return float64(d.Microseconds()) / 1000
}

// harText is a body as HAR content text: itself when it is UTF-8, base64
// otherwise.
func harText(b []byte) (text, encoding string) {
	if utf8.Valid(b) {
		return string(b), ""
	}
	return base64.StdEncoding.EncodeToString(b), "base64"
}

func harHeaders(raw []string) []harNV {
	out := make([]harNV, 0, len(raw)/2)
	for i := 0; i+1 < len(raw); i += 2 {
		out = append(out, harNV{raw[i], raw[i+1]})
	}
	return out
}

// harQuery lists a request target's query parameters, decoded where they
// decode and as sent where they do not.
func harQuery(target string) []harNV {
	out := []harNV{}
	_, query, ok := strings.Cut(target, "?")
	if !ok {
		return out
	}
	for part := range strings.SplitSeq(query, "&") {
		if part == "" {
			continue
		}
		name, value, _ := strings.Cut(part, "=")
		if n, err := url.QueryUnescape(name); err == nil {
			name = n
		}
		if v, err := url.QueryUnescape(value); err == nil {
			value = v
		}
		out = append(out, harNV{name, value})
	}
	return out
}

// headerValue is the first value of a header, any case, or "".
func headerValue(raw []string, name string) string {
	for i := 0; i+1 < len(raw); i += 2 {
		if strings.EqualFold(raw[i], name) {
			return raw[i+1]
		}
	}
	return ""
}

// looksLikeHAR reports whether a file's first bytes open a JSON object, as
// a HAR does and no capture file can.
func looksLikeHAR(br *bufio.Reader) bool {
	head, _ := br.Peek(4096)
	head = bytes.TrimLeft(bytes.TrimPrefix(head, utf8BOM), " \t\r\n")
	return len(head) > 0 && head[0] == '{'
}

// utf8BOM is the byte order mark some tools write before JSON.
var utf8BOM = []byte{0xef, 0xbb, 0xbf}

// ReadHAR reads a HAR 1.2 log as a Capture: one connection per HAR
// connection id (one per entry when the HAR names none), exchanges in order
// of startedDateTime, times from the timings. HAR bodies are stored
// decoded, so a Content-Encoding is dropped from the response (its
// Content-Length made the decoded length) and an Accept-Encoding from the
// request, which then asks a replay target for what the HAR holds. HTTP/2
// pseudo-headers (":authority") are dropped, since replay speaks HTTP/1.1.
func ReadHAR(r io.Reader) (*Capture, error) {
	var h struct {
		Log struct {
			Version string            `json:"version"`
			Entries []json.RawMessage `json:"entries"`
		} `json:"log"`
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("replay: reading the HAR: %w", err)
	}
	data = bytes.TrimPrefix(data, utf8BOM)
	if err := json.Unmarshal(data, &h); err != nil {
		return nil, harError("", err)
	}
	if h.Log.Entries == nil {
		return nil, &Error{Code: CodeHAR, Reason: "HAR has no log.entries"}
	}
	c := &Capture{Format: "har", LinkTypes: []string{}}
	type parsed struct {
		at    time.Time
		ex    *Exchange
		cn    string
		ip    string
		port  uint16
		https bool
	}
	entries := make([]parsed, 0, len(h.Log.Entries))
	for i, raw := range h.Log.Entries {
		var e harEntry
		if err := json.Unmarshal(raw, &e); err != nil {
			return nil, harError(fmt.Sprintf("entry %d: ", i+1), err)
		}
		at, ex, err := harExchange(&e)
		if err != nil {
			return nil, &Error{Code: CodeHAR, Reason: fmt.Sprintf("HAR entry %d (%s %s): %v", i+1, e.Request.Method, e.Request.URL, err)}
		}
		p := parsed{at: at, ex: ex, cn: e.Connection, ip: e.ServerIPAddress, https: strings.HasPrefix(strings.ToLower(e.Request.URL), "https:")}
		p.port = 80
		if p.https {
			p.port = 443
		}
		if u, err := url.Parse(e.Request.URL); err == nil && u.Port() != "" {
			if n, err := strconv.ParseUint(u.Port(), 10, 16); err == nil {
				p.port = uint16(n)
			}
		}
		entries = append(entries, p)
	}
	slices.SortStableFunc(entries, func(a, b parsed) int { return a.at.Compare(b.at) })
	if len(entries) > 0 {
		c.Start = entries[0].at
	}
	byID := map[string]*Connection{}
	for _, p := range entries {
		shift := p.at.Sub(c.Start)
		for _, m := range []*Message{p.ex.Request, p.ex.Response} {
			if m != nil {
				m.Start += shift
				m.End += shift
			}
		}
		cn := byID[p.cn]
		if cn == nil || p.cn == "" {
			cn = &Connection{Start: shift, Closed: "unknown"}
			if ip, err := netip.ParseAddr(strings.Trim(p.ip, "[]")); err == nil {
				cn.Server = netip.AddrPortFrom(ip, p.port)
			}
			if p.https {
				cn.TLS = "TLS, from the HAR's https URL"
			}
			c.Connections = append(c.Connections, cn)
			byID[p.cn] = cn
		}
		cn.Exchanges = append(cn.Exchanges, p.ex)
		cn.End = max(cn.End, p.ex.Request.End)
		if p.ex.Response != nil {
			cn.End = max(cn.End, p.ex.Response.End)
		}
	}
	return c, nil
}

// harError names where in the HAR the JSON went wrong.
func harError(where string, err error) *Error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return &Error{Code: CodeHAR, Reason: fmt.Sprintf("HAR %sis not valid JSON at byte %d", where, se.Offset), Err: err}
	case errors.As(err, &te):
		return &Error{Code: CodeHAR, Reason: fmt.Sprintf("HAR %sfield %s is a JSON %s, not a %s", where, te.Field, te.Value, te.Type), Err: err}
	}
	return &Error{Code: CodeHAR, Reason: "HAR " + where + "cannot be read", Err: err}
}

// harExchange turns an entry into an exchange whose times count from the
// entry's start.
func harExchange(e *harEntry) (time.Time, *Exchange, error) {
	at, err := time.Parse(time.RFC3339Nano, e.StartedDateTime)
	if err != nil {
		return at, nil, fmt.Errorf("startedDateTime %q is not an ISO 8601 time", e.StartedDateTime)
	}
	u, err := url.Parse(e.Request.URL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return at, nil, fmt.Errorf("request.url %q is not an absolute URL", e.Request.URL)
	}
	if httpcore.ValidateHeaderName(e.Request.Method) != nil { // a method is a token, as a header name is
		return at, nil, fmt.Errorf("request.method %q is not an HTTP method", e.Request.Method)
	}
	target := u.EscapedPath()
	if target == "" {
		target = "/"
	}
	if u.RawQuery != "" {
		target += "?" + u.RawQuery
	}
	qmaj, qmin := harVersion(e.Request.HTTPVersion)
	q := &Message{Head: httpcore.MessageHead{Method: e.Request.Method, URL: target, VersionMajor: qmaj, VersionMinor: qmin, ContentLength: -1}, Complete: true}
	// An empty Host gives way to the URL's, which the entry must have.
	for _, hv := range e.Request.Headers {
		if strings.HasPrefix(hv.Name, ":") || strings.EqualFold(hv.Name, "accept-encoding") || strings.EqualFold(hv.Name, "host") && hv.Value == "" {
			continue
		}
		q.Head.RawHeaders = append(q.Head.RawHeaders, hv.Name, hv.Value)
	}
	if !hasHeader(q.Head.RawHeaders, "host") {
		q.Head.RawHeaders = append([]string{"Host", u.Host}, q.Head.RawHeaders...)
	}
	if pd := e.Request.PostData; pd != nil {
		q.Body = []byte(pd.Text)
		if pd.Encoding == "base64" {
			if q.Body, err = base64.StdEncoding.DecodeString(pd.Text); err != nil {
				return at, nil, fmt.Errorf("request.postData.text is not base64: %v", err)
			}
		}
	}
	q.BodyBytes = int64(len(q.Body))
	t := e.Timings
	send, wait, receive := harDuration(t.Send), harDuration(t.Wait), harDuration(t.Receive)
	before := harDuration(t.Blocked) + harDuration(t.DNS) + harDuration(t.Connect)
	q.Start = before
	q.End = q.Start + send
	ex := &Exchange{Request: q}
	if e.Response.Status == 0 {
		ex.Problems = append(ex.Problems, &Error{Code: CodeNoResponse, Reason: "the HAR shows no response (status 0)" + harComment(e.Comment)})
		return at, ex, nil
	}
	if e.Response.Status < 100 || e.Response.Status > 999 {
		return at, nil, fmt.Errorf("response.status %d is not an HTTP status", e.Response.Status)
	}
	smaj, smin := harVersion(e.Response.HTTPVersion)
	s := &Message{Head: httpcore.MessageHead{StatusCode: e.Response.Status, StatusMessage: e.Response.StatusText, VersionMajor: smaj, VersionMinor: smin, ContentLength: -1}}
	s.Start = q.End + wait
	s.End = s.Start + receive
	ct := e.Response.Content
	if ct.Text != nil {
		s.Body = []byte(*ct.Text)
		if ct.Encoding == "base64" {
			if s.Body, err = base64.StdEncoding.DecodeString(*ct.Text); err != nil {
				return at, nil, fmt.Errorf("response.content.text is not base64: %v", err)
			}
		}
	}
	s.BodyBytes = int64(len(s.Body))
	s.Complete = ct.Text != nil || ct.Size <= 0
	if !s.Complete {
		s.MissingBytes = ct.Size
		ex.Problems = append(ex.Problems, &Error{Code: CodeIncomplete, Reason: fmt.Sprintf("the HAR holds no text for the response's %d bytes of content", ct.Size)})
	}
	encoded := false
	for _, hv := range e.Response.Headers {
		if strings.EqualFold(hv.Name, "content-encoding") && !strings.EqualFold(hv.Value, "identity") {
			encoded = true
		}
	}
	for _, hv := range e.Response.Headers {
		name, value := hv.Name, hv.Value
		switch {
		case strings.HasPrefix(name, ":"), encoded && strings.EqualFold(name, "content-encoding"):
			continue
		case strings.EqualFold(name, "content-length") && encoded:
			value = strconv.Itoa(len(s.Body))
		case strings.EqualFold(name, "transfer-encoding") && strings.Contains(strings.ToLower(value), "chunked"):
			s.Head.Chunked = true
		}
		s.Head.RawHeaders = append(s.Head.RawHeaders, name, value)
	}
	if v := headerValue(s.Head.RawHeaders, "content-length"); v != "" {
		s.Head.ContentLength, _ = strconv.ParseInt(v, 10, 64)
	}
	ex.Response = s
	ex.Complete = q.Complete && s.Complete
	return at, ex, nil
}

// harVersion reads "HTTP/1.1", "http/1.1" or "h2" as the version replay
// speaks: HTTP/2 and 3 entries are replayed as HTTP/1.1.
func harVersion(v string) (int, int) {
	if rest, ok := strings.CutPrefix(strings.ToUpper(v), "HTTP/"); ok {
		if maj, mn, ok := strings.Cut(rest, "."); ok && maj == "1" && (mn == "0" || mn == "1") {
			return 1, int(mn[0] - '0')
		}
	}
	return 1, 1
}

// harDuration is a HAR timing, where -1 means not applicable.
func harDuration(ms float64) time.Duration {
	if ms <= 0 {
		return 0
	}
	return time.Duration(ms * float64(time.Millisecond))
}

func harComment(c string) string {
	if c == "" {
		return ""
	}
	return ": " + c
}
