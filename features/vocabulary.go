package features

import (
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"

	messages "github.com/cucumber/messages/go/v21"
)

// stepDef is one sentence of the step vocabulary: its pattern, an example
// a user can copy, and the world method it runs.
type stepDef struct {
	domain  string // the section of `simhttp steps` it is listed under
	pattern string // godog regular expression, anchored
	form    string // how the sentence reads, when the pattern is too general to show
	sugar   string // the grammar sentence this one stands for, when it is sugar
	example string // a sentence the pattern matches, without the keyword
	doc     string // what it does, in one line
	bind    func(w *world) any
	// prefix is literalPrefix(pattern): a text that does not begin with
	// it cannot match, so matching it needs no regular expression.
	prefix  string
	compile sync.Once
	re      *regexp.Regexp // compiled on first use (regexp)
}

// regexp is the step's pattern, compiled the first time it is needed.
// Compiling all of them cost every process that links the package 4-5 ms
// of its start, a sweep's worker processes included, which match only a
// few steps.
func (d *stepDef) regexp() *regexp.Regexp {
	d.compile.Do(func() { d.re = regexp.MustCompile(d.pattern) })
	return d.re
}

// literalPrefix is what every text that pattern, anchored by a leading
// ^, matches begins with: its characters up to the first that means more
// than itself, less the last when a quantifier that allows none of it
// follows; "" for a pattern without the ^ or whose top level is an
// alternation.
func literalPrefix(pattern string) string {
	rest, ok := strings.CutPrefix(pattern, "^")
	if !ok {
		return ""
	}
	depth, class := 0, false
	for i := 0; i < len(rest); i++ {
		switch c := rest[i]; {
		case c == '\\':
			i++
		case class:
			class = c != ']'
		case c == '[':
			class = true
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == '|' && depth == 0:
			return ""
		}
	}
	n := strings.IndexAny(rest, `\.+*?()|[]{}^$`)
	if n < 0 {
		return rest
	}
	if strings.IndexByte("?*{", rest[n]) >= 0 {
		_, size := utf8.DecodeLastRuneInString(rest[:n])
		n -= size
	}
	return rest[:n]
}

// vocabulary is every step, in the order `simhttp steps` lists them.
var vocabulary = compileVocabulary()

func compileVocabulary() []*stepDef {
	var all []*stepDef
	for _, group := range [][]*stepDef{serverSteps(), handlerSteps(), clientSteps(), networkSteps(), serviceSteps(), assertSteps(), grammarSteps()} {
		all = append(all, group...)
	}
	for _, d := range all {
		d.prefix = literalPrefix(d.pattern)
	}
	return all
}

