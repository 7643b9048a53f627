package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"testing"
	"time"
)

// BenchmarkSweepJobs times what a user runs: `simhttp sweep --seeds 1-N`
// (this test binary standing in for simhttp) as a fresh command with
// --jobs 1, which runs in one process, and with --jobs 2, which runs
// seeds in the command and one worker process, for a sweep of 5,000 seeds
// (about a second with one job) and one of 20,000. A command has a fixed
// cost that --jobs 2 pays in two processes (start, load the features: tens
// of ms each), so the shorter sweep gains less; the longer one shows what
// the worker gives a sweep that runs for a while. After a warm-up pair it
// times max(b.N, 3) pairs per size, alternating which goes first, and
// reports each side's median seeds/s with its least and greatest, the CPU
// per seed of the command and its worker, and x-jobs2, the median of the
// pairs' ratios (with -lo and -hi).
func BenchmarkSweepJobs(b *testing.B) {
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	sweepOnce(b, exe, 1, 200)
	sweepOnce(b, exe, 2, 200)
	for _, seeds := range []int{5000, 20000} {
		b.Run(fmt.Sprint("seeds=", seeds), func(b *testing.B) { sweepPairs(b, exe, max(b.N, 3), seeds) })
	}
}

// sweepOnce runs exe as `simhttp sweep --seeds 1-seeds --jobs jobs` and
// returns its seeds per second of wall time and its CPU per seed.
func sweepOnce(b *testing.B, exe string, jobs, seeds int) (perSec, cpuMsPerSeed float64) {
	cmd := exec.Command(exe, "sweep", "--seeds", fmt.Sprint("1-", seeds), "--jobs", fmt.Sprint(jobs))
	cmd.Env = append(os.Environ(), asCLIEnv+"=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	want := fmt.Sprintf("sweep: %d seeds (1-%d): %d passed, 0 failed\n", seeds, seeds, seeds)
	if err != nil || out.String() != want {
		b.Fatalf("sweep --jobs %d: %v\n%s", jobs, err, out.String())
	}
	cpu := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	return float64(seeds) / wall.Seconds(), cpu.Seconds() * 1e3 / float64(seeds)
}

// sweepPairs times pairs of sweeps of seeds, --jobs 1 and --jobs 2, and
// reports them as BenchmarkSweepJobs describes.
func sweepPairs(b *testing.B, exe string, pairs, seeds int) {
	var one, two, ratio, cpuOne, cpuTwo []float64
	for i := range pairs {
		var s1, s2, c1, c2 float64
		if i%2 == 0 {
			s1, c1 = sweepOnce(b, exe, 1, seeds)
			s2, c2 = sweepOnce(b, exe, 2, seeds)
		} else {
			s2, c2 = sweepOnce(b, exe, 2, seeds)
			s1, c1 = sweepOnce(b, exe, 1, seeds)
		}
		one, two, ratio = append(one, s1), append(two, s2), append(ratio, s2/s1)
		cpuOne, cpuTwo = append(cpuOne, c1), append(cpuTwo, c2)
	}
	for _, m := range []struct {
		values          []float64
		unit, low, high string
	}{
		{one, "jobs1-seeds/s", "jobs1-min-seeds/s", "jobs1-max-seeds/s"},
		{two, "jobs2-seeds/s", "jobs2-min-seeds/s", "jobs2-max-seeds/s"},
		{ratio, "x-jobs2", "x-jobs2-lo", "x-jobs2-hi"},
	} {
		slices.Sort(m.values)
		b.ReportMetric(median(m.values), m.unit)
		b.ReportMetric(m.values[0], m.low)
		b.ReportMetric(m.values[len(m.values)-1], m.high)
	}
	slices.Sort(cpuOne)
	slices.Sort(cpuTwo)
	b.ReportMetric(median(cpuOne), "jobs1-cpu-ms/seed")
	b.ReportMetric(median(cpuTwo), "jobs2-cpu-ms/seed")
}

// median is the middle of sorted values (the lower middle of an even count).
func median(sorted []float64) float64 { return sorted[(len(sorted)-1)/2] }
