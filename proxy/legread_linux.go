//go:build linux

package proxy

import (
	"io"
	"net"
	"os"
	"runtime"
	"sync/atomic"
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
// How long to poll is learned per leg from the replies it saw, because
// peers differ: wrk sends its next request within tens of microseconds of
// a response, a Node client's loop within a few hundred. The window
// starts at spinFor; a spin that times out doubles it, up to spinMax, and
// a reply seen after a gap g raises it to 2g when that is more, or else
// lets it fall by an eighth, never below spinFor. A reader whose spins
// keep timing out at spinMax stops spinning for a while, so a slow peer
// costs little CPU; so does a machine where more threads are runnable
// than its CPUs plus the spinning one: there a spin takes a CPU that other
// work waits for, and wake-ups are cheap since no CPU idles. The spin pays
// only with GOMAXPROCS=1, as `simhttp proxy` runs, so legs spin only then:
// with more Ps, a thread sleeping in the poller is woken for the reply on
// another CPU all the same.
const (
	spinFor    = 100 * time.Microsecond
	spinMax    = time.Millisecond
	spinMisses = 4   // spins in a row that time out at spinMax before a reader rests
	spinRest   = 256 // parks a resting reader makes without spinning, and spin decisions between two reads of the machine's load
)

// spinGate is what the legs of a proxy share to decide whether to spin:
// whether the machine is busy and how many Ps the proxy has, read at most
// once every spinRest decisions of all legs together.
type spinGate struct {
	decisions atomic.Uint64
	shut      atomic.Bool
	// loadavg reads /proc/loadavg into buf; tests replace it.
	loadavg func(buf []byte) (int, error)
}

// closed reports whether no leg may spin: when last read, more threads
// were runnable than the CPUs and the spinning one (a load that cannot be
// read is no load), or the proxy had more than one P.
func (g *spinGate) closed() bool {
	if g.decisions.Add(1)%spinRest == 1 {
		read := g.loadavg
		if read == nil {
			read = readLoadavg
		}
		var buf [128]byte
		n, err := read(buf[:])
		busy := err == nil && runnable(buf[:n]) > runtime.NumCPU()+1
		g.shut.Store(busy || runtime.GOMAXPROCS(0) != 1)
	}
	return g.shut.Load()
}

func readLoadavg(buf []byte) (int, error) {
	fd, err := syscall.Open("/proc/loadavg", syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return 0, err
	}
	defer syscall.Close(fd)
	return syscall.Read(fd, buf)
}

// legReader reads one leg of a connection.
type legReader struct {
	rc     syscall.RawConn
	peer   int // the other leg's descriptor, peeked while spinning; -1 when unknown
	p      *Proxy
	window time.Duration // how long the next spin may last
	misses int           // spins in a row that timed out at spinMax
	rest   int           // parks to make before spinning again
	one    [1]byte

	// What step works on, kept here so that a read allocates nothing.
	step  func(fd uintptr) bool
	buf   []byte
	n     int
	err   error
	since time.Time // when the spin began; zero when not spinning
}

func newLegReader(p *Proxy, src, dst *net.TCPConn) (*legReader, error) {
	rc, err := src.SyscallConn()
	if err != nil {
		return nil, err
	}
	r := &legReader{rc: rc, p: p, peer: -1, window: spinFor}
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
	r.since = time.Time{}
	for {
		r.n, r.err = syscall.Read(int(fd), r.buf)
		switch {
		case r.err == syscall.EINTR:
			continue
		case r.err != syscall.EAGAIN:
			if !r.since.IsZero() {
				r.replied(time.Since(r.since))
			}
			return true
		case r.since.IsZero():
			if !r.shouldSpin() {
				return false
			}
			r.since = time.Now()
		case time.Since(r.since) > r.window:
			r.timedOut()
			return false
		}
		if r.peerReady() {
			r.replied(time.Since(r.since))
			return false
		}
	}
}

func (r *legReader) shouldSpin() bool {
	if r.peer < 0 || r.p.opts.NoSpin || r.p.open.Load() != 1 || r.p.spin.closed() {
		return false
	}
	if r.rest > 0 {
		r.rest--
		return false
	}
	return true
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

// replied learns from a spin that saw bytes after gap.
func (r *legReader) replied(gap time.Duration) {
	r.misses = 0
	r.window = min(spinMax, max(spinFor, 2*gap, r.window-r.window/8))
}

// timedOut learns from a spin that saw nothing: the window was too short,
// or, at spinMax, the peer is too slow to wait for.
func (r *legReader) timedOut() {
	if r.window < spinMax {
		r.window = min(spinMax, 2*r.window)
		return
	}
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
