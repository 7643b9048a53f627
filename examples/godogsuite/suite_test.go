package godogsuite

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/cucumber/godog"

	"github.com/simhttp/simhttp/features"
)

// TestFeatures runs the team's feature files with simhttp's steps and the
// team's own.
func TestFeatures(t *testing.T) {
	suite := godog.TestSuite{
		ScenarioInitializer: func(ctx *godog.ScenarioContext) {
			features.InitializeScenario(ctx)
			ctx.Step(`^the response arrives within (\d+) ms$`, theResponseArrivesWithin)
		},
		Options: &godog.Options{
			Format:   features.PrettyFormat,
			Paths:    []string{"features"},
			Strict:   true,
			NoColors: true,
			TestingT: t,
		},
	}
	if status := suite.Run(); status != 0 {
		t.Fatalf("godog exited with status %d", status)
	}
}

// theResponseArrivesWithin is the team's own step: it reads the trace of
// the world simhttp's steps built.
func theResponseArrivesWithin(ctx context.Context, ms string) error {
	limit, err := strconv.Atoi(ms)
	if err != nil {
		return err
	}
	events, err := features.Events(ctx)
	if err != nil {
		return err
	}
	for _, ev := range events {
		if ev.Obj == "req" && ev.Name == "response" {
			if ev.T > time.Duration(limit)*time.Millisecond {
				return fmt.Errorf("the response arrived after %v, more than %d ms", ev.T, limit)
			}
			return nil
		}
	}
	return fmt.Errorf("no response arrived")
}
