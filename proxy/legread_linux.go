//go:build linux

package proxy

import (
	"io"
	"net"
	"os"
	"runtime"
	"syscall"
	"time"
	"unsafe"
)

// A latency-bound load (one request at a time on one connection) pays,
// per message, for waking the proxy's parked thread; on a VM whose idle
// vCPUs halt at once that costs tens of microseconds, twice per round
// trip. So while a single connection is open, a leg's reader that finds
// its socket drained keeps polling for a short while before it parks: its
// own socket by reading it, the other leg's (where the reply to what was
// just forwarded will come) by peeking. When the other leg has bytes it
// parks at once, and the runtime's poller hands them to that leg's reader
// on the same thread, with no wake-up.
//
// A reader whose spins keep timing out stops spinning for a while, so a
// slow peer costs little CPU; so does a machine where more threads are
// runnable than its CPUs plus the spinning one: there a spin takes a CPU
// that other work waits for, and wake-ups are cheap since no CPU idles.
// The spin pays with GOMAXPROCS=1, as `simhttp proxy` runs: with more Ps,
// a thread sleeping in the poller is woken for the reply on another CPU
// all the same.
const (
	spinFor    = 100 * time.Microsecond
	spinMisses = 4   // spins in a row that time out before a reader rests
	spinRest   = 256 // parks a resting reader makes without spinning, and between two reads of the machine's load
)

// legReader reads one leg of a connection.
type legReader struct {
	rc     syscall.RawConn
	peer   int // the other leg's descriptor, peeked while spinning; -1 when unknown
	p      *Proxy
	misses int
	rest   int
	checks int  // parks until the machine's load is read again
	loaded bool // the machine was busy when last read
	one    [1]byte
	load   [128]byte

	// What step works on, kept here so that a read allocates nothing.
	step  func(fd uintptr) bool
	buf   []byte
	n     int
	err   error
	until time.Time
}

func newLegReader(p *Proxy, src, dst *net.TCPConn) (*legReader, error) {
	rc, err := src.SyscallConn()
	if err != nil {
		return nil, err
	}
	r := &legReader{rc: rc, p: p, peer: -1}
	if prc, err := dst.SyscallConn(); err == nil {
		_ = prc.Control(func(fd uintptr) { r.peer = int(fd) })
	}
	r.step = r.try
	return r, nil
}

// read reads the next bytes of the leg, as net.Conn's Read does.
func (r *legReader) read(buf []byte) (int, error) {
	r.buf = buf
	if err := r.rc.Read(r.step); err != nil {
		return 0, err
	}
	switch {
	case r.err != nil:
		return 0, os.NewSyscallError("read", r.err)
	case r.n == 0:
		return 0, io.EOF
	}
	return r.n, nil
}

// try reads the socket fd, spinning first when it is drained and that
// may pay; false parks the reader until fd is readable.
func (r *legReader) try(fd uintptr) bool {
	r.until = time.Time{}
	for {
		r.n, r.err = syscall.Read(int(fd), r.buf)
		switch {
		case r.err == syscall.EINTR:
			continue
		case r.err != syscall.EAGAIN:
			if !r.until.IsZero() {
				r.misses = 0
			}
			return true
		case r.until.IsZero():
			if !r.shouldSpin() {
				return false
			}
			r.until = time.Now().Add(spinFor)
		case time.Now().After(r.until):
			r.missed()
			return false
		}
		if r.peerReady() {
			r.misses = 0
			return false
		}
	}
}

func (r *legReader) shouldSpin() bool {
	if r.peer < 0 || r.p.opts.NoSpin || r.p.open.Load() != 1 {
		return false
	}
	if r.checks--; r.checks <= 0 {
		r.checks, r.loaded = spinRest, r.busy()
	}
	if r.loaded {
		return false
	}
	if r.rest > 0 {
		r.rest--
		return false
	}
	return true
}

// busy reports whether more threads are runnable than the CPUs and the
// spinning one; false if /proc/loadavg cannot be read.
func (r *legReader) busy() bool {
	fd, err := syscall.Open("/proc/loadavg", syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return false
	}
	n, err := syscall.Read(fd, r.load[:])
	_ = syscall.Close(fd)
	return err == nil && runnable(r.load[:n]) > runtime.NumCPU()+1
}

// runnable reads the number of runnable threads from /proc/loadavg's
// fourth field, "runnable/total"; 0 if there is none.
func runnable(loadavg []byte) int {
	fields, n := 0, 0
	for _, b := range loadavg {
		switch {
		case b == ' ':
			fields++
		case fields == 3 && b >= '0' && b <= '9':
			n = n*10 + int(b-'0')
		case fields == 3:
			return n
		}
	}
	return 0
}

func (r *legReader) missed() {
	if r.misses++; r.misses >= spinMisses {
		r.misses, r.rest = 0, spinRest
	}
}

// peerReady reports whether the other leg has bytes (or an end) to read.
// syscall.Recvfrom would allocate the sender's address on every call.
func (r *legReader) peerReady() bool {
	_, _, e := syscall.Syscall6(syscall.SYS_RECVFROM, uintptr(r.peer), uintptr(unsafe.Pointer(&r.one[0])), 1,
		syscall.MSG_PEEK|syscall.MSG_DONTWAIT, 0, 0)
	return e != syscall.EAGAIN
}
