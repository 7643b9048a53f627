package features

import (
	"errors"
	"io"
	"testing"
)

func TestARunSelectingNothingIsAnError(t *testing.T) {
	cases := map[string]RunOptions{
		"an empty directory":       {Paths: []string{t.TempDir()}},
		"only a broken scenario":   {Paths: []string{"testdata/unknown_step.feature"}},
		"a file not on disk or in": {Paths: []string{"no/such.feature"}},
	}
	for what, opts := range cases {
		opts.Output = io.Discard
		ok, err := Run(opts)
		var nr *NothingToRunError
		var fe *FeatureError
		if ok || !(errors.As(err, &nr) || errors.As(err, &fe)) {
			t.Errorf("%s: ok=%v err=%v, want nothing to run", what, ok, err)
		}
	}
	ok, err := Sweep(SweepOptions{Paths: []string{"client/orders.feature"}, Seeds: [2]uint64{1, 2}, Output: io.Discard})
	var nr *NothingToRunError
	if ok || !errors.As(err, &nr) || nr.Why != "no selected scenario is tagged @sweep" {
		t.Errorf("sweep without @sweep scenarios: ok=%v err=%v", ok, err)
	}
}

func TestBundledNamesRunFromAnyDirectory(t *testing.T) {
	// The test runs in features/, where features/agent is not on disk.
	for _, p := range []string{"features/agent/pooling.feature", "features/agent/pooling.feature:9", "features/agent"} {
		c, err := loadCatalog([]string{p})
		if err != nil || len(c.files) == 0 || c.fsys != bundle {
			t.Errorf("loadCatalog(%q): %v", p, err)
		}
	}
	c, err := loadCatalog([]string{"testdata/refused.feature"})
	if err != nil || c.fsys == bundle {
		t.Errorf("a file on disk is read from disk: %v", err)
	}
}
