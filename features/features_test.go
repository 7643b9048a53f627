package features

import (
	"io"
	"testing"

	"github.com/cucumber/godog"
)

// TestFeatures runs every bundled feature as a subtest.
func TestFeatures(t *testing.T) {
	c, err := loadCatalog(nil)
	if err != nil {
		t.Fatal(err)
	}
	s := &suite{catalog: c, seed: 1}
	paths := s.runnable()
	for _, p := range s.problems {
		t.Error(p)
	}
	if status := s.run(godog.Options{Format: "progress", Output: io.Discard, TestingT: t}, paths); status != 0 {
		t.Errorf("godog exited with status %d", status)
	}
}
