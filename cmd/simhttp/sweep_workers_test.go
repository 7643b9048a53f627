package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/simhttp/simhttp/features"
)

// asCLIEnv, set to 1, makes this test binary the simhttp command, so tests
// and benchmarks can run it as a user would.
const asCLIEnv = "SIMHTTP_TEST_AS_CLI"

// TestMain lets this test binary stand in for simhttp: `sweep --jobs N`
// starts its workers from os.Executable(), which under go test is this
// binary.
func TestMain(m *testing.M) {
	if isWorker() || os.Getenv(asCLIEnv) == "1" {
		main()
	}
	os.Exit(m.Run())
}

// sweepOutput is everything one sweep command leaves.
type sweepOutput struct {
	code                      int
	stdout, stderr, json, xml string
}

func sweepCmd(t *testing.T, stdin string, args ...string) sweepOutput {
	t.Helper()
	dir := t.TempDir()
	jsonPath, xmlPath := filepath.Join(dir, "r.json"), filepath.Join(dir, "r.xml")
	var out, errOut bytes.Buffer
	code := runIO(append([]string{"sweep", "--json", jsonPath, "--junit", xmlPath}, args...), strings.NewReader(stdin), &out, &errOut)
	res := sweepOutput{code: code, stdout: out.String(), stderr: errOut.String()}
	for _, f := range []struct {
		path string
		into *string
	}{{jsonPath, &res.json}, {xmlPath, &res.xml}} {
		data, err := os.ReadFile(f.path)
		if err != nil && code < 2 {
			t.Fatalf("%q: exit %d without %s: %v\n%s", args, code, f.path, err, res.stderr)
		}
		*f.into = string(data)
	}
	return res
}

// TestSweepInWorkerProcessesIsTheSame runs 1,000 seeds of the bundled
// @sweep scenarios, and seeds of a scenario that fails under faults
// (shrunk schedules, determinism checks, a shard, the feature on standard
// input), in process with --jobs 1 and with --jobs 2 and 3 (the command
// and one or two worker processes), and wants the same exit status,
// report, JSON and JUnit, byte for byte.
// Every world's trace is compared seed by seed in features'
// TestSweepIsTheSameForAnyJobs, where each goroutine runs another sequence
// of seeds, as each worker process does; a worker adds only a fresh
// process, which --jobs 1 starts from too.
func TestSweepInWorkerProcessesIsTheSame(t *testing.T) {
	failing, err := os.ReadFile("../../features/testdata/sweep.feature")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		stdin string
		args  []string
	}{
		{"bundled", "", []string{"--seeds", "1-1000"}},
		{"failing", "", []string{"../../features/testdata/sweep.feature", "--seeds", "1-40", "--check-determinism"}},
		{"shard", "", []string{"../../features/testdata/sweep.feature", "--seeds", "1-60", "--shard", "2/3"}},
		{"stdin", string(failing), []string{"-", "--seeds", "1-20"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			one := sweepCmd(t, c.stdin, append(c.args, "--jobs", "1")...)
			if one.code > 1 || !strings.Contains(one.stdout, "sweep: ") {
				t.Fatalf("--jobs 1: exit %d\n%s%s", one.code, one.stdout, one.stderr)
			}
			if fails := c.name != "bundled"; fails != strings.Contains(one.stdout, "smallest fault schedule") {
				t.Fatalf("--jobs 1: want failures %v, got\n%s", fails, one.stdout)
			}
			for _, jobs := range []string{"2", "3"} {
				if c.name == "bundled" && jobs == "3" {
					continue // 1,000 seeds twice is the bound; --jobs 3 splits the smaller runs
				}
				many := sweepCmd(t, c.stdin, append(c.args, "--jobs", jobs)...)
				if many != one {
					t.Errorf("--jobs %s differs from --jobs 1:\nexit %d vs %d\nstdout\n%s\nvs\n%s\nstderr %q vs %q\njson equal %v, junit equal %v",
						jobs, many.code, one.code, many.stdout, one.stdout, many.stderr, one.stderr, many.json == one.json, many.xml == one.xml)
				}
			}
		})
	}
}

// fakeWorker is a worker process written in sh, for the ways a real one
// can fail.
func fakeWorker(t *testing.T, script string) *workers {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the fake workers are sh scripts")
	}
	path := filepath.Join(t.TempDir(), "worker.sh")
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+script+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return &workers{n: 1, exe: path, interrupted: context.Background()}
}

