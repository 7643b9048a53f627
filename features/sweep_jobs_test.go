package features

import (
	"bytes"
	"crypto/sha256"
	"os"
	"path/filepath"
	"testing"
)

// sweepRun is everything a sweep leaves: its report and each seed's traces.
type sweepRun struct {
	report string
	traces map[uint64][32]byte
	all    bytes.Buffer // every trace in seed order, for the trace guard
}

func sweepWith(t *testing.T, opts SweepOptions) *sweepRun {
	t.Helper()
	r := &sweepRun{traces: map[uint64][32]byte{}}
	var out bytes.Buffer
	opts.Output = &out
	if _, err := sweep(opts, true, func(seed uint64, s seedResult) {
		r.traces[seed] = sha256.Sum256([]byte(s.traces))
		r.all.WriteString(s.traces)
	}); err != nil {
		t.Fatal(err)
	}
	r.report = out.String()
	return r
}

// TestSweepIsTheSameForAnyJobs runs 1,000 seeds of the bundled @sweep
// scenarios, and 40 of a scenario that fails under faults, on one worker
// and on two, and wants the same report and, seed by seed, the same trace
// of every world.
func TestSweepIsTheSameForAnyJobs(t *testing.T) {
	for _, c := range []struct {
		name  string
		paths []string
		last  uint64
	}{
		{"bundled", nil, 1000},
		{"failing", []string{"testdata/sweep.feature"}, 40},
	} {
		t.Run(c.name, func(t *testing.T) {
			one := sweepWith(t, SweepOptions{Paths: c.paths, Seeds: [2]uint64{1, c.last}, Jobs: 1})
			two := sweepWith(t, SweepOptions{Paths: c.paths, Seeds: [2]uint64{1, c.last}, Jobs: 2})
			if one.report != two.report {
				t.Errorf("--jobs 1 reported\n%s\n--jobs 2 reported\n%s", one.report, two.report)
			}
			if len(one.traces) != int(c.last) {
				t.Fatalf("%d of %d seeds left traces", len(one.traces), c.last)
			}
			for seed, h := range one.traces {
				if two.traces[seed] != h {
					t.Errorf("seed %d: the traces differ between --jobs 1 and --jobs 2", seed)
				}
			}
			dumpGuard(t, "sweep-"+c.name+".txt", one.all.Bytes())
		})
	}
}

// dumpGuard writes data into $SIMHTTP_TRACE_DUMP when it is set, for
// scripts/trace-guard.sh, which proves a change leaves every trace
// byte-identical.
func dumpGuard(t *testing.T, name string, data []byte) {
	dir := os.Getenv("SIMHTTP_TRACE_DUMP")
	if dir == "" {
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "features-"+name), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestSweepWithoutTracesReportsTheSame sweeps with each seed's traces
// kept and without, when the worlds build no net event detail since
// nothing reads it, and wants the same report.
func TestSweepWithoutTracesReportsTheSame(t *testing.T) {
	for _, paths := range [][]string{nil, {"testdata/sweep.feature"}} {
		opts := SweepOptions{Paths: paths, Seeds: [2]uint64{1, 200}, Jobs: 1}
		traced := sweepWith(t, opts)
		var out bytes.Buffer
		opts.Output = &out
		if _, err := Sweep(opts); err != nil {
			t.Fatal(err)
		}
		if out.String() != traced.report {
			t.Errorf("%v: with traces the sweep reported\n%s\nwithout\n%s", paths, traced.report, out.String())
		}
	}
}
