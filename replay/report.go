package replay

// What a replay found, for people (text) and for CI (JUnit XML).

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/simhttp/simhttp/simnet"
)

// Outcome is what became of one captured exchange in a replay.
type Outcome string

// The outcomes of an exchange.
const (
	OutcomeOK       Outcome = "ok"       // the replayed response matched the captured one
	OutcomeDiffered Outcome = "differed" // it did not; Diff says how
	OutcomeFailed   Outcome = "failed"   // no response came back; Reason says why
	OutcomeSkipped  Outcome = "skipped"  // the exchange was not sent; Reason says why
)

// ReplayReport is the result of Run: one ExchangeResult per captured
// exchange, in capture order (connection by connection).
type ReplayReport struct {
	Target  string
	Results []ExchangeResult
	// Volatile are the headers left out of the comparison as volatile
	// (none with ReplayOptions.Strict), each with how often it differed.
	Volatile []VolatileHeader
}

// ExchangeResult is the fate of one captured exchange.
type ExchangeResult struct {
	Connection int    // 1-based number of its connection in the capture
	Exchange   int    // 1-based position on that connection
	Method     string // "" when the capture holds no request
	URL        string
	Outcome    Outcome
	Status     int    // the replayed response's status; 0 when none arrived
	Diff       string // for OutcomeDiffered: go-cmp's diff, -captured +replayed
	Reason     string // for OutcomeFailed and OutcomeSkipped: the cause in words
	Err        error  // for OutcomeFailed: the error, carrying its Node code
}

// Differed reports whether any exchange differed or failed, which is when
// `simhttp replay` exits non-zero; skipped exchanges do not count.
func (r *ReplayReport) Differed() bool {
	for _, x := range r.Results {
		if x.Outcome == OutcomeDiffered || x.Outcome == OutcomeFailed {
			return true
		}
	}
	return false
}

func (r *ReplayReport) count(o Outcome) int {
	n := 0
	for _, x := range r.Results {
		if x.Outcome == o {
			n++
		}
	}
	return n
}

// name is how reports name an exchange: "GET /a", or a placeholder when
// the capture lost the request.
func (x *ExchangeResult) name() string {
	if x.Method == "" {
		return "(no request captured)"
	}
	return x.Method + " " + x.URL
}

// WriteText writes one line per exchange (its connection and place, the
// request, the outcome) with the diff or the reason indented below, then a
// summary line.
func (r *ReplayReport) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "replay against %s\n", r.Target)
	for i := range r.Results {
		x := &r.Results[i]
		fmt.Fprintf(&b, "conn %d #%d  %s  %s", x.Connection, x.Exchange, x.name(), strings.ToUpper(string(x.Outcome)))
		if x.Status != 0 {
			fmt.Fprintf(&b, " (%d)", x.Status)
		}
		b.WriteString("\n")
		switch x.Outcome {
		case OutcomeDiffered:
			b.WriteString(indentLines(x.Diff, "    "))
		case OutcomeFailed, OutcomeSkipped:
			b.WriteString(indentLines(x.Reason, "    "))
		}
	}
	fmt.Fprintf(&b, "%s: %d ok, %d differed, %d failed, %d skipped\n", plural(len(r.Results), "exchange"),
		r.count(OutcomeOK), r.count(OutcomeDiffered), r.count(OutcomeFailed), r.count(OutcomeSkipped))
	if len(r.Volatile) > 0 {
		parts := make([]string, len(r.Volatile))
		for i, v := range r.Volatile {
			parts[i] = fmt.Sprintf("%s (differed in %s)", v.Name, plural(v.Differed, "exchange"))
		}
		fmt.Fprintf(&b, "ignored as volatile (--strict compares them): %s\n", strings.Join(parts, ", "))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// indentLines prefixes every line of s and ends it with a newline.
func indentLines(s, prefix string) string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return ""
	}
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix) + "\n"
}

// JUnit XML, in the shape Jenkins, GitLab and GitHub reporters read.
type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Suites  []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Class   string        `xml:"classname,attr"`
	Name    string        `xml:"name,attr"`
	Failure *junitProblem `xml:"failure,omitempty"`
	Error   *junitProblem `xml:"error,omitempty"`
	Skipped *junitProblem `xml:"skipped,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes the report as JUnit XML: one testsuite for the replay,
// one testcase per exchange (classname "connection N"), a difference as a
// failure carrying the diff, an exchange with no response as an error
// carrying its code, and a skipped exchange as skipped with the reason.
func (r *ReplayReport) WriteJUnit(w io.Writer) error {
	s := junitSuite{
		Name:     "simhttp replay against " + r.Target,
		Tests:    len(r.Results),
		Failures: r.count(OutcomeDiffered),
		Errors:   r.count(OutcomeFailed),
		Skipped:  r.count(OutcomeSkipped),
	}
	for i := range r.Results {
		x := &r.Results[i]
		c := junitCase{Class: fmt.Sprintf("connection %d", x.Connection), Name: fmt.Sprintf("#%d %s", x.Exchange, x.name())}
		switch x.Outcome {
		case OutcomeDiffered:
			c.Failure = &junitProblem{Message: "the response differs from the captured one", Text: x.Diff}
		case OutcomeFailed:
			c.Error = &junitProblem{Message: x.Reason, Type: simnet.CodeOf(x.Err)}
		case OutcomeSkipped:
			c.Skipped = &junitProblem{Message: x.Reason}
		}
		s.Cases = append(s.Cases, c)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(junitSuites{Suites: []junitSuite{s}}); err != nil {
		return fmt.Errorf("replay: writing JUnit XML: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}
