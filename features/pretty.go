package features

import (
	"io"
	"regexp"
	"strconv"
	"sync"

	"github.com/cucumber/godog"
	"github.com/cucumber/godog/formatters"
	messages "github.com/cucumber/messages/go/v21"
)

// PrettyFormat is the name of godog's pretty formatter with each step
// pointing at its line in the feature file instead of at the Go function
// that runs it; `simhttp run --format pretty` uses it, and a godog suite
// importing the steps can name it in its godog.Options.Format.
const PrettyFormat = "simhttp-pretty"

func init() {
	godog.Format(PrettyFormat, "godog's pretty format, each step pointing at its feature line", newPretty)
}

// pretty wraps godog's pretty formatter: before each step is printed it
// tells the output which feature line the step is on, and the output puts
// that line where godog would name the step's Go function (for simhttp's
// steps always the same reflection stub).
type pretty struct {
	*godog.PrettyFmt
	mu    sync.Mutex
	out   *stepLineWriter
	lines map[string]map[string]int64 // feature URI -> AST step id -> line
}

func newPretty(suite string, out io.Writer) formatters.Formatter {
	w := &stepLineWriter{w: out}
	return &pretty{PrettyFmt: godog.NewPrettyFmt(suite, w), out: w, lines: map[string]map[string]int64{}}
}

// Feature indexes the lines of the feature's steps, then prints it.
func (f *pretty) Feature(gd *messages.GherkinDocument, uri string, content []byte) {
	f.mu.Lock()
	ids := map[string]int64{}
	steps := func(list []*messages.Step) {
		for _, s := range list {
			ids[s.Id] = s.Location.Line
		}
	}
	if gd.Feature != nil {
		for _, ch := range gd.Feature.Children {
			switch {
			case ch.Background != nil:
				steps(ch.Background.Steps)
			case ch.Scenario != nil:
				steps(ch.Scenario.Steps)
			case ch.Rule != nil:
				for _, rc := range ch.Rule.Children {
					if rc.Background != nil {
						steps(rc.Background.Steps)
					}
					if rc.Scenario != nil {
						steps(rc.Scenario.Steps)
					}
				}
			}
		}
	}
	f.lines[uri] = ids
	f.mu.Unlock()
	f.PrettyFmt.Feature(gd, uri, content)
}

// at runs print with the output knowing which feature line the step is on.
func (f *pretty) at(p *messages.Pickle, st *messages.PickleStep, print func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.out.loc = ""
	if line := f.lines[p.Uri][st.AstNodeIds[0]]; line > 0 {
		f.out.loc = p.Uri + ":" + strconv.FormatInt(line, 10)
	}
	print()
	f.out.loc = ""
}

// Passed prints a passed step.
func (f *pretty) Passed(p *messages.Pickle, st *messages.PickleStep, d *formatters.StepDefinition) {
	f.at(p, st, func() { f.PrettyFmt.Passed(p, st, d) })
}

// Skipped prints a skipped step.
func (f *pretty) Skipped(p *messages.Pickle, st *messages.PickleStep, d *formatters.StepDefinition) {
	f.at(p, st, func() { f.PrettyFmt.Skipped(p, st, d) })
}

// Undefined prints an undefined step.
func (f *pretty) Undefined(p *messages.Pickle, st *messages.PickleStep, d *formatters.StepDefinition) {
	f.at(p, st, func() { f.PrettyFmt.Undefined(p, st, d) })
}

// Failed prints a failed step.
func (f *pretty) Failed(p *messages.Pickle, st *messages.PickleStep, d *formatters.StepDefinition, err error) {
	f.at(p, st, func() { f.PrettyFmt.Failed(p, st, d, err) })
}

// Ambiguous prints an ambiguous step.
func (f *pretty) Ambiguous(p *messages.Pickle, st *messages.PickleStep, d *formatters.StepDefinition, err error) {
	f.at(p, st, func() { f.PrettyFmt.Ambiguous(p, st, d, err) })
}

// Pending prints a pending step.
func (f *pretty) Pending(p *messages.Pickle, st *messages.PickleStep, d *formatters.StepDefinition) {
	f.at(p, st, func() { f.PrettyFmt.Pending(p, st, d) })
}

// stepDefRef is how godog's pretty format names a step's Go function:
// "# file.go:line -> function", possibly inside colour codes.
var stepDefRef = regexp.MustCompile(`# [^\s\x1b]+\.go:\d+ -> [^\s\x1b]+`)

// stepLineWriter replaces the Go function a printed step names with the
// step's feature line, while one is set.
type stepLineWriter struct {
	w   io.Writer
	loc string
}

func (w *stepLineWriter) Write(p []byte) (int, error) {
	if w.loc == "" || !stepDefRef.Match(p) {
		return w.w.Write(p)
	}
	if _, err := w.w.Write(stepDefRef.ReplaceAll(p, []byte("# "+w.loc))); err != nil {
		return 0, err
	}
	return len(p), nil
}
