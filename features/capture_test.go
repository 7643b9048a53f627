package features

import (
	"bytes"
	"strings"
	"testing"
)

func TestAServerReplaysACapture(t *testing.T) {
	var out bytes.Buffer
	ok, err := Run(RunOptions{Paths: []string{"testdata/replay.feature"}, Format: "progress", Output: &out})
	if err != nil {
		t.Fatal(err)
	}
	if ok {
		t.Error("the scenario with a missing capture passed")
	}
	for _, want := range []string{"2 scenarios (1 passed, 1 failed)", `capture "fixtures/captures/nothing-here.pcap"`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the report does not say %q:\n%s", want, out.String())
		}
	}
}
