package httpcore

import "fmt"

// Error is a Node-style error of the http module: Code is Node's err.code.
type Error struct {
	Code    string // Node's err.code, e.g. ERR_INVALID_HTTP_TOKEN
	Message string // Node's err.message
	Err     error  // the underlying cause, if any
}

func (e *Error) Error() string { return e.Message }

func (e *Error) Unwrap() error { return e.Err }

// Is matches any *Error with the same Code, so a sentinel built from a code
// alone finds every error of that kind whatever its message.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code && e.Code != ""
}

// NodeCode returns the Node error code.
func (e *Error) NodeCode() string { return e.Code }

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
