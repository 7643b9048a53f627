package features

import (
	"context"
	"errors"

	"github.com/cucumber/godog"

	"github.com/simhttp/simhttp/simnet"
)

// InitializeScenario registers every simhttp step on a scenario of a
// godog suite, so a team runs them beside its own steps; each scenario
// gets a fresh simulated world seeded with 0.
func InitializeScenario(ctx *godog.ScenarioContext) {
	(&suite{}).initScenario(ctx)
}

// worldKey is the context key a scenario's world travels under.
type worldKey struct{}

// Events runs the scenario's simulated world until it settles and returns
// the events it emitted so far, for a step of the team's own to check
// (simnet.Compact prints them); ctx is the context godog passes the step.
func Events(ctx context.Context) ([]simnet.Event, error) {
	w, ok := ctx.Value(worldKey{}).(*world)
	if !ok {
		return nil, errors.New("features: no simhttp scenario in this context: register the steps with features.InitializeScenario and take the step's context.Context")
	}
	if err := w.settle(); err != nil {
		return nil, err
	}
	return append([]simnet.Event(nil), w.events...), nil
}
