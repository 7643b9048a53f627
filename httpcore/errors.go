package httpcore

import (
	"fmt"

	"github.com/simhttp/simhttp/simnet"
)

// Error is a Node-style error of the http module, the same type the network
// layer uses: Code is Node's err.code, and errors.Is matches by code, so
// errors.Is(err, simnet.ErrConnReset) holds for "socket hang up" too.
type Error = simnet.Error

// newError builds an *Error with Node's code and a formatted message.
func newError(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ParseError is an llhttp failure as Node reports it.
type ParseError struct {
	Code        string // "HPE_INVALID_METHOD", "HPE_HEADER_OVERFLOW", ...
	Reason      string // llhttp's reason, e.g. "Invalid method encountered"
	BytesParsed int    // err.bytesParsed: bytes of the failing Execute input consumed before the error
	RawPacket   []byte // err.rawPacket: a copy of the Execute input in which the error happened
}

// Error returns Node's err.message: "Parse Error: <Reason>", or just "Parse
// Error" for an error without RawPacket, which Node raises at the end of the
// stream without preparing it the way it prepares errors from its input.
func (e *ParseError) Error() string {
	if e.RawPacket == nil {
		return "Parse Error"
	}
	return "Parse Error: " + e.Reason
}

// NodeCode returns the HPE_* code.
func (e *ParseError) NodeCode() string { return e.Code }

// Is matches any *ParseError with the same Code.
func (e *ParseError) Is(target error) bool {
	t, ok := target.(*ParseError)
	return ok && t.Code == e.Code && e.Code != ""
}
