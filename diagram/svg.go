package diagram

import (
	"bufio"
	"html"
	"io"
	"strconv"
	"unicode/utf8"
)

// Geometry of an SVG diagram, in pixels.
const (
	timeColumn = 72  // the virtual-time axis on the left
	laneWidth  = 128 // one lane
	headHeight = 28  // the lane names
	rowHeight  = 17  // one event
	rightRoom  = 220 // for the label of the last lane and the difference note
)

// Style is the CSS of the diagram's classes; an HTML page with several
// diagrams includes it once, a standalone SVG inside itself.
const Style = `svg.seq{font:11px ui-monospace,Menlo,Consolas,monospace;background:#fff}
.seq .lane{font-weight:bold;fill:#234}
.seq .host{font-weight:bold;fill:#555}
.seq .life{stroke:#bbb;stroke-dasharray:2 3}
.seq .hostlife{stroke:#888}
.seq .tick{stroke:#eee}
.seq .t{fill:#777}
.seq .ev{fill:#246}
.seq .error{fill:#b00}
.seq .mark{fill:#a60}
.seq .seg{stroke:#58a;marker-end:url(#arr)}
.seq path{fill:none}
.seq .ah{fill:#58a}
.seq .nl{fill:#58a;font-size:10px}
.seq .drop{stroke:#b00;stroke-dasharray:4 2}
.seq .dl{fill:#b00;font-size:10px}
.seq .fault{fill:#e60;stroke:#900}
.seq .fl{fill:#c40;font-weight:bold}
.seq .diff{fill:#fdd;stroke:#d00}
.seq .dn{fill:#d00;font-weight:bold}
`

// SVG writes traces as one standalone SVG document, styles included: one
// diagram, or one under another (the example rows of an outline).
func SVG(w io.Writer, traces ...Trace) error {
	if len(traces) == 1 {
		return writeSVG(w, lay(traces[0]), true, 0)
	}
	layouts := make([]*layout, len(traces))
	width, height := 0, 0
	for i, t := range traces {
		layouts[i] = lay(t)
		lw, lh := layouts[i].size()
		width, height = max(width, lw), height+lh
	}
	s := &svgWriter{w: bufio.NewWriter(w)}
	s.p(`<svg xmlns="http://www.w3.org/2000/svg" width="`, itoa(width), `" height="`, itoa(height), `"><style>`, Style, `</style>`)
	y := 0
	for _, l := range layouts {
		if s.err == nil {
			s.err = writeSVG(s.w, l, false, y)
		}
		_, h := l.size()
		y += h
	}
	s.p(`</svg>`)
	if s.err == nil {
		s.err = s.w.Flush()
	}
	return s.err
}

// SVGElement writes t as an <svg> element for an HTML page that includes
// Style once.
func SVGElement(w io.Writer, t Trace) error {
	return writeSVG(w, lay(t), false, 0)
}

// size is the diagram's width and height, room for the difference note
// included.
func (l *layout) size() (int, int) {
	width := timeColumn + len(l.lanes)*laneWidth + rightRoom
	for _, r := range l.rows {
		if r.diff {
			width = max(width, noteX(r)+textWidth(diffNote(r))+8)
		}
	}
	return width, headHeight + len(l.rows)*rowHeight + rowHeight
}

// textWidth is about how wide text draws in the diagram's font.
func textWidth(s string) int { return 7 * utf8.RuneCountInString(s) }

// noteX is where the note on a difference starts: after the row's own
// label, or at the first lane for a run that ended early.
func noteX(r row) int {
	if r.from < 0 {
		return timeColumn
	}
	x := max(laneX(r.from), laneX(r.to))
	if r.from == r.to || r.kind == "fault" {
		x += 10 + textWidth(r.label)
	}
	return x + 12
}

func diffNote(r row) string {
	note := "◀ first difference"
	if r.kind == "end" {
		note = "the run ended here"
	}
	if r.expected != "" {
		note += ": expected " + r.expected
	}
	return note
}

// svgWriter collects the first write error, so drawing code stays plain.
type svgWriter struct {
	w   *bufio.Writer
	err error
}

