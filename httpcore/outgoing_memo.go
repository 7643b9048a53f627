package httpcore

import (
	"math"
	"unsafe"

	"github.com/simhttp/simhttp/internal/samestr"
	"github.com/simhttp/simhttp/internal/spares"
	"github.com/simhttp/simhttp/simnet"
)

// headLender is what an agent or a server keeps for the heads its
// messages render: the buffers they render into, taken back once the
// socket copied the head, so a keep-alive exchange allocates none, and
// the last head one of them rendered.
type headLender struct {
	spares.List[byte]               // the buffers; embedded, so that returnHead's Put costs the inliner no node more
	memo              *renderedHead // nil until a head is kept
}

// renderedHead is a head a message rendered, with everything its
// rendering read: what the first line was rendered from, the header lines
// (all of them strings), SendDate and the Date value it sent, and the
// message's headRegs and contentLength. Rendering such a head reads
// nothing else and calls nothing back, so a message that starts
// rendering with all of them equal renders the same bytes and leaves its
// headRegs and contentLength as the memo's did: a keep-alive client sends
// the same request head again and again, a server the same response
// head, and rendering them cost a GET about 1,300 instructions. Only
// heads that rendered without error and without Expect (which sends the
// head at once) are kept.
type renderedHead struct {
	valid       bool
	own         bool // rendered from the message's header store, not a list given
	sendDate    bool
	line        headLine
	bytes       []byte // the head
	date        string // the Date value the head sent; "": none
	nfields     int
	fields      [renderedFields]renderedField
	entry, exit headRegs
	// The message's contentLength before and after, as bits: NaN is a
	// value like any other here.
	entryLength, exitLength uint64

	// Heads rendered since the last replay: only the 1st, 2nd, 4th ...
	// 64th, and every 64th after, is kept, so that where heads never
	// repeat, the copying costs little.
	misses uint32
}

type renderedField struct{ name, value string }

// renderedFields is the most header lines a kept head was rendered from,
// and renderedMax its longest: an owner keeps a small memo, not the
// largest head it rendered.
const (
	renderedFields = 4
	renderedMax    = 512
)

// replayHead renders the head from the memo of m's lender, when the memo
// holds it, and reports whether it did.
func (m *OutgoingMessage) replayHead(line *headLine, source []field, own bool) bool {
	r := m.heads.memo
	if r == nil || !r.matches(m, line, source, own) {
		return false
	}
	r.misses = 0
	m.header = append(m.headBuffer(), r.bytes...)
	m.headRegs = r.exit
	m.contentLength = math.Float64frombits(r.exitLength)
	m.headerSent = false
	return true
}

func (r *renderedHead) matches(m *OutgoingMessage, line *headLine, source []field, own bool) bool {
	// The line's fields one by one: as a struct, Go compares it in a
	// function of its own.
	if !r.valid || r.own != own || r.line.status != line.status || !samestr.Equal(r.line.text, line.text) || !samestr.Equal(r.line.method, line.method) ||
		r.sendDate != m.SendDate || !m.headRegs.same(&r.entry) || math.Float64bits(m.contentLength) != r.entryLength {
		return false
	}
	if own {
		if len(m.fields) != r.nfields {
			return false
		}
		for i := range m.fields {
			e := &m.fields[i]
			if v, ok := e.value.(string); !ok || !samestr.Equal(e.name, r.fields[i].name) || !samestr.Equal(v, r.fields[i].value) {
				return false
			}
		}
	} else {
		if len(source) != r.nfields {
			return false
		}
		for i := range source {
			f := &source[i]
			if v, ok := f.value.(string); !ok || !samestr.Equal(f.name, r.fields[i].name) || !samestr.Equal(v, r.fields[i].value) {
				return false
			}
		}
	}
	return r.date == "" || samestr.Equal(m.dateValue(), r.date)
}

// keeping returns the memo when the head a message of l's is about to
// render is to be kept (renderedHead.misses), making it with the first
// head; nil otherwise.
func (l *headLender) keeping(loop *simnet.Loop) *renderedHead {
	r := l.memo
	if r == nil {
		r = simnet.Alloc[renderedHead](loop)
		r.bytes = simnet.AllocSlice[byte](loop, renderedMax)[:0]
		l.memo = r
	}
	r.misses++
	if r.misses&(r.misses-1) == 0 || r.misses%64 == 0 {
		return r
	}
	return nil
}

// keep makes the memo the head m just rendered from line, with entry and
// entryLength its headRegs and contentLength before, when the memo can
// hold it.
func (r *renderedHead) keep(m *OutgoingMessage, line *headLine, source []field, own bool, date string, entry headRegs, entryLength float64) {
	if len(m.header) > cap(r.bytes) {
		return
	}
	// Every value is checked before any field is written: a head given
	// up halfway would leave the kept head's bytes under fields they were
	// not rendered from.
	var n int
	if own {
		if len(m.fields) > renderedFields || !allStrings(m.fields, func(e *headerEntry) any { return e.value }) {
			return
		}
		for i := range m.fields {
			r.fields[i] = renderedField{m.fields[i].name, m.fields[i].value.(string)}
		}
		n = len(m.fields)
	} else {
		if len(source) > renderedFields || !allStrings(source, func(f *field) any { return f.value }) {
			return
		}
		for i := range source {
			r.fields[i] = renderedField{source[i].name, source[i].value.(string)}
		}
		n = len(source)
	}
	r.valid, r.own, r.sendDate, r.line = true, own, m.SendDate, *line
	r.bytes = append(r.bytes[:0], m.header...)
	r.date, r.nfields = date, n
	r.entry, r.exit = entry, m.headRegs
	r.entryLength, r.exitLength = math.Float64bits(entryLength), math.Float64bits(m.contentLength)
}

// allStrings reports whether every value of s is a string, the only
// values a kept head is rendered from.
func allStrings[E any](s []E, value func(*E) any) bool {
	for i := range s {
		if _, ok := value(&s[i]).(string); !ok {
			return false
		}
	}
	return true
}

// headRegsWords is headRegs as the four words it is made of: plain
// memory without padding (two words, then 16 one-byte flags;
// TestHeadRegsWords), so comparing the words is ==. The two arrays below
// fail to compile when its size changes.
type headRegsWords [4]uint64

var (
	_ [unsafe.Sizeof(headRegs{}) - unsafe.Sizeof(headRegsWords{})]byte
	_ [unsafe.Sizeof(headRegsWords{}) - unsafe.Sizeof(headRegs{})]byte
)

// same is *a == *b, word by word in line: == calls memequal, whose loop
// took eight bytes a turn and about sixty instructions for 40 bytes.
func (a *headRegs) same(b *headRegs) bool {
	x, y := (*headRegsWords)(unsafe.Pointer(a)), (*headRegsWords)(unsafe.Pointer(b))
	return x[0] == y[0] && x[1] == y[1] && x[2] == y[2] && x[3] == y[3]
}
