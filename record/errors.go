package record

import (
	"errors"
	"fmt"
	"time"
)

// Causes a Recorder reports, matched with errors.Is.
var (
	ErrUnknownFormat   = errors.New("unknown capture format")
	ErrInvalidComment  = errors.New("invalid section comment")
	ErrTimeOutOfRange  = errors.New("time outside what the capture format can hold")
	ErrInvalidAddress  = errors.New("packet address is not set")
	ErrMixedFamilies   = errors.New("packet mixes IPv4 and IPv6 addresses")
	ErrSegmentTooLarge = errors.New("segment does not fit in one IP packet")
)

// PacketError reports a packet the Recorder could not frame; that packet is
// left out of the capture and later ones are still recorded.
type PacketError struct {
	Index int           // 1-based position among the packet events the Recorder saw
	Conn  int           // the packet's connection number
	T     time.Duration // the packet's virtual time
	Err   error         // the cause
}

func (e *PacketError) Error() string {
	return fmt.Sprintf("record: packet %d (conn %d, t=%v): %v", e.Index, e.Conn, e.T, e.Err)
}

func (e *PacketError) Unwrap() error { return e.Err }
