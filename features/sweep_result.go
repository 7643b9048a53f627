package features

// What a sweep found, for people (text), machines (JSON) and CI (JUnit),
// and the joining of the shards of one sweep run on several machines.

import (
	"bytes"
	"cmp"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/simhttp/simhttp/simnet"
)

// SweepResult is what a sweep, or the merge of a sweep's shards, found.
type SweepResult struct {
	First uint64 `json:"first"` // the seed range asked for, [First, Last]
	Last  uint64 `json:"last"`
	// Shard is {I, N} for shard I of N, {0, 0} for a whole sweep or a
	// merge of shards.
	Shard [2]int `json:"shard"`
	// Shards is how many shard results a merge joined; 0 for one sweep.
	Shards      int            `json:"shards,omitempty"`
	Seeds       []uint64       `json:"seeds"`        // every seed run, in order
	FailedSeeds int            `json:"failed_seeds"` // seeds with at least one failure
	Failures    []SweepFailure `json:"failures"`     // by seed, then as they happened
}

// SweepFailure is one scenario that failed under one seed.
type SweepFailure struct {
	Ref       string `json:"ref"` // FILE:LINE
	Seed      uint64 `json:"seed"`
	Error     string `json:"error"`     // the first line of why
	Reproduce string `json:"reproduce"` // the command that runs it again
	// Drawn and Smallest: how many fault rules the seed drew, and the
	// smallest schedule of them that still fails (empty: it fails without
	// faults). Both are absent for a failure of the determinism check.
	Drawn    int      `json:"drawn,omitempty"`
	Smallest []string `json:"smallest,omitempty"`
	// Determinism marks a failure of CheckDeterminism's check, not of the
	// scenario: the seed's two runs differ, or could not be compared.
	Determinism bool `json:"determinism,omitempty"`
	// Divergence is the first event where the two runs parted; nil when
	// they could not be compared event by event (they ran different
	// scenarios, or an event could not be encoded: Error says which).
	Divergence *simnet.Divergence `json:"divergence,omitempty"`
}

// WriteText writes each failure with its reproduction, then one summary line.
func (r *SweepResult) WriteText(w io.Writer) error {
	var b strings.Builder
	for _, f := range r.Failures {
		fmt.Fprintf(&b, "FAIL %s seed %d\n  %s\n", f.Ref, f.Seed, indent(f.Error))
		if f.Divergence != nil {
			first, second := f.Divergence.Shown()
			fmt.Fprintf(&b, "    first run:  %s\n    second run: %s\n", first, second)
		}
		fmt.Fprintf(&b, "  reproduce: %s\n", f.Reproduce)
		if f.Determinism {
			continue
		}
		fmt.Fprintf(&b, "  smallest fault schedule (%d of %d drawn rules):\n", len(f.Smallest), f.Drawn)
		if len(f.Smallest) == 0 {
			b.WriteString("    none: the scenario fails without faults\n")
		}
		for _, rule := range f.Smallest {
			fmt.Fprintf(&b, "    %s\n", rule)
		}
	}
	fmt.Fprintf(&b, "sweep: %d seeds (%d-%d", len(r.Seeds), r.First, r.Last)
	switch {
	case r.Shards > 0:
		fmt.Fprintf(&b, ", %d shards merged", r.Shards)
	case r.Shard[1] != 0:
		fmt.Fprintf(&b, ", shard %d/%d", r.Shard[0], r.Shard[1])
	}
	fmt.Fprintf(&b, "): %d passed, %d failed\n", len(r.Seeds)-r.FailedSeeds, r.FailedSeeds)
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON writes the result as one indented JSON document, the form
// MergeSweeps reads back.
func (r *SweepResult) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// JUnit XML: one test case per seed, failing with its failures.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Failures  []junitFailed `xml:"failure"`
}

type junitFailed struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes the result as JUnit XML: one test case per seed.
func (r *SweepResult) WriteJUnit(w io.Writer) error {
	name := fmt.Sprintf("simhttp sweep %d-%d", r.First, r.Last)
	if r.Shard[1] != 0 {
		name += fmt.Sprintf(" shard %d/%d", r.Shard[0], r.Shard[1])
	}
	suite := junitSuite{Name: name, Tests: len(r.Seeds), Failures: r.FailedSeeds}
	bySeed := map[uint64][]SweepFailure{}
	for _, f := range r.Failures {
		bySeed[f.Seed] = append(bySeed[f.Seed], f)
	}
	for _, seed := range r.Seeds {
		c := junitCase{Name: "seed " + strconv.FormatUint(seed, 10), Classname: "simhttp.sweep"}
		for _, f := range bySeed[seed] {
			var text bytes.Buffer
			one := SweepResult{Failures: []SweepFailure{f}}
			if err := one.writeFailures(&text); err != nil {
				return err
			}
			c.Failures = append(c.Failures, junitFailed{Message: f.Ref + ": " + f.Error, Text: text.String()})
		}
		suite.Cases = append(suite.Cases, c)
	}
	doc := junitSuites{Tests: suite.Tests, Failures: suite.Failures, Suites: []junitSuite{suite}}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// writeFailures writes the failures as WriteText does, without the summary.
func (r *SweepResult) writeFailures(w io.Writer) error {
	var b bytes.Buffer
	if err := r.WriteText(&b); err != nil {
		return err
	}
	text := b.String()
	i := strings.LastIndex(strings.TrimSuffix(text, "\n"), "\n")
	_, err := io.WriteString(w, text[:i+1])
	return err
}

// ReadSweepResult reads a result WriteJSON wrote; name is for errors.
func ReadSweepResult(r io.Reader, name string) (*SweepResult, error) {
	var res SweepResult
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&res); err != nil {
		return nil, &FeatureError{File: name, Err: fmt.Errorf("not a sweep result (simhttp sweep --json writes one): %w", err)}
	}
	return &res, nil
}

