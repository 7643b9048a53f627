package diagram

import (
	"bufio"
	"io"
	"strings"
)

// Mermaid writes events as a Mermaid sequence diagram, for Markdown that
// renders it (GitHub, GitLab): participants in the same order as the SVG's
// lanes, virtual time at the start of each note where it moved on.
func Mermaid(out io.Writer, t Trace) error {
	l := lay(t)
	w := bufio.NewWriter(out)
	w.WriteString("sequenceDiagram\n")
	for i, ln := range l.lanes {
		w.WriteString("    participant " + mermaidID(i) + " as " + mermaidText(ln.label) + "\n")
	}
	last := ""
	for _, r := range l.rows {
		text := r.label
		if t := r.t.String(); t != last {
			last = t
			text = "[" + t + "] " + text
		}
		if r.diff {
			w.WriteString("    rect rgb(255, 210, 210)\n")
		}
		switch {
		case r.kind == "end":
			w.WriteString("    Note over " + mermaidID(0) + ": " + mermaidText(text) + "\n")
		case (r.kind == "seg" || r.kind == "drop") && r.from != r.to:
			arrow := "->>"
			if r.kind == "drop" {
				arrow = "-x"
			}
			w.WriteString("    " + mermaidID(r.from) + arrow + mermaidID(r.to) + ": " + mermaidText(text) + "\n")
		default:
			w.WriteString("    Note over " + mermaidID(r.from) + ": " + mermaidText(text) + "\n")
		}
		if r.diff {
			note := "first difference"
			if r.expected != "" {
				note += ": expected " + r.expected
			}
			w.WriteString("    Note right of " + mermaidID(max(r.from, 0)) + ": " + mermaidText(note) + "\n")
			w.WriteString("    end\n")
		}
	}
	return w.Flush()
}

// mermaidID names lane i in the diagram's source; labels carry the names
// people read ("req#1"), which are not valid identifiers.
func mermaidID(i int) string { return "L" + itoa(i) }

// mermaidText keeps a label from ending the line or the statement early:
// Mermaid reads ";" and "#" specially, and newlines end a statement.
var mermaidText = strings.NewReplacer("\n", " ", ";", ",", "#", "#35;").Replace
