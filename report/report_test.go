package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/simhttp/simhttp/simnet"
)

func TestScenariosAppearInFileAndLineOrderWithTheirTextEscaped(t *testing.T) {
	evs := []simnet.Event{{Obj: "req", ID: 1, Name: "socket"}, {Obj: "req", ID: 1, Name: "close"}}
	run := Run{Title: "t", Command: "simhttp run", Scenarios: []Scenario{
		{Name: "ten", Ref: "a.feature:10", Events: evs, FirstDiff: -1},
		{Name: "<script>alert(1)</script>", Ref: "a.feature:9", Events: evs, FirstDiff: 1, Expected: "req:end", Error: "differs <b>"},
		{Name: "other file", Ref: "0.feature:30", Events: evs, FirstDiff: -1},
	}}
	var b bytes.Buffer
	if err := WriteHTML(&b, run); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	if strings.Contains(page, "<script>alert") || strings.Contains(page, "differs <b>") {
		t.Error("a scenario's text reached the page unescaped")
	}
	first, nine, ten := strings.Index(page, `data-ref="0.feature:30"`), strings.Index(page, `data-ref="a.feature:9"`), strings.Index(page, `data-ref="a.feature:10"`)
	if first < 0 || !(first < nine && nine < ten) {
		t.Errorf("sections at %d, %d, %d; want 0.feature:30, a.feature:9, a.feature:10 in that order", first, nine, ten)
	}
	if !strings.Contains(page, "3 scenarios") || !strings.Contains(page, "2 passed") || !strings.Contains(page, "1 failed") {
		t.Error("the summary does not count 2 passed and 1 failed")
	}
	if strings.Count(page, `class="diff"`) != 1 || !strings.Contains(page, "expected req:end") {
		t.Error("the failure's first difference is not highlighted once")
	}
}
