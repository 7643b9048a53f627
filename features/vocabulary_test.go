package features

import (
	"bytes"
	"errors"
	"regexp"
	"regexp/syntax"
	"strings"
	"testing"
)

// firstLine of an example is the step text; the rest is its table or docstring.
func exampleText(d *stepDef) string {
	line, _, _ := strings.Cut(d.example, "\n")
	return line
}

func TestEveryExampleMatchesOnlyItsOwnStep(t *testing.T) {
	for _, d := range vocabulary {
		text := exampleText(d)
		m := matchStep(text)
		if len(m) != 1 || m[0] != d {
			var pats []string
			for _, x := range m {
				pats = append(pats, x.pattern)
			}
			t.Errorf("example %q of %s matches %d steps: %v", text, d.pattern, len(m), pats)
		}
	}
}

func TestEveryStepHasADomainADocAndAnExample(t *testing.T) {
	for _, d := range vocabulary {
		if d.domain == "" || d.doc == "" || d.example == "" {
			t.Errorf("%s lacks a domain, doc or example", d.pattern)
		}
	}
}

func TestReadableFormsHaveNoRegexLeft(t *testing.T) {
	leftover := regexp.MustCompile(`\\|\?:|\[\^|\(\?|\^|\$`)
	for _, d := range vocabulary {
		if r := d.readable(); leftover.MatchString(r) {
			t.Errorf("readable(%s) = %q still has regular expression syntax", d.pattern, r)
		}
	}
}

func TestVocabularyListsEveryStepWithItsExample(t *testing.T) {
	var b bytes.Buffer
	if err := Vocabulary(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, d := range vocabulary {
		if !strings.Contains(out, exampleText(d)) {
			t.Errorf("Vocabulary does not show the example %q", exampleText(d))
		}
	}
	for _, domain := range []string{"## Servers and handlers", "## Clients and requests", "## Network and faults", "## Assertions"} {
		if !strings.Contains(out, domain) {
			t.Errorf("Vocabulary has no section %q", domain)
		}
	}
}

func TestAnUnknownStepNamesItsLineAndTheClosestSteps(t *testing.T) {
	c, err := loadCatalog([]string{"testdata/unknown_step.feature"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	errs := checkSteps(c, nil)
	if len(errs) != 1 {
		t.Fatalf("got %d problems, want 1: %v", len(errs), errs)
	}
	fe := errs[0]
	if fe.File != "testdata/unknown_step.feature" || fe.Line != 4 {
		t.Errorf("the problem is at %s:%d, want testdata/unknown_step.feature:4", fe.File, fe.Line)
	}
	var se *StepError
	if !errors.As(fe, &se) {
		t.Fatalf("%v is not a *StepError", fe)
	}
	if len(se.Suggestions) == 0 || se.Suggestions[0] != "a server that responds with status 200 and no body" {
		t.Errorf("suggestions %q, want the misspelt step's sentence first", se.Suggestions)
	}
	if !strings.Contains(fe.Error(), "testdata/unknown_step.feature:4: unknown step") {
		t.Errorf("message %q does not start with the place", fe.Error())
	}
}

func TestAnAmbiguousStepListsTheStepsItMatches(t *testing.T) {
	saved := vocabulary
	defer func() { vocabulary = saved }()
	vocabulary = append([]*stepDef{{pattern: `^a server(?: .*)?$`, re: regexp.MustCompile(`^a server(?: .*)?$`)}}, saved...)
	err := stepProblem("a server that never responds")
	var se *StepError
	if !errors.As(err, &se) || len(se.Matches) != 2 {
		t.Fatalf("got %v, want an ambiguous *StepError matching 2 steps", err)
	}
	if !strings.Contains(err.Error(), "ambiguous step") {
		t.Errorf("message %q does not say ambiguous", err.Error())
	}
}

func TestEditDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{{"", "", 0}, {"abc", "", 3}, {"kitten", "sitting", 3}, {"respond", "responds", 1}, {"été", "ete", 2}} {
		if got := editDistance(c.a, c.b); got != c.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

// TestAStepsLiteralPrefixBeginsEveryTextItMatches: matchStep skips a
// definition whose literal prefix a text does not begin with, so the
// prefix must be one every match begins with: a prefix of the literal
// the parsed pattern begins with after its ^. Hand-made patterns check
// the cases the vocabulary lacks.
func TestAStepsLiteralPrefixBeginsEveryTextItMatches(t *testing.T) {
	for _, d := range vocabulary {
		re, err := syntax.Parse(d.pattern, syntax.Perl)
		if err != nil {
			t.Fatalf("%s: %v", d.pattern, err)
		}
		if lit := anchoredLiteral(re); !strings.HasPrefix(lit, d.prefix) {
			t.Errorf("%s: literal prefix %q, but its matches begin only with %q", d.pattern, d.prefix, lit)
		}
		if text := exampleText(d); !strings.HasPrefix(text, d.prefix) || !slicesContain(matchStep(text), d) {
			t.Errorf("%s: its example %q is not matched", d.pattern, text)
		}
	}
	for pattern, want := range map[string]string{
		`^a b?c`: "a ", `^a b+c`: "a b", `^a b{0,2}`: "a ", `^é?x`: "", `^ab(c|d)`: "ab",
		`^ab|cd`: "", `^(ab|cd)`: "", `^a[|]b|c`: "", `^a[|]b`: "a", `^a\|b`: "a", `ab`: "", `^(?i)ab`: "", `^ab$`: "ab",
	} {
		if got := literalPrefix(pattern); got != want {
			t.Errorf("literalPrefix(%q) = %q, want %q", pattern, got, want)
		}
		if lit := anchoredLiteral(mustParse(t, pattern)); !strings.HasPrefix(lit, want) {
			t.Errorf("%s: the case wants %q, but its matches begin only with %q", pattern, want, lit)
		}
	}
}

// anchoredLiteral is the case-sensitive literal a parsed pattern's
// matches begin with after a leading ^, or "".
func anchoredLiteral(re *syntax.Regexp) string {
	if re.Op != syntax.OpConcat || len(re.Sub) < 2 || re.Sub[0].Op != syntax.OpBeginText {
		return ""
	}
	var b strings.Builder
	literal := func(re *syntax.Regexp) bool { return re.Op == syntax.OpLiteral && re.Flags&syntax.FoldCase == 0 }
	for _, sub := range re.Sub[1:] {
		if sub.Op == syntax.OpPlus && literal(sub.Sub[0]) {
			// At least one of it, then who knows.
			b.WriteString(string(sub.Sub[0].Rune))
			break
		}
		if !literal(sub) {
			break
		}
		b.WriteString(string(sub.Rune))
	}
	return b.String()
}

func slicesContain(defs []*stepDef, d *stepDef) bool {
	for _, e := range defs {
		if e == d {
			return true
		}
	}
	return false
}

func mustParse(t *testing.T, pattern string) *syntax.Regexp {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		t.Fatalf("%s: %v", pattern, err)
	}
	return re
}
