package realtcp

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"strconv"
	"syscall"

	"github.com/simhttp/simhttp/simnet"
)

// errnos are the OS errors a TCP connection meets, with the codes Node gives
// them and libuv's wording, which Node puts in listen errors.
var errnos = []struct {
	errno syscall.Errno
	code  string
	text  string
}{
	{syscall.ECONNREFUSED, "ECONNREFUSED", "connection refused"},
	{syscall.ECONNRESET, "ECONNRESET", "connection reset by peer"},
	{syscall.ECONNABORTED, "ECONNABORTED", "software caused connection abort"},
	{syscall.ETIMEDOUT, "ETIMEDOUT", "connection timed out"},
	{syscall.EPIPE, "EPIPE", "broken pipe"},
	{syscall.ENETUNREACH, "ENETUNREACH", "network is unreachable"},
	{syscall.EHOSTUNREACH, "EHOSTUNREACH", "host is unreachable"},
	{syscall.EADDRINUSE, "EADDRINUSE", "address already in use"},
	{syscall.EADDRNOTAVAIL, "EADDRNOTAVAIL", "address not available"},
	{syscall.EACCES, "EACCES", "permission denied"},
	{syscall.EPERM, "EPERM", "operation not permitted"},
	{syscall.EMFILE, "EMFILE", "too many open files"},
	{syscall.ENFILE, "ENFILE", "file table overflow"},
}

// classify finds Node's code for an OS error by its errno; deadlines count
// as ETIMEDOUT, and anything else is libuv's UNKNOWN.
func classify(err error) (code, text string) {
	for _, e := range errnos {
		if errors.Is(err, e.errno) {
			return e.code, e.text
		}
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return "ETIMEDOUT", "connection timed out"
	}
	return "UNKNOWN", "unknown error"
}

// hostPort writes an address the way Node's exceptions do: no brackets
// around IPv6, and no port when it is zero.
func hostPort(addr netip.Addr, port int) string {
	s := addr.String()
	if port > 0 {
		s += ":" + strconv.Itoa(port)
	}
	return s
}

// opError is a failed connect, read or write, worded as Node words it:
// "connect ECONNREFUSED 127.0.0.1:80", "read ECONNRESET".
func opError(op string, err error, addr string) *simnet.Error {
	code, _ := classify(err)
	msg := op + " " + code
	if addr != "" {
		msg += " " + addr
	}
	return &simnet.Error{Code: code, Message: msg, Syscall: op, Err: err}
}

// listenError is a failed bind, worded with libuv's text as Node does:
// "listen EADDRINUSE: address already in use 127.0.0.1:8080".
func listenError(err error, addr string) *simnet.Error {
	code, text := classify(err)
	return &simnet.Error{
		Code:    code,
		Message: "listen " + code + ": " + text + " " + addr,
		Syscall: "listen",
		Err:     err,
	}
}

// lookupError is a failed name lookup, worded as getaddrinfo's in Node:
// "getaddrinfo ENOTFOUND example.invalid".
func lookupError(err error, host string) *simnet.Error {
	code := "EAI_FAIL"
	var dns *net.DNSError
	switch {
	case errors.As(err, &dns) && dns.IsNotFound:
		code = "ENOTFOUND"
	case errors.As(err, &dns) && (dns.IsTimeout || dns.IsTemporary),
		errors.Is(err, context.DeadlineExceeded):
		code = "EAI_AGAIN"
	}
	return &simnet.Error{Code: code, Message: "getaddrinfo " + code + " " + host, Syscall: "getaddrinfo", Err: err}
}

// notFound is the lookup error for a name that resolved to no address of
// the family asked for.
func notFound(host string) *simnet.Error {
	return &simnet.Error{Code: "ENOTFOUND", Message: "getaddrinfo ENOTFOUND " + host, Syscall: "getaddrinfo"}
}

// badPort is Node's ERR_SOCKET_BAD_PORT for a port outside 0..65535; lead
// is how Node starts the message: "Port" for connect, "options.port" for listen.
func badPort(lead string, port int) *simnet.Error {
	return &simnet.Error{
		Code:    "ERR_SOCKET_BAD_PORT",
		Message: lead + " should be >= 0 and < 65536. Received type number (" + strconv.Itoa(port) + ").",
		Field:   "options.port",
	}
}

// badFamily is Node's ERR_INVALID_ARG_VALUE for a family other than 0, 4 or 6.
func badFamily(family int) *simnet.Error {
	return &simnet.Error{
		Code:    "ERR_INVALID_ARG_VALUE",
		Message: "The property 'options.family' must be one of: 0, 4, 6. Received " + strconv.Itoa(family),
		Field:   "options.family",
	}
}

// badIP is Node's ERR_INVALID_IP_ADDRESS for a localAddress that is not an
// IP address.
func badIP(field, s string) *simnet.Error {
	return &simnet.Error{Code: "ERR_INVALID_IP_ADDRESS", Message: "Invalid IP address: " + s, Field: field}
}
