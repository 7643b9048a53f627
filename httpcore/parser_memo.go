package httpcore

import (
	"unsafe"

	"github.com/simhttp/simhttp/simnet"
)

// headMemo is the last head the parsers of one agent or server read whole
// from one input: the bytes it came in, the registers its parse began and
// ended with, and what it collected. A keep-alive connection mostly sends
// the same head again; a parser that begins a message with the registers
// the memo began with, at bytes equal to the memo's, ends the head as that
// parse did without running the states over it again, which cost a
// keep-alive GET about a sixth of its instructions. A head's parse reads
// nothing but its registers, its options and its bytes (a header line's
// fold check looks one byte past the line, and the last line's next byte
// is the head's own final CR), calls back nothing before its end, and is
// kept only when it succeeded and ended with its LF, so the replay has the
// same effects as the parse, errors included, of which there are none to
// have.
type headMemo struct {
	valid       bool
	took        bool   // the parse collected a piece, so it took arrays from the spares
	bytes       []byte // the head as received, then what its parse collected
	nraw        int
	fields      [recentFields]fieldMark
	nfields     int
	entry, exit parserRegs

	// The strings of the head, once a replay made them: later replays
	// hand them out without collecting the head or comparing it with the
	// recent strings again. Strings are immutable, so sharing them
	// between messages is not visible to them, as with recentStrings.
	named bool
	line  string
	strs  [2 * recentFields]string

	// Heads that began since the last replay and were not replayed. Only
	// the 1st, 2nd, 4th ... 64th of them, and every 64th after, is kept:
	// where heads never repeat, keeping each cost a GET more than a
	// thousand instructions, and a head that starts repeating is still
	// kept within 64 heads.
	misses uint32

	// The parser whose message began last without a replay, when its
	// head is to be kept, and its registers then: the head is kept if it
	// completes in the same input, before another parser's message
	// begins. A parser whose head never completes stays referenced here
	// until the next head of the agent or server begins: one parser, at
	// most, outlives its connection.
	pending      *Parser
	pendingEntry parserRegs
}

// headMemoMax is the longest head kept, so that a server or an agent keeps
// a small array for its memo, not the largest head it ever read twice; one
// of more than recentFields lines is not kept either.
const headMemoMax = 512

// replay ends the head p began at position at of data as the memo's parse
// did, and returns where the head's callback left the parser, when the
// memo holds that head; otherwise p's head may be the next one kept
// (misses says when). The memo is made with the first head: an agent or a
// server that never reads one is no larger for it
// (TestAgentKeepsItsSizeClass).
func (s *headSpares) replay(p *Parser, data []byte, at int) (int, bool) {
	m := s.memo
	if m == nil {
		m = s.newMemo()
		s.memo = m
	}
	raw := m.bytes[:m.nraw]
	if !m.valid || len(data)-at < len(raw) || string(data[at:at+len(raw)]) != string(raw) || !p.parserRegs.same(&m.entry) {
		m.pending = nil
		if m.misses++; m.misses&(m.misses-1) == 0 || m.misses%64 == 0 {
			m.pending, m.pendingEntry = p, p.parserRegs
		}
		return at, false
	}
	m.pending, m.misses = nil, 0
	p.parserRegs = m.exit
	p.replayed = true
	if m.took && !m.named {
		s.take(p)
		p.buf = append(p.buf, m.bytes[m.nraw:]...)
		p.fields = append(p.fields, m.fields[:m.nfields]...)
	}
	return p.headersComplete(data, at+len(raw)), true
}

// remember keeps p's head, which ends at position at of data, if it began
// in data with the registers the memo saw, is small enough and ends with
// an LF. A lenient head whose final CR has no LF after it ends at that CR,
// because of the byte after it, which is not the head's: the same bytes
// followed by an LF are a head one byte longer, and replayed they would
// leave the LF to the body.
func (s *headSpares) remember(p *Parser, data []byte, at int) {
	m := s.memo
	if m == nil || m.pending != p {
		return
	}
	m.pending = nil
	if p.headBytes != 0 || at-p.headFrom > headMemoMax || len(p.fields) > len(m.fields) || data[at-1] != '\n' {
		return
	}
	m.valid, m.took, m.named = true, p.buf != nil || p.fields != nil, false
	m.bytes = append(append(m.bytes[:0], data[p.headFrom:at]...), p.buf...)
	m.nraw = at - p.headFrom
	m.nfields = copy(m.fields[:], p.fields)
	m.entry, m.exit = m.pendingEntry, p.parserRegs
}

// name keeps the strings a replay of the memo's head was given.
func (m *headMemo) name(line string, raw []string) {
	m.named, m.line = true, line
	copy(m.strs[:], raw)
}

// strings are the start-line text and a fresh RawHeaders array of the
// memo's head, as headStrings gave them the first time it was replayed.
func (m *headMemo) strings(s *headSpares) (line string, raw []string) {
	raw = s.rawHeaders(2 * m.nfields)
	copy(raw, m.strs[:len(raw)])
	return m.line, raw
}

// headMemoBytes is the room a memo's bytes are made with: a head of
// headMemoMax and what its parse collected, which is never longer.
const headMemoBytes = 2 * headMemoMax

// newMemo makes the memo from the spares of the owner's world when it has
// them: a sweep's worlds each have agents and servers that read a head or
// two, and a fresh memo and its bytes were 7.5 kB of every seed.
func (s *headSpares) newMemo() *headMemo {
	if s.loop == nil {
		return new(headMemo)
	}
	m := simnet.Alloc[headMemo](s.loop)
	m.bytes = simnet.AllocSlice[byte](s.loop, headMemoBytes)[:0]
	return m
}

// parserRegsWords is parserRegs as the memory its fields fill: twelve
// words, the two-byte flags and twelve one-byte fields, 110 bytes without
// a gap (TestParserRegsWords), then two bytes of padding, which it does
// not compare. The two arrays below fail to compile when the
// size changes.
type parserRegsWords struct {
	w  [13]uint64
	t4 uint32
	t2 uint16
}

var (
	_ [unsafe.Sizeof(parserRegs{}) - unsafe.Sizeof(parserRegsWords{})]byte
	_ [unsafe.Sizeof(parserRegsWords{}) - unsafe.Sizeof(parserRegs{})]byte
)

// same is *a == *b, word by word in line: == called memequal on the 110
// bytes, some eighty instructions a head, twice a keep-alive GET.
func (a *parserRegs) same(b *parserRegs) bool {
	x, y := (*parserRegsWords)(unsafe.Pointer(a)), (*parserRegsWords)(unsafe.Pointer(b))
	return x.w[0] == y.w[0] && x.w[1] == y.w[1] && x.w[2] == y.w[2] && x.w[3] == y.w[3] &&
		x.w[4] == y.w[4] && x.w[5] == y.w[5] && x.w[6] == y.w[6] && x.w[7] == y.w[7] &&
		x.w[8] == y.w[8] && x.w[9] == y.w[9] && x.w[10] == y.w[10] && x.w[11] == y.w[11] &&
		x.w[12] == y.w[12] && x.t4 == y.t4 && x.t2 == y.t2
}