// MergeSweeps joins the results of the shards of one sweep: every shard
// of the same seed range and shard count, each exactly once. A shard that
// is missing, repeated or from another sweep is an error naming it.
func MergeSweeps(results []*SweepResult, names []string) (*SweepResult, error) {
	if len(results) == 0 {
		return nil, &NothingToRunError{Why: "no shard results to merge"}
	}
	first := results[0]
	n := first.Shard[1]
	seen := map[int]string{}
	merged := &SweepResult{First: first.First, Last: first.Last, Shards: len(results), Seeds: []uint64{}, Failures: []SweepFailure{}}
	for i, r := range results {
		bad := func(format string, args ...any) error {
			return &FeatureError{File: names[i], Err: fmt.Errorf(format, args...)}
		}
		switch {
		case r.First != first.First || r.Last != first.Last:
			return nil, bad("seeds %d-%d, but %s has %d-%d: not shards of one sweep", r.First, r.Last, names[0], first.First, first.Last)
		case r.Shard[1] != n:
			return nil, bad("shard %d/%d, but %s is shard %d/%d: not shards of one sweep", r.Shard[0], r.Shard[1], names[0], first.Shard[0], n)
		case n == 0 && len(results) > 1:
			return nil, bad("a whole sweep, not a shard: there is nothing to merge it with")
		case seen[r.Shard[0]] != "":
			return nil, bad("shard %d/%d again (also %s)", r.Shard[0], n, seen[r.Shard[0]])
		}
		seen[r.Shard[0]] = names[i]
		merged.Seeds = append(merged.Seeds, r.Seeds...)
		merged.FailedSeeds += r.FailedSeeds
		merged.Failures = append(merged.Failures, r.Failures...)
	}
	var missing []string
	for i := 1; i <= n; i++ {
		if seen[i] == "" {
			missing = append(missing, fmt.Sprintf("%d/%d", i, n))
		}
	}
	if len(missing) > 0 {
		return nil, &NothingToRunError{Why: "shard " + strings.Join(missing, ", ") + " missing from the merge: its seeds were never run"}
	}
	slices.Sort(merged.Seeds)
	// Failures of one seed keep the order they happened in.
	slices.SortStableFunc(merged.Failures, func(a, b SweepFailure) int { return cmp.Compare(a.Seed, b.Seed) })
	return merged, nil
}

// worldTrace is one scenario's run, to compare runs.
type worldTrace struct {
	ref    string
	events []simnet.Event
}

func traceOf(w *world) worldTrace { return worldTrace{ref: w.ref(), events: w.events} }

// firstDifference compares two runs of one seed, scenario by scenario,
// and describes the first event where they part.
func firstDifference(a, b []worldTrace, seed uint64) (SweepFailure, bool) {
	for i := range max(len(a), len(b)) {
		if i >= len(a) || i >= len(b) || a[i].ref != b[i].ref {
			scenario := func(run []worldTrace) string {
				if i < len(run) {
					return run[i].ref
				}
				return fmt.Sprintf("none (it ran %d)", len(run))
			}
			ref := scenario(a)
			if i >= len(a) {
				ref = b[i].ref
			}
			return determinismFailure(ref, seed, fmt.Errorf("not deterministic: two runs of seed %d ran different scenarios: their scenario %d is %s in the first run, %s in the second", seed, i+1, scenario(a), scenario(b)), nil), true
		}
		d, err := simnet.FirstDivergence(a[i].events, b[i].events)
		if err != nil {
			return determinismFailure(a[i].ref, seed, fmt.Errorf("two runs of seed %d cannot be compared: %w", seed, err), nil), true
		}
		if d != nil {
			return determinismFailure(a[i].ref, seed, fmt.Errorf("not deterministic: two runs of seed %d part at event %d of %s", seed, d.Event, a[i].ref), d), true
		}
	}
	return SweepFailure{}, false
}

// determinismFailure is the determinism check's failure of one seed; d is
// where its runs parted, nil when they could not be compared event by event.
func determinismFailure(ref string, seed uint64, err error, d *simnet.Divergence) SweepFailure {
	return SweepFailure{
		Ref: ref, Seed: seed, Error: err.Error(), Determinism: true, Divergence: d,
		Reproduce: fmt.Sprintf("simhttp sweep %s --seeds %d-%d --check-determinism", ref, seed, seed),
	}
}
