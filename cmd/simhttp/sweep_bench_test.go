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
//
// Beside each pair it times the same seeds as two --jobs 1 commands run
// at once, each on half of them, and reports x-apart, the median of
// their ratios to --jobs 1: what two cores give to processes that share
// nothing, on this machine at this moment. That bounds what --jobs 2 can
// reach, and x-jobs2-of-apart, the median of --jobs 2 against it, shows
// how much of the bound the worker protocol leaves on the table.
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
	return sweepAtOnce(b, exe, jobs, [][2]int{{1, seeds}})
}

// sweepApart runs exe as two `simhttp sweep --jobs 1` commands at once,
// one on each half of seeds 1-seeds, and returns their seeds per second
// of wall time, from both starting to both ending.
func sweepApart(b *testing.B, exe string, seeds int) (perSec float64) {
	perSec, _ = sweepAtOnce(b, exe, 1, [][2]int{{1, seeds / 2}, {seeds/2 + 1, seeds}})
	return perSec
}

// sweepAtOnce runs exe as one `simhttp sweep --jobs jobs` command per
// range of seeds, all at once, and returns the seeds per second of wall
// time until the last ends and the CPU per seed of them all.
func sweepAtOnce(b *testing.B, exe string, jobs int, ranges [][2]int) (perSec, cpuMsPerSeed float64) {
	cmds := make([]*exec.Cmd, len(ranges))
	outs := make([]bytes.Buffer, len(ranges))
	seeds := 0
	for i, r := range ranges {
		cmds[i] = exec.Command(exe, "sweep", "--seeds", fmt.Sprintf("%d-%d", r[0], r[1]), "--jobs", fmt.Sprint(jobs))
		cmds[i].Env = append(os.Environ(), asCLIEnv+"=1")
		cmds[i].Stdout, cmds[i].Stderr = &outs[i], &outs[i]
		seeds += r[1] - r[0] + 1
	}
	start := time.Now()
	for i, cmd := range cmds {
		if err := cmd.Start(); err != nil {
			b.Fatalf("sweep --seeds %d-%d: %v", ranges[i][0], ranges[i][1], err)
		}
	}
	errs := make([]error, len(cmds))
	for i, cmd := range cmds {
		errs[i] = cmd.Wait()
	}
	wall := time.Since(start)
	var cpu time.Duration
	for i, cmd := range cmds {
		r := ranges[i]
		n := r[1] - r[0] + 1
		want := fmt.Sprintf("sweep: %d seeds (%d-%d): %d passed, 0 failed\n", n, r[0], r[1], n)
		if errs[i] != nil || outs[i].String() != want {
			b.Fatalf("sweep --seeds %d-%d --jobs %d: %v\n%s", r[0], r[1], jobs, errs[i], outs[i].String())
		}
		cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	return float64(seeds) / wall.Seconds(), cpu.Seconds() * 1e3 / float64(seeds)
}

// sweepPairs times pairs of sweeps of seeds, --jobs 1 and --jobs 2, and
// reports them as BenchmarkSweepJobs describes.
func sweepPairs(b *testing.B, exe string, pairs, seeds int) {
	var one, two, ratio, cpuOne, cpuTwo, apart, bound, ofBound []float64
	for i := range pairs {
		var s1, s2, c1, c2 float64
		if i%2 == 0 {
			s1, c1 = sweepOnce(b, exe, 1, seeds)
			apart = append(apart, sweepApart(b, exe, seeds))
			s2, c2 = sweepOnce(b, exe, 2, seeds)
		} else {
			s2, c2 = sweepOnce(b, exe, 2, seeds)
			apart = append(apart, sweepApart(b, exe, seeds))
			s1, c1 = sweepOnce(b, exe, 1, seeds)
		}
		one, two, ratio = append(one, s1), append(two, s2), append(ratio, s2/s1)
		cpuOne, cpuTwo = append(cpuOne, c1), append(cpuTwo, c2)
		bound, ofBound = append(bound, apart[i]/s1), append(ofBound, s2/apart[i])
	}
	for _, m := range []struct {
		values          []float64
		unit, low, high string
	}{
		{one, "jobs1-seeds/s", "jobs1-min-seeds/s", "jobs1-max-seeds/s"},
		{two, "jobs2-seeds/s", "jobs2-min-seeds/s", "jobs2-max-seeds/s"},
		{ratio, "x-jobs2", "x-jobs2-lo", "x-jobs2-hi"},
		{bound, "x-apart", "x-apart-lo", "x-apart-hi"},
		{ofBound, "x-jobs2-of-apart", "x-jobs2-of-apart-lo", "x-jobs2-of-apart-hi"},
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