func (s *svgWriter) p(parts ...string) {
	for _, x := range parts {
		if s.err == nil {
			_, s.err = s.w.WriteString(x)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func laneX(i int) int { return timeColumn + i*laneWidth + laneWidth/2 }

func rowY(i int) int { return headHeight + i*rowHeight + rowHeight/2 }

// writeSVG draws l as an <svg> element, placed at y inside an enclosing
// one; a standalone one is a document of its own.
func writeSVG(out io.Writer, l *layout, standalone bool, y int) error {
	s := &svgWriter{w: bufio.NewWriter(out)}
	width, height := l.size()
	s.p(`<svg class="seq" width="`, itoa(width), `" height="`, itoa(height), `" viewBox="0 0 `, itoa(width), " ", itoa(height), `"`)
	if y != 0 {
		s.p(` y="`, itoa(y), `"`)
	}
	if standalone {
		s.p(` xmlns="http://www.w3.org/2000/svg"><style>`, Style, `</style>`)
	} else {
		s.p(`>`)
	}
	s.p(`<defs><marker id="arr" viewBox="0 0 8 8" refX="8" refY="4" markerWidth="7" markerHeight="7" orient="auto"><path class="ah" d="M0 0L8 4L0 8z"/></marker></defs>`)
	// Background first: the highlighted row, the time ticks.
	last := ""
	for i, r := range l.rows {
		y := rowY(i)
		if r.diff {
			s.p(`<rect class="diff" x="1" y="`, itoa(y-rowHeight/2), `" width="`, itoa(width-2), `" height="`, itoa(rowHeight), `"/>`)
		}
		if t := r.t.String(); t != last {
			last = t
			s.p(`<path class="tick" d="M0 `, itoa(y-rowHeight/2), "H", itoa(width), `"/>`)
			s.p(`<text class="t" x="4" y="`, itoa(y+4), `">`, t, `</text>`)
		}
	}
	for i, ln := range l.lanes {
		x := itoa(laneX(i))
		class, life := "lane", "life"
		if ln.group == groupClientHosts || ln.group == groupServerHosts {
			class, life = "host", "hostlife"
		}
		s.p(`<text class="`, class, `" x="`, x, `" y="18" text-anchor="middle">`, html.EscapeString(ln.label), `</text>`)
		if ln.first >= 0 {
			s.p(`<path class="`, life, `" d="M`, x, " ", itoa(rowY(ln.first)-rowHeight/2), "V", itoa(rowY(ln.last)+rowHeight/2), `"/>`)
		}
	}
	for i, r := range l.rows {
		drawRow(s, r, rowY(i))
	}
	s.p(`</svg>`)
	if s.err == nil {
		s.err = s.w.Flush()
	}
	return s.err
}

func drawRow(s *svgWriter, r row, y int) {
	label := html.EscapeString(r.label)
	ys, yt := itoa(y), itoa(y+4)
	switch {
	case r.kind == "end":
	case r.kind == "fault":
		x := laneX(r.from)
		s.p(`<path class="fault" d="M`, itoa(x-6), " ", ys, "L", itoa(x), " ", itoa(y-7), "L", itoa(x+6), " ", ys, "L", itoa(x), " ", itoa(y+7), `z"/>`)
		s.p(`<text class="fl" x="`, itoa(x+9), `" y="`, yt, `">`, label, `</text>`)
	case (r.kind == "seg" || r.kind == "drop") && r.from != r.to:
		x1, x2 := laneX(r.from), laneX(r.to)
		textClass := "nl"
		if r.kind == "drop" {
			// A dropped segment stops halfway, crossed out.
			x2 = (x1 + x2) / 2
			textClass = "dl"
			s.p(`<path class="drop" d="M`, itoa(x1), " ", ys, "H", itoa(x2), `"/>`)
			s.p(`<text class="dl" x="`, itoa(x2-4), `" y="`, yt, `">×</text>`)
		} else {
			s.p(`<path class="seg" d="M`, itoa(x1), " ", ys, "H", itoa(x2), `"/>`)
		}
		s.p(`<text class="`, textClass, `" x="`, itoa((x1+x2)/2), `" y="`, itoa(y-2), `" text-anchor="middle">`, label, `</text>`)
	default:
		x := laneX(r.from)
		s.p(`<circle class="`, r.kind, `" cx="`, itoa(x), `" cy="`, ys, `" r="3"/>`)
		s.p(`<text class="`, r.kind, `" x="`, itoa(x+6), `" y="`, yt, `">`, label, `</text>`)
	}
	if r.diff {
		s.p(`<text class="dn" x="`, itoa(noteX(r)), `" y="`, yt, `">`, html.EscapeString(diffNote(r)), `</text>`)
	}
}
