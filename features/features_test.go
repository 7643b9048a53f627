package features

import (
	"io"
	"testing"

	"github.com/cucumber/godog"
)

// TestFeatures runs every bundled feature as a subtest. Scenarios tagged
// @diverges (the simulation does not yet produce Node's sequence) run apart:
// each must still fail, so the tag goes as soon as the difference does.
func TestFeatures(t *testing.T) {
	c, err := loadCatalog(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := &suite{catalog: c, seed: 1}
	paths := s.runnable()
	for _, p := range s.problems {
		t.Error(p)
	}
	if status := s.run(godog.Options{Format: "progress", Output: io.Discard, TestingT: t, Tags: "~@diverges"}, paths); status != 0 {
		t.Errorf("godog exited with status %d", status)
	}
	t.Run("diverging", func(t *testing.T) {
		d := &suite{catalog: c, seed: 1}
		var ran []string
		d.onWorld = func(w *world) { ran = append(ran, w.ref()) }
		d.run(godog.Options{Format: "progress", Output: io.Discard, Tags: "@diverges"}, d.runnable())
		failed := map[string]error{}
		for _, f := range d.failures {
			failed[f.ref] = f.err
		}
		for _, ref := range ran {
			if err, ok := failed[ref]; ok {
				t.Logf("%s still diverges from Node v20: %s", ref, firstLine(err.Error()))
			} else {
				t.Errorf("%s now produces Node's sequence: remove its @diverges tag", ref)
			}
		}
	})
}
