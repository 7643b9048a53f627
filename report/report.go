// Package report writes the results of a run of scenarios as one
// self-contained HTML page: every scenario with its status, seed, the
// command that reproduces it, and a sequence diagram of its trace. The page
// fetches nothing: its CSS, script and SVG are inline, so it can be mailed,
// archived as a CI artifact or opened offline.
package report

import (
	"bytes"
	_ "embed"
	"html/template"
	"io"
	"slices"
	"strings"

	"github.com/simhttp/simhttp/diagram"
	"github.com/simhttp/simhttp/simnet"
)

// Scenario is one scenario's outcome as the report shows it.
type Scenario struct {
	Feature   string // the feature's name
	Name      string // the scenario's name
	Ref       string // FILE:LINE of its Scenario keyword
	Seed      uint64
	Reproduce string // the command that runs it again
	Error     string // why it failed; empty when it passed
	Events    []simnet.Event
	// FirstDiff is the index in Events of the first event that differs
	// from what was expected (len(Events): the run ended before it), or -1.
	FirstDiff int
	Expected  string // the token expected at FirstDiff
}

// Run is what one report shows.
type Run struct {
	Title     string // the page's heading
	Command   string // the command line that ran the scenarios
	Scenarios []Scenario
}

//go:embed page.html
var pageSource string

var page = template.Must(template.New("report").Parse(pageSource))

// view is what the template reads.
type view struct {
	Run
	Style          template.CSS
	Passed, Failed int
	Items          []item
}

type item struct {
	Scenario
	Anchor  string
	Failed  bool
	Diagram template.HTML
	Events  int
}

// WriteHTML writes the report of run as one HTML page. Scenarios appear in
// file and line order, whatever order they finished in.
func WriteHTML(w io.Writer, run Run) error {
	scens := slices.Clone(run.Scenarios)
	slices.SortStableFunc(scens, func(a, b Scenario) int { return compareRefs(a.Ref, b.Ref) })
	v := view{Run: run, Style: template.CSS(diagram.Style)}
	var svg bytes.Buffer
	for i, s := range scens {
		svg.Reset()
		if err := diagram.SVGElement(&svg, diagram.Trace{Events: s.Events, FirstDiff: s.FirstDiff, Expected: s.Expected}); err != nil {
			return err
		}
		failed := s.Error != ""
		if failed {
			v.Failed++
		} else {
			v.Passed++
		}
		v.Items = append(v.Items, item{
			Scenario: s, Anchor: "s" + itoa(i+1), Failed: failed,
			// The diagram's text is escaped as it is drawn.
			Diagram: template.HTML(svg.String()), Events: len(s.Events),
		})
	}
	return page.Execute(w, v)
}

// compareRefs orders FILE:LINE references by file, then by line as a number.
func compareRefs(a, b string) int {
	fa, la := splitRef(a)
	fb, lb := splitRef(b)
	if c := strings.Compare(fa, fb); c != 0 {
		return c
	}
	return la - lb
}

func splitRef(ref string) (string, int) {
	i := strings.LastIndexByte(ref, ':')
	if i < 0 {
		return ref, 0
	}
	n := 0
	for _, c := range ref[i+1:] {
		if c < '0' || c > '9' {
			return ref, 0
		}
		n = n*10 + int(c-'0')
	}
	return ref[:i], n
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}
