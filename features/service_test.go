package features

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A scenario pointed at a Go service with "the service at": Go's net/http
// on 127.0.0.1, so no Node is needed.
func TestAScenarioAgainstAServiceAtAURL(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "go says "+r.URL.Path)
	}))
	defer srv.Close()
	feature := filepath.Join(t.TempDir(), "service.feature")
	text := `Feature: a Go service
  Scenario: one request answered, then the second reset after its headers
    Given the service at "` + srv.URL + `"
    And the client uses an agent with:
      | keepAlive | true |
    And the fault rule:
      | what    | reset            |
      | request | 2                |
      | after   | response headers |
    When the client sends GET /1
    And the client sends GET /2 on the agent's first 'free'
    Then response #1 has the body "go says /1"
    And response #2 fails with ECONNRESET "aborted"

  Scenario: a rule of the simulated network only is refused
    Given the service at "` + srv.URL + `"
    And the fault rule:
      | what   | partition |
      | client | client    |
      | server | server    |
    When the client sends GET /1
    Then the response has status 200
`
	if err := os.WriteFile(feature, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	ok, err, out := run(t, RunOptions{Paths: []string{feature + ":2"}})
	if !ok || err != nil {
		t.Fatalf("the scenario failed: %v\n%s", err, out)
	}
	ok, _, out = run(t, RunOptions{Paths: []string{feature + ":15"}})
	if ok || !strings.Contains(out, "partition is a fault of the simulated network") {
		t.Errorf("a partition against a real service: ok %v\n%s", ok, out)
	}
}

func TestAServiceStartedFromACommand(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("!!! SKIPPING: no node on PATH to run the fixtures' server; TestAScenarioAgainstAServiceAtAURL checks a real service without it")
	}
	if ok, err, out := run(t, RunOptions{Paths: []string{"testdata/service_command.feature"}}); !ok || err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
}
