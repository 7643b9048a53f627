package record

import (
	"fmt"
	"io"
	"time"

	"github.com/simhttp/simhttp/simnet"
)

// defaultEpoch is fixed so that captures never depend on when they were made.
var defaultEpoch = time.Date(2000, time.January, 1, 0, 0, 0, 0, time.UTC)

// Options configure a Recorder.
type Options struct {
	Format         Format    // PCAP (the zero value) or PCAPNG
	Comment        string    // pcapng section comment, such as "simhttp seed=42 features=..."; PCAPNG only
	IncludeDropped bool      // also record segments the network dropped (pcapng marks them with a comment)
	Epoch          time.Time // the capture time of virtual time zero; 2000-01-01 00:00 UTC when zero
}

// Recorder turns the observer stream into a capture file.
type Recorder struct {
	out            sink
	framer         *framer
	epoch          time.Time
	includeDropped bool
	seen           int   // packet events observed, for naming a bad one
	packets        int   // packets written
	err            error // the first error
	stopped        bool  // a write failed, or Close was called
}

// NewRecorder starts a capture on w with the file header, buffered like the
// packets that follow; Close flushes but does not close w.
func NewRecorder(w io.Writer, opts Options) (*Recorder, error) {
	out, err := newSink(w, opts)
	if err != nil {
		return nil, err
	}
	epoch := opts.Epoch
	if epoch.IsZero() {
		epoch = defaultEpoch
	}
	if !out.fits(epoch) {
		return nil, fmt.Errorf("record: Options.Epoch %v: %w of %v", epoch, ErrTimeOutOfRange, opts.Format)
	}
	return &Recorder{out: out, framer: newFramer(), epoch: epoch, includeDropped: opts.IncludeDropped}, nil
}

// Observe records ev when it carries a packet and ignores every other event,
// so it can be used as a simnet.Observer. A packet that cannot be framed is
// left out and reported by Close; after a write error, or after Close,
// nothing more is recorded.
func (r *Recorder) Observe(ev simnet.Event) {
	p := ev.Packet
	if p == nil || r.stopped || (p.Dropped && !r.includeDropped) {
		return
	}
	r.seen++
	ts := r.epoch.Add(ev.T)
	if ev.T < 0 || !r.out.fits(ts) {
		r.fail(&PacketError{Index: r.seen, Conn: p.Conn, T: ev.T, Err: ErrTimeOutOfRange})
		return
	}
	frame, err := r.framer.frame(p)
	if err != nil {
		r.fail(&PacketError{Index: r.seen, Conn: p.Conn, T: ev.T, Err: err})
		return
	}
	if err := r.out.write(ts, frame, p.Dropped); err != nil {
		r.fail(fmt.Errorf("record: writing packet %d: %w", r.seen, err))
		r.stopped = true
		return
	}
	r.packets++
}

func (r *Recorder) fail(err error) {
	if r.err == nil {
		r.err = err
	}
}

// Close flushes the capture and returns the first error seen; a packet event
// after Close is ignored.
func (r *Recorder) Close() error {
	if !r.stopped {
		r.stopped = true
		if err := r.out.flush(); err != nil {
			r.fail(fmt.Errorf("record: flushing capture: %w", err))
		}
	}
	return r.err
}

// Packets returns how many packets have been written.
func (r *Recorder) Packets() int { return r.packets }