// Vocabulary writes every step sentence, grouped by domain, each with what
// it does and an example, for `simhttp steps`.
func Vocabulary(w io.Writer) error {
	var b strings.Builder
	domain := ""
	for _, d := range vocabulary {
		if d.domain != domain {
			if domain != "" {
				b.WriteByte('\n')
			}
			domain = d.domain
			fmt.Fprintf(&b, "## %s\n\n", domain)
		}
		fmt.Fprintf(&b, "  %s\n      %s\n      e.g. %s\n", d.readable(), d.doc, d.example)
		if d.sugar != "" {
			fmt.Fprintf(&b, "      sugar for: %s\n", d.sugar)
		}
		if d.pattern == grammarPattern {
			writeGrammar(&b)
			b.WriteByte('\n')
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// sugarFor records the grammar sentence d stands for.
func (d *stepDef) sugarFor(sentence string) *stepDef {
	d.sugar = sentence
	return d
}

// readable is the sentence a user writes for d.
func (d *stepDef) readable() string {
	if d.form != "" {
		return d.form
	}
	return readable(d.pattern)
}

// readable turns a step pattern into the sentence a user writes, with
// placeholders for its arguments.
func readable(pattern string) string {
	s := strings.TrimSuffix(strings.TrimPrefix(pattern, "^"), "$")
	for _, r := range placeholders {
		s = strings.ReplaceAll(s, r[0], r[1])
	}
	return s
}

// placeholders are the argument shapes steps use and how they read.
var placeholders = [][2]string{
	{`(?:the request|request #(\d+))`, `the request|request #<n>`},
	{`(?:the response|response #(\d+))`, `the response|response #<n>`},
	{`([a-z]+(?:#[0-9]+)?)`, `<obj[#id]>`},
	{`([A-Z][A-Z0-9_]*)`, `<CODE>`},
	{`"([^"]*)"`, `"<text>"`},
	{`"([^"]+)"`, `"<text>"`},
	{`(-?\d+)`, `<n>`},
	{`(\d+)`, `<n>`},
	{`(-?\d+(?:\.\d+)?)`, `<n>`},
	{`(\d+(?:\.\d+)?)`, `<n>`},
	{`(GET|HEAD|POST|PUT|DELETE|PATCH|OPTIONS|CONNECT|TRACE)`, `<METHOD>`},
	{`(\S+)`, `<word>`},
	{`(lifo|fifo)`, `lifo|fifo`},
	{`(ms|s)`, `ms|s`},
	{`(?:s)?`, `(s)`},
	{`(?:es)?`, `(es)`},
	{`(?: ([a-z-]+))?`, ` [<word>]`},
	{`(destroys|aborts)`, `destroys|aborts`},
	{`(?:an?|the)`, `a|an|the`},
	{`\(`, `(`},
	{`\)`, `)`},
	{`\.`, `.`},
}

// StepError is an unknown or ambiguous step: the text as written, and the
// known sentences nearest to it or the patterns it matches.
type StepError struct {
	Text        string   // the step text, without its keyword
	Suggestions []string // for an unknown step: the closest examples
	Matches     []string // for an ambiguous step: every pattern it matches
	Cause       error    // for a grammar sentence: what is wrong with it
}

// Unwrap returns what is wrong with a grammar sentence, if that is the
// problem.
func (e *StepError) Unwrap() error { return e.Cause }

func (e *StepError) Error() string {
	if len(e.Matches) > 0 {
		return fmt.Sprintf("ambiguous step %q matches %d steps:\n\t%s", e.Text, len(e.Matches), strings.Join(e.Matches, "\n\t"))
	}
	msg := fmt.Sprintf("unknown step %q", e.Text)
	if e.Cause != nil {
		msg = fmt.Sprintf("step %q: %v", e.Text, e.Cause)
	}
	if len(e.Suggestions) > 0 {
		msg += "; did you mean:\n\t" + strings.Join(e.Suggestions, "\n\t")
	}
	return msg + "\n(`simhttp steps` lists every step)"
}

// matchStep returns the definitions whose pattern matches text.
func matchStep(text string) []*stepDef {
	var out []*stepDef
	for _, d := range vocabulary {
		if strings.HasPrefix(text, d.prefix) && d.regexp().MatchString(text) {
			out = append(out, d)
		}
	}
	return out
}

// checkSteps names every step of the catalog's scenarios that keep keeps
// (all when keep is nil) that matches no definition or more than one, with
// its file and line.
func checkSteps(c *catalog, keep func(*messages.Pickle) bool) []*FeatureError {
	var errs []*FeatureError
	seen := map[string]bool{}
	for _, f := range c.files {
		for _, p := range f.scenariosAt(f.line) {
			if keep != nil && !keep(p) {
				continue
			}
			for _, st := range p.Steps {
				line := f.stepLine(st)
				key := fmt.Sprintf("%s:%d:%s", f.uri, line, st.Text)
				if seen[key] {
					continue
				}
				seen[key] = true
				if err := stepProblem(st.Text); err != nil {
					errs = append(errs, &FeatureError{File: f.uri, Line: line, Err: err})
				}
			}
		}
	}
	return errs
}

// stepProblem returns a *StepError when text does not name exactly one step.
func stepProblem(text string) error {
	m := matchStep(text)
	switch len(m) {
	case 1:
		if m[0].domain == grammarDomain && !strings.HasPrefix(m[0].pattern, "^value") {
			if _, err := parseSentence(text); err != nil {
				return &StepError{Text: text, Cause: err, Suggestions: nearestForms(text, 3)}
			}
		}
		return nil
	case 0:
		return &StepError{Text: text, Suggestions: nearestForms(text, 3)}
	}
	e := &StepError{Text: text}
	for _, d := range m {
		e.Matches = append(e.Matches, d.readable())
	}
	return e
}

// editDistance is the Levenshtein distance between a and b, in runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