// TestSweepWorkerFailuresNameTheWorkerTheSeedsAndTheCause makes a worker
// crash, get killed, write garbage, answer the wrong seed and end early,
// and wants each to stop the sweep with an error saying which worker,
// which seeds it held and why, with its last words on standard error.
func TestSweepWorkerFailuresNameTheWorkerTheSeedsAndTheCause(t *testing.T) {
	for _, c := range []struct {
		name, script string
		want         []string
	}{
		{"crash", `read job; echo ready; read a; read b; echo "panic: something broke" >&2; exit 7`,
			[]string{"sweep worker 1 (pid ", "running seed 10, 11", "exited: exit status 7", "its standard error ends:\n    panic: something broke"}},
		{"killed", `read job; echo ready; read a; read b; kill -9 $$`,
			[]string{"sweep worker 1", "running seed 10, 11", "signal: killed"}},
		{"garbage", `read job; echo ready; read a; read b; echo "hello there"; cat >/dev/null`,
			[]string{"sweep worker 1", "running seed 10, 11", `sent "hello there", which is not a seed's result`}},
		{"wrong seed", `read job; echo ready; read a; read b; echo '{"seed":99,"ran":1}'; cat >/dev/null`,
			[]string{"sweep worker 1", "running seed 11", "answered seed 99, but the seed it was due to answer is 10"}},
		{"early", `read job; echo ready; read a; read b; echo '{"seed":10,"ran":1}'; echo "done, I think" >&2; exit 0`,
			[]string{"sweep worker 1", "running seed 11", "exited before answering every seed it was given", "done, I think"}},
		{"missing", "",
			[]string{"sweep worker 1: starting /no/such/worker: "}},
		{"fails to start", `read job; echo "features/x.feature: no such file" >&2; exit 2`,
			[]string{"sweep worker 1 (pid ", "exited: exit status 2", "its standard error ends:\n    features/x.feature: no such file"}},
		{"not ready", `read job; echo '{"seed":10,"ran":1}'; cat >/dev/null`,
			[]string{"sweep worker 1", `sent "{\"seed\":10,\"ran\":1}" before saying it was ready`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := fakeWorker(t, c.script)
			if c.script == "" {
				w.exe = "/no/such/worker"
			}
			var got []uint64
			err := w.run([]uint64{10, 11, 12, 13}, nil, func(s features.SweepSeed) error {
				got = append(got, s.Seed)
				return nil
			})
			var we *WorkerError
			if !errors.As(err, &we) {
				t.Fatalf("got %v, want a WorkerError (results for %v)", err, got)
			}
			for _, want := range c.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("the error does not say %q:\n%v", want, err)
				}
			}
		})
	}
}

// TestSweepCommandsOwnSeedsFailAsAWorkerDoes makes a seed the command runs
// itself panic, beside a worker process, and wants the sweep stopped with
// an error naming the command, the seed and the panic, as a crashing
// worker's names the worker.
func TestSweepCommandsOwnSeedsFailAsAWorkerDoes(t *testing.T) {
	w := fakeWorker(t, `read job; echo ready; while read batch; do for s in $batch; do echo "{\"seed\":$s,\"ran\":1}"; done; done`)
	seeds := make([]uint64, 400)
	for i := range seeds {
		seeds[i] = uint64(i + 1)
	}
	err := w.run(seeds, func(seed uint64) features.SweepSeed {
		if seed >= 300 {
			panic(fmt.Sprintf("seed %d broke", seed))
		}
		return features.SweepSeed{Seed: seed, Ran: 1}
	}, func(features.SweepSeed) error { return nil })
	var we *WorkerError
	if !errors.As(err, &we) || we.Worker != 0 || len(we.Seeds) != 1 || we.Seeds[0] < 300 {
		t.Fatalf("got %v, want a WorkerError for the command itself and one seed from 300 on", err)
	}
	for _, want := range []string{"the sweep command itself (pid ", fmt.Sprintf("running seed %d: panic: seed %d broke", we.Seeds[0], we.Seeds[0]), "where it panicked:\n    goroutine "} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not say %q:\n%v", want, err)
		}
	}
}

