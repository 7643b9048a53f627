package simnet

// segQueue is a FIFO of segments that reuses its backing array, so a
// connection in steady state queues segments without allocating.
type segQueue struct {
	q    []segment
	head int
}

func (s *segQueue) push(seg segment) { s.q = append(s.q, seg) }

func (s *segQueue) pop() segment {
	seg := s.q[s.head]
	s.q[s.head] = segment{}
	s.head++
	if s.head == len(s.q) {
		s.q, s.head = s.q[:0], 0
	}
	return seg
}
