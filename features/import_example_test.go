package features_test

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/cucumber/godog"

	"github.com/simhttp/simhttp/features"
	"github.com/simhttp/simhttp/simnet"
)

// A team's godog suite uses simhttp's steps beside a step of its own,
// which reads the scenario's trace.
func ExampleInitializeScenario() {
	const feature = `Feature: our retry policy
  Scenario: a reset after the response headers
    Given a server that responds with status 200 and body "hello"
    And the server resets the connection after the response headers
    When the client sends GET /
    Then exactly one error is emitted
`
	var seen string
	ours := func(ctx context.Context) error {
		events, err := features.Events(ctx)
		if err != nil {
			return err
		}
		seen = simnet.Compact(events, false)
		if n := strings.Count(seen, ":error("); n != 1 {
			return fmt.Errorf("%d errors were emitted", n)
		}
		return nil
	}
	status := godog.TestSuite{
		ScenarioInitializer: func(ctx *godog.ScenarioContext) {
			features.InitializeScenario(ctx)
			ctx.Step(`^exactly one error is emitted$`, ours)
		},
		Options: &godog.Options{
			Format:          "progress",
			Output:          io.Discard,
			Strict:          true,
			FeatureContents: []godog.Feature{{Name: "retry.feature", Contents: []byte(feature)}},
		},
	}.Run()
	fmt.Println("status", status)
	fmt.Println(seen)
	// Output:
	// status 0
	// req:socket server:connection socket:connect req:finish server:request sres:finish sres:close sreq:end sreq:close ssocket:close req:response socket:end socket:close res:aborted req:close server:close res:error(ECONNRESET) res:close
}