// TestSweepStopsAWorkerStillStartingWhenTheSeedsRunOut runs a sweep whose
// seeds the command runs itself before its worker says it is ready, and
// wants every result from the command, none handed to the worker, and the
// worker killed rather than waited for: a short sweep with --jobs 2 must
// not wait for a worker's start.
func TestSweepStopsAWorkerStillStartingWhenTheSeedsRunOut(t *testing.T) {
	w := fakeWorker(t, `read job; echo "a worker still loading its features" >&2; cat >/dev/null`)
	seeds := []uint64{1, 2, 3, 4, 5, 6, 7, 8}
	ranHere := 0
	here := func(seed uint64) features.SweepSeed { ranHere++; return features.SweepSeed{Seed: seed, Ran: 1} }
	var got []uint64
	if err := w.run(seeds, here, func(s features.SweepSeed) error {
		got = append(got, s.Seed)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if ranHere != len(seeds) || !slices.Equal(got, seeds) {
		t.Errorf("the command ran %d seeds and found %v, want all of %v", ranHere, got, seeds)
	}
	if ps := w.procs[0].cmd.ProcessState; ps == nil || ps.Exited() {
		t.Errorf("the worker ended as %v, want it killed by the command", ps)
	}
	if kids := children(t); kids != "" {
		t.Errorf("workers still running after the sweep returned: pids %s", kids)
	}
}

// TestSweepStartsNoMoreWorkersThanSeeds: --jobs N starts N-1 worker
// processes beside the command, but never more than the seeds its range
// and shard leave to share with the command.
func TestSweepStartsNoMoreWorkersThanSeeds(t *testing.T) {
	for _, c := range []struct {
		jobs   int
		lo, hi uint64
		shard  [2]int
		want   int
	}{
		{1, 1, 1000, [2]int{}, 0},
		{2, 1, 1000, [2]int{}, 1},
		{4, 1, 2, [2]int{}, 1},
		{4, 7, 7, [2]int{}, 0},
		{4, 1, 10, [2]int{2, 8}, 1}, // seeds 1 and 9
		{4, 1, 10, [2]int{5, 8}, 0}, // seed 4
		{8, 1, 100, [2]int{3, 4}, 7},
		{3, 0, math.MaxUint64, [2]int{2, 1 << 42}, 2}, // 4,194,304 seeds
	} {
		opts := features.SweepOptions{Seeds: [2]uint64{c.lo, c.hi}, Shard: c.shard}
		seeds, err := opts.SeedCount()
		if err != nil {
			t.Fatalf("--seeds %d-%d --shard %v: %v", c.lo, c.hi, c.shard, err)
		}
		if got := workerProcs(c.jobs, seeds); got != c.want {
			t.Errorf("--jobs %d --seeds %d-%d --shard %v: %d worker processes, want %d", c.jobs, c.lo, c.hi, c.shard, got, c.want)
		}
	}
}

// TestSweepWorkersStopWhenInterrupted interrupts a sweep far from its end,
// run by two workers and this process, and wants it to return at once,
// saying so, with no worker left running.
func TestSweepWorkersStopWhenInterrupted(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ctx, interrupt := context.WithCancel(context.Background())
	defer interrupt()
	w := &workers{n: 2, exe: exe, interrupted: ctx}
	seeds := make([]uint64, 1_000_000)
	for i := range seeds {
		seeds[i] = uint64(i + 1)
	}
	n := 0
	here := func(seed uint64) features.SweepSeed { return features.SweepSeed{Seed: seed, Ran: 1} }
	err = w.run(seeds, here, func(s features.SweepSeed) error {
		if n++; n == 3 {
			interrupt()
		}
		return nil
	})
	if !errors.Is(err, errInterrupted) {
		t.Fatalf("got %v, want the sweep interrupted", err)
	}
	if kids := children(t); kids != "" {
		t.Errorf("workers still running after the sweep returned: pids %s", kids)
	}
}

// children lists this process's child processes, on Linux; elsewhere it
// skips the test.
func children(t *testing.T) string {
	t.Helper()
	if tasks, _ := filepath.Glob("/proc/self/task/*/children"); len(tasks) == 0 {
		t.Skip("no /proc/PID/task/*/children here to list child processes")
	}
	return strings.Join(childrenOf(t, os.Getpid()), " ")
}

// childrenOf lists the child processes of pid, none once it is gone.
func childrenOf(t *testing.T, pid int) []string {
	t.Helper()
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	var kids []string
	for _, f := range tasks {
		data, err := os.ReadFile(f)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		kids = append(kids, strings.Fields(string(data))...)
	}
	return kids
}

// TestSweepWorkerRefusesAnythingButItsJob starts a worker on input that is
// not a job, as a user who set SIMHTTP_SWEEP_WORKER by mistake would, and
// wants a message telling them to unset it.
func TestSweepWorkerRefusesAnythingButItsJob(t *testing.T) {
	for _, in := range []string{"", "sweep --seeds 1-5\n", `{"paths":[]}` + "\nfive\n"} {
		var out, errOut bytes.Buffer
		code := serveWorker(strings.NewReader(in), &out, &errOut)
		if code != exitCannotRun {
			t.Errorf("input %q: exit %d, want %d", in, code, exitCannotRun)
		}
		if want := "unset " + workerEnv; in != `{"paths":[]}`+"\nfive\n" && !strings.Contains(errOut.String(), want) {
			t.Errorf("input %q: stderr %q does not say %q", in, errOut.String(), want)
		}
		if in == `{"paths":[]}`+"\nfive\n" && !strings.Contains(errOut.String(), `line 2 of standard input: "five" is not a seed`) {
			t.Errorf("input %q: stderr %q", in, errOut.String())
		}
	}
}

// TestSweepWorkerStartsNoWorkers runs sweep --jobs 2 as if inside a worker
// and wants it refused: workers never start workers.
func TestSweepWorkerStartsNoWorkers(t *testing.T) {
	t.Setenv(workerEnv, "1")
	out := sweepCmd(t, "", "--seeds", "1-4", "--jobs", "2")
	if out.code != exitCannotRun || !strings.Contains(out.stderr, "a sweep worker does not start workers of its own") {
		t.Errorf("exit %d, stderr %q", out.code, out.stderr)
	}
}

// TestSweepWorkersStartServicesAsNoWorkers sweeps a scenario whose
// service command tells whether SIMHTTP_SWEEP_WORKER reached it, in
// worker processes: it must not, or a simhttp a scenario starts would sit
// waiting for a worker's job where --jobs 1 runs it as asked.
func TestSweepWorkersStartServicesAsNoWorkers(t *testing.T) {
	feature := fmt.Sprintf(`Feature: a service started by a sweep
  @sweep
  Scenario: the service's command sees its environment
    Given the service started with "test -z $%s || exit 7; exit 3"
`, workerEnv)
	out := sweepCmd(t, feature, "-", "--seeds", "1-2", "--jobs", "2")
	if !strings.Contains(out.stdout, "exit status 3") || strings.Contains(out.stdout, "exit status 7") {
		t.Errorf("the service's command did not exit 3, as it does outside a worker:\nexit %d\n%s%s", out.code, out.stdout, out.stderr)
	}
}

// TestSweepWorkersGiveServicesTheCommandsPath sweeps a scenario whose
// service command checks its PATH, in worker processes, which start with
// PATH emptied for godog's package initialisation: the service must see
// the command's PATH, and nothing of how the worker carried it.
func TestSweepWorkersGiveServicesTheCommandsPath(t *testing.T) {
	path := os.Getenv("PATH")
	if path == "" || strings.ContainsAny(path, " \t\"'$") {
		t.Skipf("PATH %q is not one the service's unquoted test can compare", path)
	}
	t.Setenv("SIMHTTP_TEST_WANT_PATH", path)
	feature := fmt.Sprintf(`Feature: a service started by a sweep
  @sweep
  Scenario: the service's command sees the command's PATH
    Given the service started with "test $PATH = $SIMHTTP_TEST_WANT_PATH || exit 7; test -z $%s || exit 8; exit 3"
`, workerPathEnv)
	out := sweepCmd(t, feature, "-", "--seeds", "1-2", "--jobs", "2")
	if strings.Count(out.stdout, "exit status 3") != 2 {
		t.Errorf("the service's command did not exit 3 under both seeds, as it does with the command's PATH:\nexit %d\n%s%s", out.code, out.stdout, out.stderr)
	}
}

// TestSweepWorkersPassOnTheirStandardError: what a worker writes on
// standard error (a scenario's "!!! SKIPPING" line, say) reaches the
// command's standard error, as it does with --jobs 1, a whole line at a
// time, its last line even without a newline.
func TestSweepWorkersPassOnTheirStandardError(t *testing.T) {
	w := fakeWorker(t, `read job; echo "first line" >&2; printf "second " >&2; echo ready
while read batch; do for s in $batch; do echo "{\"seed\":$s,\"ran\":1}"; done; done
printf "line\nlast, no newline" >&2`)
	var stderr bytes.Buffer
	w.stderr = &stderr
	var got []uint64
	if err := w.run([]uint64{10, 11, 12, 13}, nil, func(s features.SweepSeed) error {
		got = append(got, s.Seed)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 {
		t.Fatalf("results for %v, want seeds 10-13", got)
	}
	if want := "first line\nsecond line\nlast, no newline\n"; stderr.String() != want {
		t.Errorf("the command's standard error got %q, want %q", stderr.String(), want)
	}
}
