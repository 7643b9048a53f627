package replay

import (
	"encoding/xml"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/simhttp/simhttp/simnet"
)

func sampleReport() *ReplayReport {
	return &ReplayReport{Target: "http://127.0.0.1:8080", Results: []ExchangeResult{
		{Connection: 1, Exchange: 1, Method: "GET", URL: "/a", Outcome: OutcomeOK, Status: 200},
		{Connection: 1, Exchange: 2, Method: "GET", URL: "/b", Outcome: OutcomeDiffered, Status: 500, Diff: "(-captured +replayed)\n- Status: 200\n+ Status: 500\n"},
		{Connection: 2, Exchange: 1, Method: "POST", URL: "/c", Outcome: OutcomeFailed, Reason: "ECONNRESET: read ECONNRESET",
			Err: &simnet.Error{Code: "ECONNRESET", Message: "read ECONNRESET"}},
		{Connection: 3, Exchange: 1, Outcome: OutcomeSkipped, Reason: "the capture holds no request for this response"},
	}}
}

func TestReportText(t *testing.T) {
	var b strings.Builder
	if err := sampleReport().WriteText(&b); err != nil {
		t.Fatal(err)
	}
	want := `replay against http://127.0.0.1:8080
conn 1 #1  GET /a  OK (200)
conn 1 #2  GET /b  DIFFERED (500)
    (-captured +replayed)
    - Status: 200
    + Status: 500
conn 2 #1  POST /c  FAILED
    ECONNRESET: read ECONNRESET
conn 3 #1  (no request captured)  SKIPPED
    the capture holds no request for this response
4 exchanges: 1 ok, 1 differed, 1 failed, 1 skipped
`
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("text (-want +got):\n%s", diff)
	}
}

func TestReportJUnit(t *testing.T) {
	var b strings.Builder
	if err := sampleReport().WriteJUnit(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.String(), `<?xml version="1.0" encoding="UTF-8"?>`) {
		t.Errorf("no XML declaration:\n%s", b.String())
	}
	var got junitSuites
	if err := xml.Unmarshal([]byte(b.String()), &got); err != nil {
		t.Fatalf("the JUnit XML does not parse: %v\n%s", err, b.String())
	}
	if len(got.Suites) != 1 {
		t.Fatalf("%d suites", len(got.Suites))
	}
	s := got.Suites[0]
	if s.Tests != 4 || s.Failures != 1 || s.Errors != 1 || s.Skipped != 1 {
		t.Errorf("counts: tests %d failures %d errors %d skipped %d", s.Tests, s.Failures, s.Errors, s.Skipped)
	}
	c := s.Cases
	if c[0].Class != "connection 1" || c[0].Name != "#1 GET /a" || c[0].Failure != nil || c[0].Error != nil || c[0].Skipped != nil {
		t.Errorf("ok case: %+v", c[0])
	}
	if c[1].Failure == nil || !strings.Contains(c[1].Failure.Text, "+ Status: 500") {
		t.Errorf("differed case: %+v", c[1])
	}
	if c[2].Error == nil || c[2].Error.Type != "ECONNRESET" {
		t.Errorf("failed case: %+v", c[2])
	}
	if c[3].Skipped == nil || c[3].Name != "#1 (no request captured)" || !strings.Contains(c[3].Skipped.Message, "no request") {
		t.Errorf("skipped case: %+v", c[3])
	}
}

func TestDifferedCountsDifferencesAndFailuresOnly(t *testing.T) {
	r := sampleReport()
	if !r.Differed() {
		t.Error("a report with a difference and a failure did not differ")
	}
	for _, drop := range []Outcome{OutcomeDiffered, OutcomeFailed} {
		r.Results = slicesDeleteOutcome(r.Results, drop)
	}
	if r.Differed() {
		t.Error("ok and skipped exchanges count as differences")
	}
	if (&ReplayReport{}).Differed() {
		t.Error("an empty report differed")
	}
}

func slicesDeleteOutcome(xs []ExchangeResult, o Outcome) []ExchangeResult {
	var out []ExchangeResult
	for _, x := range xs {
		if x.Outcome != o {
			out = append(out, x)
		}
	}
	return out
}
