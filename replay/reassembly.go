package replay

// One direction of a TCP connection put back in order: segments arrive in
// capture order, possibly out of order, repeated or overlapping; bytes leave
// in stream order exactly once, and a hole the capture will never fill leaves
// as a gap so what follows it can still be read.

import "slices"

const (
	// maxPending bounds the out-of-order bytes held for one direction; past
	// it the oldest hole is declared lost.
	maxPending = 4 << 20
	// maxAckJump bounds how far an acknowledgement may declare bytes lost at
	// once, so a garbage ack field cannot invent a gigabyte-sized gap.
	maxAckJump = 1 << 30
)

// pktInfo says which packet brought some bytes, for timing and for messages.
type pktInfo struct {
	num int   // 1-based packet number
	ts  int64 // nanoseconds since the first packet of the capture
}

// streamSink consumes a reassembled direction.
type streamSink interface {
	// data receives the next bytes of the stream; b is only valid during the call.
	data(b []byte, pkt pktInfo)
	// gap says n bytes at stream offset off were never captured.
	gap(off, n int64, pkt pktInfo)
	// fin says the sender closed its side after the last byte delivered.
	fin(pkt pktInfo)
}

// stream reassembles one direction. Offsets count bytes from the first byte
// after the SYN, or from the first byte seen when the SYN was not captured.
type stream struct {
	known   bool   // base is set
	fromSYN bool   // base came from a SYN, so offset 0 starts the conversation
	base    uint32 // sequence number of offset 0
	next    int64  // offset of the next byte to deliver
	finAt   int64  // offset of the FIN, -1 until one is seen
	finned  bool   // fin was delivered
	finPkt  pktInfo
	pending []chunk
	held    int // bytes in pending
}

// chunk is out-of-order data, or a hole of n bytes when data is nil.
type chunk struct {
	off  int64
	n    int
	data []byte
	pkt  pktInfo
}

func newStream() stream { return stream{finAt: -1} }

// syn notes the sender's initial sequence number.
func (s *stream) syn(seq uint32) {
	if !s.known {
		s.known, s.fromSYN, s.base = true, true, seq+1
	}
}

// at notes where a side stands from a segment without data, when nothing
// else placed it: in a capture that began mid-conversation, a pure ACK
// places the stream, so bytes the peer then acknowledges but the capture
// never showed are known lost.
func (s *stream) at(seq uint32) {
	if !s.known {
		s.known, s.base = true, seq
	}
}

// offset maps a sequence number to a stream offset near the current one,
// which is what makes wrap-around at 2^32 harmless.
func (s *stream) offset(seq uint32) int64 {
	return s.next + int64(int32(seq-(s.base+uint32(s.next))))
}

// segment takes one captured segment's payload (missing: bytes the capture
// cut off its end) and whether it carries a FIN.
func (s *stream) segment(seq uint32, payload []byte, missing int, fin bool, pkt pktInfo, sink streamSink) {
	if !s.known {
		s.known, s.base = true, seq
	}
	off := s.offset(seq)
	end := off + int64(len(payload))
	if fin && s.finAt < 0 {
		s.finAt, s.finPkt = end+int64(missing), pkt
	}
	if len(payload) > 0 {
		s.insert(chunk{off: off, n: len(payload), data: payload, pkt: pkt}, sink)
	}
	if missing > 0 {
		s.insert(chunk{off: end, n: missing, pkt: pkt}, sink)
	}
	s.drain(sink)
	s.checkFin(pkt, sink)
}

// insert delivers c at once when it continues the stream, and otherwise holds
// a copy until the bytes before it arrive.
func (s *stream) insert(c chunk, sink streamSink) {
	end := c.off + int64(c.n)
	if end <= s.next {
		return
	}
	if c.off <= s.next {
		s.deliver(c, sink)
		return
	}
	if c.data != nil {
		c.data = slices.Clone(c.data)
	}
	i := len(s.pending)
	for i > 0 && s.pending[i-1].off > c.off {
		i--
	}
	s.pending = slices.Insert(s.pending, i, c)
	s.held += c.n
	for s.held > maxPending && len(s.pending) > 0 {
		first := s.pending[0]
		sink.gap(s.next, first.off-s.next, first.pkt)
		s.next = first.off
		s.drain(sink)
	}
}

// deliver passes on the part of c past the delivered offset.
func (s *stream) deliver(c chunk, sink streamSink) {
	from, end := s.next, c.off+int64(c.n)
	s.next = end
	if c.data != nil {
		sink.data(c.data[from-c.off:], c.pkt)
		return
	}
	sink.gap(from, end-from, c.pkt)
}

// drain delivers held chunks that the stream has caught up with.
func (s *stream) drain(sink streamSink) {
	for len(s.pending) > 0 && s.pending[0].off <= s.next {
		c := s.pending[0]
		s.pending = slices.Delete(s.pending, 0, 1)
		s.held -= c.n
		if c.off+int64(c.n) > s.next {
			s.deliver(c, sink)
		}
	}
}

// acked takes the peer's acknowledgement number: bytes the peer acknowledged
// but the capture never showed were lost by the capture, not the network, and
// nothing will ever retransmit them.
func (s *stream) acked(ack uint32, pkt pktInfo, sink streamSink) {
	if !s.known {
		return
	}
	limit := s.offset(ack)
	if s.finAt >= 0 && limit > s.finAt {
		limit = s.finAt
	}
	if limit <= s.next || limit-s.next > maxAckJump {
		return
	}
	if len(s.pending) > 0 && s.pending[0].off < limit {
		limit = s.pending[0].off
	}
	if limit > s.next {
		from := s.next
		s.next = limit
		sink.gap(from, limit-from, pkt)
	}
	s.drain(sink)
	s.checkFin(pkt, sink)
}

// flush delivers everything held, holes and all, because no more packets
// will come: the connection was reset or the capture ended.
func (s *stream) flush(sink streamSink) {
	for len(s.pending) > 0 {
		c := s.pending[0]
		if c.off > s.next {
			from := s.next
			s.next = c.off
			sink.gap(from, c.off-from, c.pkt)
		}
		s.drain(sink)
	}
	if s.finAt > s.next {
		from := s.next
		s.next = s.finAt
		sink.gap(from, s.finAt-from, s.finPkt)
	}
	s.checkFin(s.finPkt, sink)
}

// checkFin delivers the FIN once every byte before it has been delivered.
func (s *stream) checkFin(pkt pktInfo, sink streamSink) {
	if s.finAt >= 0 && !s.finned && s.next >= s.finAt {
		s.finned = true
		sink.fin(pkt)
	}
}
