package httpcore

// server_response.go: http.ServerResponse — the status line, writeHead and
// the interim responses (100, 102, 103) on top of OutgoingMessage.

import (
	"regexp"
	"strconv"
	"strings"
)

// ServerResponse is Node's http.ServerResponse: the OutgoingMessage a server
// answers a request with.
type ServerResponse struct {
	OutgoingMessage

	// StatusCode is the status sent when the head is rendered implicitly;
	// 200 by default.
	StatusCode int
	// StatusMessage is the reason phrase; "" means the standard one.
	StatusMessage string
	// Req is the request this response answers.
	Req *IncomingMessage

	conn *serverConn
}

func (r *ServerResponse) implicitHeader() error { return r.WriteHead(r.StatusCode, "", nil) }

func (r *ServerResponse) pendingData(delta int) { r.conn.updateOutgoingData(delta) }

// hadError is false: only a client request suppresses 'finish' on a socket error.
func (r *ServerResponse) hadError() bool { return false }

func (r *ServerResponse) traceObj() string { return "sres" }

// unique is the server's uniqueHeaders, which cannot change once it is made.
func (r *ServerResponse) unique() map[string]bool { return r.conn.srv.unique }

// initServerResponse readies the zero response r to req.
func initServerResponse(r *ServerResponse, s *Server, c *serverConn, req *IncomingMessage, keepAlive bool) {
	r.StatusCode, r.Req, r.conn = 200, req, c
	r.init(s.loop, c.hwm)
	r.kind = r
	r.SendDate = true
	if req.Method == "HEAD" {
		r.hasBody = false
	}
	if req.HTTPVersionMajor < 1 || req.HTTPVersionMinor < 1 {
		te, _ := req.header("te")
		r.useChunkedEncodingByDefault = hasToken(te, "chunked")
	}
	r.rejectNonStandardBodyWrites = s.opts.RejectNonStandardBodyWrites
	r.keepAliveTimeout = s.KeepAliveTimeout
	r.maxRequestsPerSocket = s.MaxRequestsPerSocket
	r.shouldKeepAlive = keepAlive
	r.heads = &s.heads
}

// serverExchange is a request and its response, born together for each
// request and so allocated together; it is also the connection's listener
// for them.
type serverExchange struct {
	req IncomingMessage
	res ServerResponse
}

// exchangeFinish is the response's 'finish' listener (Node's resOnFinish).
type exchangeFinish serverExchange

func (h *exchangeFinish) Handle(struct{}) {
	x := (*serverExchange)(h)
	x.res.conn.onResponseFinish(x)
}

// exchangeReadEnd is the request's 'end' listener when the response
// finished before the request was read: the connection stops reading it.
type exchangeReadEnd serverExchange

func (h *exchangeReadEnd) Handle(struct{}) {
	x := (*serverExchange)(h)
	if c := x.res.conn; c.reading == &x.req {
		c.reading = nil
	}
}

func serverResponseEmitClose(r any) { r.(*ServerResponse).emitClose() }

// assignSocket gives the connection's socket to this response.
func (r *ServerResponse) assignSocket() {
	r.conn.current = r
	r.attach(r.conn.sock)
}

// detachSocket takes the socket back once the response finished.
func (r *ServerResponse) detachSocket() {
	if r.conn.current == r {
		r.conn.current = nil
	}
	r.detach()
}

// Destroy is response.destroy(err): it destroys the connection.
func (r *ServerResponse) Destroy(err error) {
	r.OutgoingMessage.Destroy(err)
	r.conn.checkGone()
}

// WriteHead is response.writeHead(statusCode, statusMessage, headers):
// statusMessage "" keeps the one set or the standard one; headers (as
// AddTrailers takes them) are merged over those set with SetHeader, and win.
func (r *ServerResponse) WriteHead(statusCode int, statusMessage string, headers any) error {
	if r.header != nil {
		return errHeadersSent("write")
	}
	if statusCode < 100 || statusCode > 999 {
		return &Error{Code: "ERR_HTTP_INVALID_STATUS_CODE", Message: "Invalid status code: " + strconv.Itoa(statusCode)}
	}
	fields, err := headerFieldsOf(headers)
	if err != nil {
		return err
	}
	switch {
	case statusMessage != "":
		r.StatusMessage = statusMessage
	case r.StatusMessage == "":
		r.StatusMessage = StatusText(statusCode)
		if r.StatusMessage == "" {
			r.StatusMessage = "unknown"
		}
	}
	r.StatusCode = statusCode
	own := r.fields != nil
	if own {
		for _, f := range fields {
			if f.name == "" {
				continue
			}
			if err := r.SetHeader(f.name, f.value); err != nil {
				return err
			}
		}
	}
	if checkInvalidHeaderChar(r.StatusMessage) {
		return &Error{Code: "ERR_INVALID_CHAR", Message: "Invalid character in statusMessage"}
	}
	if statusCode == 204 || statusCode == 304 || statusCode >= 100 && statusCode <= 199 {
		r.hasBody = false
	}
	// A client that expected 100 Continue and got a final status instead
	// may still send its body; the connection cannot be trusted after it.
	if r.expectContinue && !r.sent100 {
		r.shouldKeepAlive = false
	}
	return r.storeHeader(headLine{"", r.StatusMessage, statusCode}, fields, own)
}

// WriteContinue is response.writeContinue(cb): an interim 100 Continue.
func (r *ServerResponse) WriteContinue(cb func(error)) {
	r.writeRaw([]byte("HTTP/1.1 100 Continue\r\n\r\n"), writeCallback(cb))
	r.sent100 = true
}

// WriteProcessing is response.writeProcessing(cb): an interim 102 Processing.
func (r *ServerResponse) WriteProcessing(cb func(error)) {
	r.writeRaw([]byte("HTTP/1.1 102 Processing\r\n\r\n"), writeCallback(cb))
}

// linkValue is the shape Node accepts for an early-hints Link value.
var linkValue = regexp.MustCompile(`^<[^>]*>(?:\s*;\s*[^;"\s]+(?:=(?:"[^;"\s]*"|[^;"\s]*))?)*$`)

// WriteEarlyHints is response.writeEarlyHints(hints, cb): an interim 103
// Early Hints. The "link" entries (one value or several) become the Link
// header, the other fields follow in order. Nothing is sent without links.
func (r *ServerResponse) WriteEarlyHints(hints []HeaderField, cb func(error)) error {
	var links, extra []string
	for _, h := range hints {
		if h.Name != "link" {
			extra = append(extra, h.Name+": "+strings.Join(h.Values, ",")+"\r\n")
			continue
		}
		for _, l := range h.Values {
			if !linkValue.MatchString(l) {
				return errInvalidArgValue("hints", "'"+l+"'")
			}
			links = append(links, l)
		}
	}
	if len(links) == 0 {
		return nil
	}
	head := "HTTP/1.1 103 Early Hints\r\nLink: " + strings.Join(links, ", ") + "\r\n" + strings.Join(extra, "") + "\r\n"
	r.writeRaw([]byte(head), writeCallback(cb))
	return nil
}
