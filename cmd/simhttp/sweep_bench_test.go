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

// sweepBenchSeeds is how many seeds each timed sweep runs: a few seconds
// with one job on an idle 2-core machine (a seed is about 0.6 ms of CPU),
// so that the fixed cost of a command, which --jobs 2 pays in three
// processes at once (start, load the features: ~50-80 ms of CPU each), is
// a few percent of it rather than the figure measured.
const sweepBenchSeeds = 5000

// BenchmarkSweepJobs times what a user runs: `simhttp sweep --seeds
// 1-5000` (this test binary standing in for simhttp) as a fresh command
// with --jobs 1, which runs in one process, and with --jobs 2, which runs
// two worker processes. After a warm-up pair it times max(b.N, 3) pairs,
// alternating which goes first, and reports each side's median seeds/s
// with its least and greatest, the CPU per seed of the command and its
// workers, and x-jobs2, the median of the pairs' ratios (with -lo and -hi):
// on an idle 2-core machine it should reach 1.8.
func BenchmarkSweepJobs(b *testing.B) {
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	sweep := func(jobs, seeds int) (perSec, cpuMsPerSeed float64) {
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
	sweep(1, 200)
	sweep(2, 200)
	pairs := max(b.N, 3)
	var one, two, ratio, cpuOne, cpuTwo []float64
	for i := range pairs {
		var s1, s2, c1, c2 float64
		if i%2 == 0 {
			s1, c1 = sweep(1, sweepBenchSeeds)
			s2, c2 = sweep(2, sweepBenchSeeds)
		} else {
			s2, c2 = sweep(2, sweepBenchSeeds)
			s1, c1 = sweep(1, sweepBenchSeeds)
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
