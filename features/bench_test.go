package features

import (
	"io"
	"testing"

	"github.com/cucumber/godog"
)

// BenchmarkBundledFeatures runs every bundled scenario once per iteration
// and reports how many scenarios run per second of wall time.
func BenchmarkBundledFeatures(b *testing.B) {
	c, err := loadCatalog(nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	scenarios := 0
	for _, f := range c.files {
		scenarios += len(f.pickles)
	}
	b.ResetTimer()
	for range b.N {
		s := &suite{catalog: c, seed: 1}
		s.run(godog.Options{Format: "progress", Output: io.Discard}, s.runnable())
	}
	b.ReportMetric(float64(scenarios*b.N)/b.Elapsed().Seconds(), "scenarios/s")
}
