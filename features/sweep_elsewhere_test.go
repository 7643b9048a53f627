package features

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

// TestSweepRunSeedsGivesTheSameReport hands a sweep's seeds to
// SweepWorker through RunSeeds, in reverse order, or half of them to
// SweepWorker and half to the sweep's own here, and wants the report the
// sweep writes on its own.
func TestSweepRunSeedsGivesTheSameReport(t *testing.T) {
	opts := SweepOptions{Paths: []string{"testdata/sweep.feature"}, Seeds: [2]uint64{1, 12}, Jobs: 1}
	var alone bytes.Buffer
	opts.Output = &alone
	if _, err := Sweep(opts); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		run  func([]uint64, func(uint64) SweepSeed, func(SweepSeed) error) error
	}{
		{"reversed", func(seeds []uint64, _ func(uint64) SweepSeed, found func(SweepSeed) error) error {
			reversed := slices.Clone(seeds)
			slices.Reverse(reversed)
			return SweepWorker(opts, slices.Values(reversed), found)
		}},
		{"half here", func(seeds []uint64, here func(uint64) SweepSeed, found func(SweepSeed) error) error {
			for _, s := range seeds[:len(seeds)/2] {
				if err := found(here(s)); err != nil {
					return err
				}
			}
			return SweepWorker(opts, slices.Values(seeds[len(seeds)/2:]), found)
		}},
	} {
		var handed bytes.Buffer
		opts.Output, opts.RunSeeds = &handed, c.run
		if _, err := Sweep(opts); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(alone.String(), "FAIL ") || handed.String() != alone.String() {
			t.Errorf("%s: through RunSeeds the sweep reported\n%s\nwhere alone it reported\n%s", c.name, handed.String(), alone.String())
		}
	}
}

// TestSweepRunSeedsMustAnswerEverySeedOnce gives a sweep a RunSeeds that
// drops a seed, repeats one or makes one up, and wants an error naming
// the seed rather than a report passing seeds that never ran.
func TestSweepRunSeedsMustAnswerEverySeedOnce(t *testing.T) {
	for _, c := range []struct {
		name   string
		answer func(seeds []uint64) []uint64
		want   string
	}{
		{"dropped", func(s []uint64) []uint64 { return s[:len(s)-1] }, "sweep seed 4 never came back (3 of 4 seeds did)"},
		{"repeated", func(s []uint64) []uint64 { return append(s, s[0]) }, "sweep seed 1 came back twice"},
		{"made up", func(s []uint64) []uint64 { return append(s, 99) }, "sweep seed 99 came back, but it is not one of this sweep's seeds"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var out bytes.Buffer
			_, err := Sweep(SweepOptions{Seeds: [2]uint64{1, 4}, Output: &out, RunSeeds: func(seeds []uint64, _ func(uint64) SweepSeed, found func(SweepSeed) error) error {
				for _, s := range c.answer(slices.Clone(seeds)) {
					if err := found(SweepSeed{Seed: s, Ran: 1}); err != nil {
						return err
					}
				}
				return nil
			}})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want an error saying %q", err, c.want)
			}
			if out.Len() != 0 {
				t.Errorf("it still wrote a report:\n%s", out.String())
			}
		})
	}
}

// TestSweepWorkerLoadsOnlySweepFeatures: a worker process parses only the
// feature files that mention @sweep and checks only @sweep scenarios, yet
// matches the very scenarios the sweep's own process does, in its order,
// even beside a feature whose unknown step the sweep reports.
func TestSweepWorkerLoadsOnlySweepFeatures(t *testing.T) {
	for _, paths := range [][]string{nil, {"testdata/unknown_step.feature", "testdata/sweep.feature"}} {
		all, err := loadSweep(SweepOptions{Paths: paths}, true)
		if err != nil {
			t.Fatal(err)
		}
		worker, err := loadSweep(SweepOptions{Paths: paths}, false)
		if err != nil {
			t.Fatal(err)
		}
		names := func(sw *loadedSweep) []string {
			var out []string
			for i := range sw.scenarios.scenarios {
				p := sw.scenarios.scenarios[i].pickle
				out = append(out, p.Uri+": "+p.Name)
			}
			return out
		}
		if got, want := names(worker), names(all); len(want) == 0 || !slices.Equal(got, want) {
			t.Errorf("%v: a worker matches %q, the sweep %q", paths, got, want)
		}
		for _, f := range worker.scenarios.catalog.files {
			if f.uri == "agent/pooling.feature" || f.uri == "testdata/unknown_step.feature" {
				t.Errorf("%v: a worker parsed %s, which does not mention @sweep", paths, f.uri)
			}
		}
		if n, m := len(worker.scenarios.catalog.files), len(all.scenarios.catalog.files); n >= m {
			t.Errorf("%v: a worker parsed %d files, as many as the sweep's %d", paths, n, m)
		}
		if len(worker.probe.problems) != 0 {
			t.Errorf("%v: a worker found problems: %v", paths, worker.probe.problems)
		}
	}
}
