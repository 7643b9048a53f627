package httpcore

import "slices"

// recentStrings are the start-line text and the header names and values of
// the heads a server's or an agent's parsers completed last, by position:
// keep-alive heads mostly repeat them, and a head whose every piece equals
// the string kept at its position takes those strings instead of a copy of
// its bytes. Strings are immutable, so sharing one between messages is not
// visible to them.
type recentStrings struct {
	line   string
	fields [2 * recentFields]string // name, value, name, value...

	// The last head kept whole, when it had no more than recentFields
	// lines: its collected bytes and where its pieces lie. A head equal in
	// both has every piece equal to the strings kept, which one comparison
	// of the bytes finds where one per piece did.
	whole   bool
	head    string
	lineEnd int
	marks   [recentFields]fieldMark
	nMarks  int
}

// recentFields is how many header lines are kept: a head has a handful,
// and a keep-alive exchange repeats them in the same order.
const recentFields = 8

// recentHeadMax is the longest head whose strings are kept: every kept
// string holds on to the copy of the head it was cut from, so a long head
// kept once would stay for as long as its server or agent.
const recentHeadMax = 256

// headStrings returns the head's start-line text (URL or status message) and
// its raw headers: strings kept in r where the bytes equal them, cut from one
// copy of the head otherwise; r, if not nil, then keeps the new ones.
func (p *Parser) headStrings(r *recentStrings) (line string, raw []string) {
	if p.spares != nil {
		raw = p.spares.rawHeaders(2 * len(p.fields))
	} else {
		raw = make([]string, 2*len(p.fields))
	}
	if r != nil && r.holds(p, raw) {
		return r.line, raw
	}
	s := string(p.buf)
	keep := r != nil && len(s) <= recentHeadMax
	line = s[:p.lineEnd]
	if keep {
		r.line = line
	}
	for i := range raw {
		// An empty string here is either a piece r did not hold or an
		// empty one, which s gives as well.
		if raw[i] != "" {
			continue
		}
		from, to := p.piece(i)
		raw[i] = s[from:to]
		if keep && i < len(r.fields) {
			r.fields[i] = raw[i]
		}
	}
	if keep {
		r.keepWhole(p, s)
	}
	return line, raw
}

// keepWhole remembers p's head, of which s is the copy r's strings were
// just cut from or found equal to.
func (r *recentStrings) keepWhole(p *Parser, s string) {
	r.whole = len(p.fields) <= recentFields
	if !r.whole {
		return
	}
	r.head, r.lineEnd = s, p.lineEnd
	r.nMarks = copy(r.marks[:], p.fields)
}

// holds puts into raw the kept strings equal to p's pieces at their
// positions, and reports whether r held all of them and the start line.
func (r *recentStrings) holds(p *Parser, raw []string) bool {
	if r.whole && p.lineEnd == r.lineEnd && string(p.buf) == r.head && slices.Equal(p.fields, r.marks[:r.nMarks]) {
		copy(raw, r.fields[:len(raw)]) // one block move, not a write per string
		return true
	}
	all := len(raw) <= len(r.fields) && r.line == string(p.buf[:p.lineEnd])
	for i := range min(len(raw), len(r.fields)) {
		from, to := p.piece(i)
		if r.fields[i] == string(p.buf[from:to]) {
			raw[i] = r.fields[i]
		} else {
			all = false
		}
	}
	return all
}

// piece locates raw header entry i (name at even i, value at odd) in p.buf,
// a value without its trailing SP and HTAB, as Node's binding trims it.
func (p *Parser) piece(i int) (from, to int) {
	f := p.fields[i/2]
	if i%2 == 0 {
		return f.nameFrom, f.nameTo
	}
	if f.valueFrom < 0 {
		return 0, 0
	}
	end := f.valueTo
	for end > f.valueFrom && (p.buf[end-1] == ' ' || p.buf[end-1] == '\t') {
		end--
	}
	return f.valueFrom, end
}
