package httpcore

import "github.com/simhttp/simhttp/internal/spares"

// headSpares is what the owner of parsers (a server, an agent) keeps for
// them between heads: the arrays they collect heads in, which a parser gives
// back once a head is complete, so an idle keep-alive connection's parser
// holds none and the next head takes them again (BenchmarkIdleHTTPConns);
// and the strings of recent heads, which a head repeating them shares.
type headSpares struct {
	buf    spares.List[byte]
	fields spares.List[fieldMark]
	recent recentStrings
}

// take gives p arrays for a head it starts collecting. An array is taken
// only while p has none, so nothing collected is ever replaced: marks
// made while buf was nil point at its start, which an empty array keeps.
func (s *headSpares) take(p *Parser) {
	if p.buf == nil {
		p.buf = s.buf.Take()
	}
	if p.fields == nil {
		p.fields = s.fields.Take()
	}
}

// emptyHead empties the collected head, giving its arrays back when p has
// spares.
func (p *Parser) emptyHead() {
	if p.spares == nil {
		p.buf, p.fields = p.buf[:0], p.fields[:0]
		return
	}
	p.spares.buf.Put(p.buf)
	p.spares.fields.Put(p.fields)
	p.buf, p.fields = nil, nil
}
