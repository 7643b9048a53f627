package httpcore

import (
	"github.com/simhttp/simhttp/internal/spares"
	"github.com/simhttp/simhttp/simnet"
)

// headSpares is what the owner of parsers (a server, an agent) keeps for
// them between heads: the arrays they collect heads in, which a parser gives
// back once a head is complete, so an idle keep-alive connection's parser
// holds none and the next head takes them again (BenchmarkIdleHTTPConns);
// the strings of recent heads, which a head repeating them shares; and the
// rest of a chunk that heads' RawHeaders arrays are cut from.
type headSpares struct {
	buf    spares.List[byte]
	fields spares.List[fieldMark]
	recent recentStrings
	memo   *headMemo    // made with the first head
	loop   *simnet.Loop // whose world's spares the memo comes from; nil: allocated
	raw    []string     // not handed out yet
	rawLen int          // how many strings the last chunk held
}

// maxRawChunk is how many RawHeaders strings one allocation serves, at
// most: 127 strings and the 8-byte type header Go puts before a
// pointerful object past 512 bytes fill the 2,048-byte size class. Up to
// 512 bytes, Go writes an object's pointer bitmap as it allocates it
// instead, which for a chunk of 32 strings, the most that fit, cost more
// than the rest of the allocation: a keep-alive GET's two heads, 12
// strings, took about 350 instructions of their chunks at 32 strings a
// chunk (cachegrind), which chunks of up to 127 strings cut by 230. A
// head of three lines as a keep-alive client sends them took an
// allocation of its own for its six strings; now twenty heads share one.
// Chunks double from the first head's size, as most servers and agents
// of a sweep seed see a head or two. What a chunk costs: a message a
// program keeps keeps its chunk alive, up to 2 kB.
const maxRawChunk = 127

// rawHeaders returns n zeroed strings of their own, cut from the current
// chunk, or allocated alone for a head too long to share one: their
// capacity ends with them, so an append copies rather than writing over
// the next head's. They are never nil, not even none before the first
// chunk: a head without fields has rawHeaders [], as Node's has, not null.
func (s *headSpares) rawHeaders(n int) []string {
	if n == 0 {
		return []string{}
	}
	if n > len(s.raw) {
		most := maxRawChunk / n * n
		if most < 2*n {
			return make([]string, n)
		}
		s.rawLen = min(max(2*s.rawLen, n), most)
		s.raw = make([]string, s.rawLen)
	}
	raw := s.raw[:n:n]
	s.raw = s.raw[n:]
	return raw
}

// The room of the arrays a head is first collected in: a head of a sweep's
// worlds fits them, and made at their size from the world's spares they
// are the next world's, where grown by append from nothing a head made
// four or five arrays, each garbage once its world passed.
const (
	headBufBytes = 256
	headFields   = 8
)

// take gives p arrays for a head it starts collecting. An array is taken
// only while p has none, so nothing collected is ever replaced: marks
// made while buf was nil point at its start, which an empty array keeps.
func (s *headSpares) take(p *Parser) {
	if p.buf == nil {
		if p.buf = s.buf.Take(); p.buf == nil && s.loop != nil {
			p.buf = simnet.AllocSlice[byte](s.loop, headBufBytes)[:0]
		}
	}
	if p.fields == nil {
		if p.fields = s.fields.Take(); p.fields == nil && s.loop != nil {
			p.fields = simnet.AllocSlice[fieldMark](s.loop, headFields)[:0]
		}
	}
}

// emptyHead empties the collected head, giving its arrays back when p has
// spares. A replayed head collects none, and a parser empties its head
// twice a message, so the test that there is nothing to empty inlines.
func (p *Parser) emptyHead() {
	if p.buf != nil || p.fields != nil {
		p.giveBackHead()
	}
}

// giveBackHead is emptyHead of a head that has arrays.
func (p *Parser) giveBackHead() {
	if p.spares == nil {
		p.buf, p.fields = p.buf[:0], p.fields[:0]
		return
	}
	p.spares.buf.Put(p.buf)
	p.spares.fields.Put(p.fields)
	p.buf, p.fields = nil, nil
}
