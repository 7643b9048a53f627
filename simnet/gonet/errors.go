package gonet

import (
	"context"
	"errors"
	"net"
	"os"
	"syscall"

	"github.com/simhttp/simhttp/simnet"
)

// errnos maps simnet's Node codes to the errno the Linux stack returns for
// the same event, so errors.Is(err, syscall.ECONNRESET) holds here exactly
// when it would on a real connection.
var errnos = map[string]syscall.Errno{
	"ECONNRESET":    syscall.ECONNRESET,
	"ECONNREFUSED":  syscall.ECONNREFUSED,
	"ECONNABORTED":  syscall.ECONNABORTED,
	"ETIMEDOUT":     syscall.ETIMEDOUT,
	"EPIPE":         syscall.EPIPE,
	"ENETUNREACH":   syscall.ENETUNREACH,
	"EHOSTUNREACH":  syscall.EHOSTUNREACH,
	"EADDRINUSE":    syscall.EADDRINUSE,
	"EADDRNOTAVAIL": syscall.EADDRNOTAVAIL,
}

// sysErr turns a simnet error into what the net package returns for it: an
// *os.SyscallError around the errno, named after the system call that
// failed ("connect", "read", "write", "bind", "listen"). Lookup failures
// become *net.DNSError; errors with no errno are returned as they are, so
// their Node code stays reachable through simnet.CodeOf.
func sysErr(call, host string, err error) error {
	code := simnet.CodeOf(err)
	if errno, ok := errnos[code]; ok {
		return os.NewSyscallError(call, errno)
	}
	switch code {
	case "ENOTFOUND":
		return &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	case "EAI_AGAIN":
		return &net.DNSError{Err: "server misbehaving", Name: host, IsTemporary: true}
	}
	return err
}

// opError wraps err the way the net package does for an operation on a
// connection or listener.
func opError(op string, local, remote net.Addr, err error) error {
	return &net.OpError{Op: op, Net: "tcp", Source: local, Addr: remote, Err: err}
}

// ctxErr is what the net package reports when a dial's context ends: its
// "i/o timeout" for a deadline (a net.Error whose Timeout is true, matching
// both context.DeadlineExceeded and os.ErrDeadlineExceeded) and "operation
// was canceled" for a cancellation.
func ctxErr(err error) error {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return errDialTimeout{}
	case errors.Is(err, context.Canceled):
		return errCanceled{}
	}
	return err
}

type errDialTimeout struct{}

func (errDialTimeout) Error() string   { return "i/o timeout" }
func (errDialTimeout) Timeout() bool   { return true }
func (errDialTimeout) Temporary() bool { return true }
func (errDialTimeout) Is(target error) bool {
	return target == context.DeadlineExceeded || target == os.ErrDeadlineExceeded
}

type errCanceled struct{}

func (errCanceled) Error() string        { return "operation was canceled" }
func (errCanceled) Is(target error) bool { return target == context.Canceled }

// UseError reports the adapter used where it cannot work: outside the
// testing/synctest bubble of Run, or on a world no Run is driving.
type UseError struct {
	Op   string // "Listen", "Dial", "Do"
	Host string // the host the call was for
	Why  string
}

func (e *UseError) Error() string {
	if e.Host == "" {
		return "gonet: " + e.Op + ": " + e.Why
	}
	return "gonet: " + e.Op + " on host \"" + e.Host + "\": " + e.Why
}
