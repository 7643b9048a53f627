package simnet

import (
	"errors"
	"fmt"
)

// Error is a Node-style system or library error: a stable Code (ECONNRESET,
// ERR_INVALID_ARG_VALUE, ...) and Node's message.
type Error struct {
	Code    string // Node's err.code
	Message string // Node's err.message, without the "Error: " prefix
	Syscall string // err.syscall for system errors ("connect", "read", "write", "getaddrinfo")
	Field   string // for rule and option validation: the offending field
	Err     error  // the underlying cause, if any
}

func (e *Error) Error() string { return e.Message }

func (e *Error) Unwrap() error { return e.Err }

// Is matches any *Error with the same Code, so errors.Is(err, ErrConnReset)
// holds for every ECONNRESET whatever its message.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code && e.Code != ""
}

// NodeCode returns the Node error code.
func (e *Error) NodeCode() string { return e.Code }

// Sentinels for errors.Is; the errors actually returned carry full messages.
var (
	ErrConnReset       = &Error{Code: "ECONNRESET", Message: "ECONNRESET"}
	ErrConnRefused     = &Error{Code: "ECONNREFUSED", Message: "ECONNREFUSED"}
	ErrNotFound        = &Error{Code: "ENOTFOUND", Message: "ENOTFOUND"}
	ErrTimedOut        = &Error{Code: "ETIMEDOUT", Message: "ETIMEDOUT"}
	ErrAddrInUse       = &Error{Code: "EADDRINUSE", Message: "EADDRINUSE"}
	ErrPipe            = &Error{Code: "EPIPE", Message: "EPIPE"}
	ErrInvalidArg      = &Error{Code: "ERR_INVALID_ARG_VALUE", Message: "ERR_INVALID_ARG_VALUE"}
	ErrStreamDestroyed = &Error{Code: "ERR_STREAM_DESTROYED", Message: "ERR_STREAM_DESTROYED"}
	ErrWriteAfterEnd   = &Error{Code: "ERR_STREAM_WRITE_AFTER_END", Message: "ERR_STREAM_WRITE_AFTER_END"}
)

// ErrMaxCallStack is what an Emitter panics with, as Node's emit throws a
// RangeError "Maximum call stack size exceeded", when a listener re-emits
// its own event without end. Node's error has no code; this one carries
// simnet's own, ERR_SIMNET_MAX_CALL_STACK, so errors.Is can match it.
var ErrMaxCallStack = &Error{Code: "ERR_SIMNET_MAX_CALL_STACK", Message: "Maximum call stack size exceeded"}

// sysError builds a system error the way libuv-backed Node modules word it:
// "read ECONNRESET", "connect ECONNREFUSED 10.0.0.2:80".
func sysError(code, syscall, addr string) *Error {
	msg := syscall + " " + code
	if addr != "" {
		msg += " " + addr
	}
	return &Error{Code: code, Message: msg, Syscall: syscall}
}

// invalidField reports an impossible rule or option, naming the field.
func invalidField(field, format string, args ...any) *Error {
	return &Error{
		Code:    "ERR_INVALID_ARG_VALUE",
		Message: fmt.Sprintf("%s: %s", field, fmt.Sprintf(format, args...)),
		Field:   field,
	}
}

// CodeOf returns the Node error code carried by err or anything it wraps,
// or "" when there is none.
func CodeOf(err error) string {
	var c interface{ NodeCode() string }
	if errors.As(err, &c) {
		return c.NodeCode()
	}
	return ""
}
