package replay

import (
	"encoding/json"
	"fmt"
)

// Codes carried by [Error]. HTTP parse failures carry the parser's own HPE_*
// code and a reset connection carries Node's ECONNRESET instead.
const (
	CodeFormat       = "ERR_CAPTURE_FORMAT"     // not a pcap/pcapng file, or its block structure is corrupt
	CodeTruncated    = "ERR_CAPTURE_TRUNCATED"  // the file ends inside a header or a record
	CodeRecord       = "ERR_CAPTURE_RECORD"     // a record's lengths are impossible
	CodeLinkType     = "ERR_CAPTURE_LINK_TYPE"  // a link type this package does not decode
	CodeHeader       = "ERR_PACKET_HEADER"      // a corrupt link, IP or TCP header
	CodeFragment     = "ERR_PACKET_FRAGMENT"    // an IP fragment, which is not reassembled
	CodeSnapped      = "ERR_PACKET_SNAPPED"     // the capture kept only part of a packet
	CodeGap          = "ERR_TCP_GAP"            // stream bytes the capture never saw
	CodeNoResponse   = "ERR_NO_RESPONSE"        // a request that got no response
	CodeUnpaired     = "ERR_UNPAIRED_RESPONSE"  // a response with no request before it
	CodeIncomplete   = "ERR_INCOMPLETE_MESSAGE" // a message cut off by a close or by the end of the capture
	CodeSkipped      = "ERR_SKIPPED_BYTES"      // bytes passed over to find the next message
	CodeRequestLost  = "ERR_REQUEST_LOST"       // a request whose bytes fell in a hole of the capture
	CodeResponseLost = "ERR_RESPONSE_LOST"      // a response whose bytes fell in a hole of the capture
	CodeReset        = "ECONNRESET"             // the connection was reset
	CodeInvalidArg   = "ERR_INVALID_ARG_VALUE"  // an option of Run, NewMock or ServeMock is unusable
	CodeKeyLog       = "ERR_TLS_KEY_LOG"        // a key log line that cannot be read
	CodeNoKeys       = "ERR_TLS_NO_KEYS"        // a TLS connection the key log has no secrets for
	CodeTLS          = "ERR_TLS_RECORD"         // TLS records that cannot be framed or decrypted
	CodeHAR          = "ERR_HAR"                // a HAR file that is not HAR 1.2
	CodeHTTP2        = "ERR_HTTP2"              // a decrypted connection speaking HTTP/2, counted but not read
)

// Error is a typed failure or problem found in a capture: a stable Code, the
// 1-based packet number it concerns (0 for the file or connection as a
// whole), and the cause in words.
type Error struct {
	Code   string // one of the Code constants, or an HPE_* parser code
	Packet int    // 1-based packet number, 0 when no single packet is at fault
	Reason string // what is wrong and where, without the packet prefix
	Err    error  // the underlying cause, if any
}

// Sentinels for errors.Is: each matches every *Error with the same Code.
var (
	ErrFormat     = &Error{Code: CodeFormat, Reason: "not a capture file"}
	ErrTruncated  = &Error{Code: CodeTruncated, Reason: "truncated"}
	ErrRecord     = &Error{Code: CodeRecord, Reason: "impossible record length"}
	ErrLinkType   = &Error{Code: CodeLinkType, Reason: "unsupported link type"}
	ErrHeader     = &Error{Code: CodeHeader, Reason: "corrupt header"}
	ErrGap        = &Error{Code: CodeGap, Reason: "missing bytes"}
	ErrInvalidArg = &Error{Code: CodeInvalidArg, Reason: "invalid option"}
)

func (e *Error) Error() string {
	msg := e.Reason
	if e.Packet > 0 {
		msg = fmt.Sprintf("packet %d: %s", e.Packet, msg)
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Is matches any *Error with the same Code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// NodeCode returns the code, so simnet.CodeOf finds it.
func (e *Error) NodeCode() string { return e.Code }

// MarshalJSON writes the problem as {"code","packet","message"}, the message
// being the full Error text.
func (e *Error) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Code    string `json:"code"`
		Packet  int    `json:"packet,omitempty"`
		Message string `json:"message"`
	}{e.Code, e.Packet, e.Error()})
}

func problemf(code string, packet int, format string, args ...any) *Error {
	return &Error{Code: code, Packet: packet, Reason: fmt.Sprintf(format, args...)}
}

// invalidArg is the error for an unusable option, naming it and the cause.
func invalidArg(format string, args ...any) *Error {
	return &Error{Code: CodeInvalidArg, Reason: "replay: " + fmt.Sprintf(format, args...)}
}
