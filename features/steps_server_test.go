package features

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// The server's option, timeout and limit sentences run exactly the grammar
// sentence `simhttp steps` gives as their sugar: maxHeaderSize is given at
// the server's creation, the timeouts, maxHeadersCount and
// maxRequestsPerSocket are set on it after. Each fixed sentence and its
// sugar give one trace.
func TestServerOptionAndLimitSentencesRunAsTheirSugar(t *testing.T) {
	pairs := [][2]string{
		{"the server's maxHeaderSize is 20", "the server is created with {maxHeaderSize: 20}"},
		{"the server's headersTimeout is 100", "the server is created with {headersTimeout: 100}"},
		{"the server's maxRequestsPerSocket is 1", "the server sets maxRequestsPerSocket to 1"},
		{"the server's maxHeadersCount is 1", "the server sets maxHeadersCount to 1"},
		{"the server's maxHeadersCount is -1", "the server sets maxHeadersCount to -1"},
		{"the server's keepAliveTimeout is 5", "the server sets keepAliveTimeout to 5"},
		{"the server's timeout is 5", "the server sets timeout to 5"},
	}
	feature := "Feature: sugar\n"
	for _, p := range pairs {
		for _, sentence := range p {
			feature += "  Scenario: " + sentence + "\n" +
				"    Given a server that responds with status 200 and body \"hi\"\n" +
				"    And " + sentence + "\n" +
				"    When the client sends GET /\n" +
				"    And after 10 ms the client sends GET /2\n" +
				"    Then the run includes \"req:close\"\n"
		}
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "sugar.feature")
	if err := os.WriteFile(path, []byte(feature), 0o644); err != nil {
		t.Fatal(err)
	}
	traces := filepath.Join(dir, "traces")
	if _, err, out := run(t, RunOptions{Paths: []string{path}, TraceDir: traces}); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	trace := func(line int) []byte {
		t.Helper()
		files, err := filepath.Glob(filepath.Join(traces, fmt.Sprintf("*-%d.jsonl", line)))
		if err != nil || len(files) != 1 {
			t.Fatalf("traces of the scenario at line %d: %v %v", line, files, err)
		}
		b, err := os.ReadFile(files[0])
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	// A scenario takes six lines after the feature's first.
	for i, p := range pairs {
		fixed, sugar := trace(2+12*i), trace(8+12*i)
		if !bytes.Equal(fixed, sugar) {
			t.Errorf("%q and %q give different traces", p[0], p[1])
		}
	}
}
