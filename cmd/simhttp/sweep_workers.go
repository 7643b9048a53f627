package main

// `sweep --jobs N` runs its seeds in this process and N-1 worker
// processes of this same binary rather than N goroutines of one:
// goroutines share one heap, and a seed is mostly allocation, so two of
// them run 1.4-1.5x one (BENCHMARKS.md, issue 10, has what the processes
// give). The parent loads the features while the workers load them too,
// hands each worker batches of seeds, one batch ahead of what it has
// finished, runs seeds itself one at a time with the features it loaded,
// and writes the report from what comes back, so the report is the one a
// single process writes.
//
// The protocol is lines on the worker's standard input and output: first
// a workerJob in JSON; the worker answers workerReady once it has loaded
// the features, and only then is it sent batches of seeds, a line each,
// separated by spaces; it answers each seed, in order, with a
// features.SweepSeed in JSON, a line each, flushed at the end of each
// batch, and exits once its input ends. A worker whose parent dies reads
// the end of its input and exits.
//
// Seeds go to a worker that is ready, not to one merely started: a
// worker takes tens of milliseconds to start, and seeds handed to it at
// once sat unrun for that long, so a sweep the command could finish alone
// waited for them. A worker still starting when every seed is handed out
// holds none, and the command stops it instead of waiting.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"os/exec"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/simhttp/simhttp/features"
)

// workerEnv, set (to 1) in a process's environment, makes simhttp a sweep
// worker reading its job from standard input instead of a command line.
const workerEnv = "SIMHTTP_SWEEP_WORKER"

// workerJob is the first line a worker reads: what every seed runs.
type workerJob struct {
	Paths            []string `json:"paths"`
	CheckDeterminism bool     `json:"check_determinism"`
	Stdin            []byte   `json:"stdin,omitempty"` // the feature of the path -, read once by the parent
}

// workerReady is the line a worker writes once it can run seeds at once.
const workerReady = "ready"

// batchesAhead is how many batches of seeds a worker holds at once: the
// one it runs and the next, so it never waits for the parent.
const batchesAhead = 2

// maxBatch bounds a batch of seeds. The parent's cost is mostly the Go
// scheduler waking it (and its threads) for each batch's results: handing
// out seeds one at a time cost it about 85 us of CPU per seed, batches of
// 8 still about 25 us (a seed itself is about 300 us), batches of 64 about
// 8 us, which moved --jobs 2 (then two workers beside the parent) from
// 1.56x to 1.67x --jobs 1 at 20,000 seeds.
// Near the end batches shrink, so no worker idles while another still
// holds several seeds.
const maxBatch = 64

// workerPathEnv carries the command's PATH to a worker, whose PATH is left
// empty until main puts it back: godog's package initialisation runs `go
// env GOTOOLDIR` in every process that links it, before main, which
// delayed each worker's first seed by the start of a go command and cost
// it 0.01-0.02 s of CPU, and with no PATH it finds no go to run.
const workerPathEnv = "SIMHTTP_SWEEP_WORKER_PATH"

// workerEnviron is a worker's environment: this process's, marked as a
// worker's, with PATH emptied in place and carried in workerPathEnv.
func workerEnviron() []string {
	env := os.Environ()
	for i, kv := range env {
		if path, ok := strings.CutPrefix(kv, "PATH="); ok {
			env[i] = "PATH="
			env = append(env, workerPathEnv+"="+path)
			break
		}
	}
	return append(env, workerEnv+"=1")
}

// becomeWorker puts back the PATH workerEnviron carried and unsets what
// marked the process as a worker: what a worker starts, a scenario's
// service, sees the command's environment, as under --jobs 1, and a
// simhttp it runs is no worker but does as it is told.
func becomeWorker() {
	if path, ok := os.LookupEnv(workerPathEnv); ok {
		_ = os.Setenv("PATH", path)
		_ = os.Unsetenv(workerPathEnv)
	}
	_ = os.Unsetenv(workerEnv)
}

// isWorker reports whether this process was started as a sweep worker.
func isWorker() bool { return os.Getenv(workerEnv) != "" }

// serveWorker is a worker process's whole life: it reads its job and
// seeds from stdin and writes each seed's result to stdout, returning
// the exit status.
func serveWorker(stdin io.Reader, stdout, stderr io.Writer) int {
	if err := work(stdin, stdout); err != nil {
		fmt.Fprintf(stderr, "simhttp sweep worker: %v\n", err)
		return exitCannotRun
	}
	return exitOK
}

func work(stdin io.Reader, stdout io.Writer) error {
	in := bufio.NewReader(stdin)
	head, err := in.ReadBytes('\n')
	if err != nil && !(errors.Is(err, io.EOF) && len(head) > 0) {
		return fmt.Errorf("%s is set, so this process is a sweep worker, but its job never came on standard input (%v); unset %s to run simhttp", workerEnv, err, workerEnv)
	}
	var job workerJob
	dec := json.NewDecoder(bytes.NewReader(head))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&job); err != nil {
		return fmt.Errorf("%s is set, so this process is a sweep worker, but the first line of standard input is not its job (%v); unset %s to run simhttp", workerEnv, err, workerEnv)
	}
	var stdinFeature io.Reader
	if job.Stdin != nil {
		stdinFeature = bytes.NewReader(job.Stdin)
	}
	var readErr error
	lastOfBatch := false
	out := bufio.NewWriter(stdout)
	seeds := func(yield func(uint64) bool) {
		// The sweep asks for its first seed once the features are loaded.
		_, _ = out.WriteString(workerReady + "\n") // a failed write fails Flush too
		if err := out.Flush(); err != nil {
			readErr = fmt.Errorf("saying it is ready: %w", err)
			return
		}
		for line := 2; ; line++ {
			text, err := in.ReadString('\n')
			if errors.Is(err, io.EOF) && text == "" {
				return
			}
			if err != nil && !errors.Is(err, io.EOF) {
				readErr = fmt.Errorf("reading seeds: %w", err)
				return
			}
			batch := strings.Fields(text)
			if len(batch) == 0 {
				readErr = fmt.Errorf("line %d of standard input is empty, not a batch of seeds", line)
				return
			}
			for i, field := range batch {
				seed, err := strconv.ParseUint(field, 10, 64)
				if err != nil {
					readErr = fmt.Errorf("line %d of standard input: %q is not a seed", line, field)
					return
				}
				lastOfBatch = i == len(batch)-1
				if !yield(seed) {
					return
				}
			}
		}
	}
	enc := json.NewEncoder(out)
	err = features.SweepWorker(features.SweepOptions{
		Paths: job.Paths, Stdin: stdinFeature, CheckDeterminism: job.CheckDeterminism, BatchGC: batchGC(),
	}, iter.Seq[uint64](seeds), func(s features.SweepSeed) error {
		if err := enc.Encode(s); err != nil || !lastOfBatch {
			return err
		}
		return out.Flush()
	})
	return errors.Join(err, readErr)
}

// workers runs a sweep's seeds in n worker processes of exe.
type workers struct {
	n   int
	exe string
	job workerJob
	// interrupted, when done, stops the workers and the sweep.
	interrupted context.Context
	procs       []*proc
	// stderr receives the lines the workers write on standard error, as
	// --jobs 1 would have written them there itself; nil drops them.
	stderr   io.Writer
	stderrMu sync.Mutex
}

// proc is one worker process, started and sent its job.
type proc struct {
	id     int
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout io.Reader
	tail   *tailWriter
	relay  *lineRelay
	job    chan error // whether writing the job worked, once written
	waited bool
}

// WorkerError is a worker process that failed: it crashed, was killed,
// sent something that is not a seed's result or ended before its seeds;
// or a seed the command ran itself that panicked.
type WorkerError struct {
	Worker int      // 1 to N-1; 0 is the command itself
	PID    int      // 0 when it never started
	Seeds  []uint64 // the seeds it held, unanswered, when it failed
	Err    error    // what went wrong
	Stderr string   // the last lines it wrote on standard error; for the command itself, the panic's stack
}

func (e *WorkerError) Error() string {
	var b strings.Builder
	if e.Worker == 0 {
		b.WriteString("the sweep command itself")
	} else {
		fmt.Fprintf(&b, "sweep worker %d", e.Worker)
	}
	if e.PID != 0 {
		fmt.Fprintf(&b, " (pid %d)", e.PID)
	}
	if len(e.Seeds) > 0 {
		seeds := make([]string, len(e.Seeds))
		for i, s := range e.Seeds {
			seeds[i] = strconv.FormatUint(s, 10)
		}
		fmt.Fprintf(&b, ", running seed %s", strings.Join(seeds, ", "))
	}
	fmt.Fprintf(&b, ": %v", e.Err)
	if e.Stderr != "" {
		what := "its standard error ends"
		if e.Worker == 0 {
			what = "where it panicked"
		}
		fmt.Fprintf(&b, "\n  %s:\n    %s", what, strings.ReplaceAll(strings.TrimRight(e.Stderr, "\n"), "\n", "\n    "))
	}
	return b.String()
}

func (e *WorkerError) Unwrap() error { return e.Err }

// errInterrupted is a sweep stopped by SIGINT or SIGTERM.
var errInterrupted = errors.New("interrupted: the sweep workers were stopped")

// start starts the worker processes and sends each its job, so they
// load the features while this process loads them too.
func (w *workers) start() error {
	job, err := json.Marshal(w.job)
	if err != nil {
		return err
	}
	// One line for all workers: each goroutine appending the newline to
	// job itself wrote into the spare capacity they shared.
	job = append(job, '\n')
	for id := 1; id <= w.n; id++ {
		p := &proc{id: id, tail: &tailWriter{}, relay: &lineRelay{out: w.stderr, mu: &w.stderrMu}, job: make(chan error, 1)}
		p.cmd = exec.Command(w.exe)
		p.cmd.Env = workerEnviron()
		inOwnGroup(p.cmd)
		p.cmd.Stderr = io.MultiWriter(p.tail, p.relay)
		// A worker that exited leaves its stderr to drain; a grandchild
		// holding it open must not keep the sweep waiting.
		p.cmd.WaitDelay = 5 * time.Second
		if p.stdin, err = p.cmd.StdinPipe(); err == nil {
			p.stdout, err = p.cmd.StdoutPipe()
		}
		if err == nil {
			err = p.cmd.Start()
		}
		if err != nil {
			w.stop()
			return &WorkerError{Worker: id, Err: fmt.Errorf("starting %s: %w", w.exe, err)}
		}
		w.procs = append(w.procs, p)
		go func() {
			_, err := p.stdin.Write(job)
			p.job <- err
		}()
	}
	return nil
}

// stop kills the workers still running and waits for them; a sweep that
// ended before its seeds did leaves none behind.
func (w *workers) stop() {
	for _, p := range w.procs {
		if !p.waited {
			_ = p.cmd.Process.Kill()
			_ = p.cmd.Wait()
			p.relay.flush()
			p.waited = true
		}
	}
}

// run hands seeds out to the workers as each asks for more and passes
// each result to found; the first worker to fail stops the others. Unless
// here is nil, this process runs seeds too, one at a time, with here.
func (w *workers) run(seeds []uint64, here func(uint64) features.SweepSeed, found func(features.SweepSeed) error) error {
	if w.procs == nil {
		if err := w.start(); err != nil {
			return err
		}
	}
	defer w.stop()
	ctx, stop := context.WithCancelCause(w.interrupted)
	defer stop(nil)
	context.AfterFunc(ctx, func() {
		for _, p := range w.procs {
			_ = p.cmd.Process.Kill()
		}
	})
	runners := len(w.procs)
	if here != nil {
		runners++
	}
	var mu sync.Mutex
	next := 0
	// handedOut is closed once every seed has been taken.
	handedOut := make(chan struct{})
	take := func(most int) []uint64 {
		mu.Lock()
		defer mu.Unlock()
		left := len(seeds) - next
		n := min(max(left/(2*batchesAhead*runners), 1), most, left)
		batch := seeds[next : next+n]
		next += n
		if n > 0 && next == len(seeds) {
			close(handedOut)
		}
		return batch
	}
	var foundMu sync.Mutex
	foundOne := func(s features.SweepSeed) error {
		foundMu.Lock()
		defer foundMu.Unlock()
		return found(s)
	}
	var wg sync.WaitGroup
	if here != nil {
		wg.Go(func() {
			if err := runHere(ctx, take, here, foundOne); err != nil {
				stop(err)
			}
		})
	}
	for _, p := range w.procs[:min(len(w.procs), len(seeds))] {
		wg.Go(func() {
			if err := p.run(ctx, func() []uint64 { return take(maxBatch) }, handedOut, foundOne); err != nil {
				stop(err)
			}
		})
	}
	wg.Wait()
	if w.interrupted.Err() != nil {
		return errInterrupted
	}
	return context.Cause(ctx)
}

// runHere runs seeds in this process, one at a time so that it never
// holds seeds a worker could run, until they run out or ctx ends. A seed
// that panics stops the sweep as a crashing worker does, with an error
// naming this process and the seed.
func runHere(ctx context.Context, take func(most int) []uint64, here func(uint64) features.SweepSeed, found func(features.SweepSeed) error) (err error) {
	var seed uint64
	defer func() {
		if e := recover(); e != nil {
			err = &WorkerError{PID: os.Getpid(), Seeds: []uint64{seed}, Err: fmt.Errorf("panic: %v", e), Stderr: string(debug.Stack())}
		}
	}()
	for ctx.Err() == nil {
		batch := take(1)
		if len(batch) == 0 {
			return nil
		}
		seed = batch[0]
		if err := found(here(seed)); err != nil {
			return err
		}
	}
	return nil
}

// run gives the worker seeds, once it is ready, until they run out or ctx
// ends; if every seed is handed out before it is ready, it stops the
// worker.
func (p *proc) run(ctx context.Context, take func() []uint64, handedOut <-chan struct{}, found func(features.SweepSeed) error) error {
	fail := func(held []uint64, err error) error {
		return &WorkerError{Worker: p.id, PID: p.cmd.Process.Pid, Seeds: held, Err: err, Stderr: p.tail.String()}
	}
	var held heldSeeds
	slots := make(chan struct{}, batchesAhead)
	ready := make(chan struct{})
	finished := make(chan struct{})
	wrote := make(chan error, 1)
	go func() { wrote <- p.feed(&held, slots, ready, handedOut, finished, take) }()

	readErr := p.collect(&held, slots, ready, found)
	close(finished)
	if readErr != nil || len(held.all()) > 0 {
		// It broke the protocol or closed its output early: whatever it
		// still does is of no use.
		_ = p.cmd.Process.Kill()
	}
	feedErr := <-wrote
	waitErr := p.cmd.Wait()
	p.relay.flush()
	p.waited = true
	left := held.all()
	switch {
	case ctx.Err() != nil, errors.Is(feedErr, errStoppedUnready):
		return nil
	case readErr != nil:
		return fail(left, readErr)
	case waitErr != nil:
		return fail(left, fmt.Errorf("exited: %w", waitErr))
	case len(left) > 0:
		return fail(left, errors.New("exited before answering every seed it was given"))
	case feedErr != nil:
		return fail(left, fmt.Errorf("handing it seeds: %w", feedErr))
	}
	return nil
}

// errStoppedUnready ends feeding a worker killed before it was ready,
// holding no seed.
var errStoppedUnready = errors.New("every seed was handed out before the worker was ready")

// feed writes batches of seeds, once the job is written and the worker is
// ready, as slots free up, and closes the worker's input once take has
// none left or the worker is finished. It kills a worker not yet ready
// when every seed is handed out: the worker holds none, and waiting for
// its start would only delay the sweep's end.
func (p *proc) feed(held *heldSeeds, slots chan struct{}, ready, handedOut, finished <-chan struct{}, take func() []uint64) error {
	defer p.stdin.Close()
	if err := <-p.job; err != nil {
		return err
	}
	select {
	case <-ready:
	case <-handedOut:
		_ = p.cmd.Process.Kill()
		return errStoppedUnready
	case <-finished:
		return nil
	}
	for {
		select {
		case slots <- struct{}{}:
		case <-finished:
			return nil
		}
		batch := take()
		if len(batch) == 0 {
			return nil
		}
		held.push(batch)
		line := make([]byte, 0, 16*len(batch))
		for i, seed := range batch {
			if i > 0 {
				line = append(line, ' ')
			}
			line = strconv.AppendUint(line, seed, 10)
		}
		if _, err := p.stdin.Write(append(line, '\n')); err != nil {
			return err
		}
	}
}

// collect reads the worker's results until its output ends, closing
// ready when it says it is and checking that each result answers the
// oldest seed it holds.
func (p *proc) collect(held *heldSeeds, slots chan struct{}, ready chan<- struct{}, found func(features.SweepSeed) error) error {
	sc := bufio.NewScanner(p.stdout)
	sc.Buffer(nil, 64<<20)
	if sc.Scan() {
		if sc.Text() != workerReady {
			return fmt.Errorf("sent %q before saying it was ready", truncate(sc.Text(), 200))
		}
		close(ready)
	}
	for sc.Scan() {
		var s features.SweepSeed
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&s); err != nil || dec.More() {
			return fmt.Errorf("sent %q, which is not a seed's result", truncate(sc.Text(), 200))
		}
		want, ok, batchDone := held.pop()
		if !ok || s.Seed != want {
			return fmt.Errorf("answered seed %d, but the seed it was due to answer is %s", s.Seed, dueSeed(want, ok))
		}
		if err := found(s); err != nil {
			return err
		}
		if batchDone {
			<-slots
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reading its results: %w", err)
	}
	return nil
}

func dueSeed(seed uint64, ok bool) string {
	if !ok {
		return "none"
	}
	return strconv.FormatUint(seed, 10)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// heldSeeds are the seeds handed to a worker and not yet answered, oldest
// first, with the sizes of the batches they came in; the feeding and
// collecting goroutines share them.
type heldSeeds struct {
	mu      sync.Mutex
	seeds   []uint64
	batches []int // seeds left unanswered in each batch, oldest first
}

func (h *heldSeeds) push(batch []uint64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.seeds = append(h.seeds, batch...)
	h.batches = append(h.batches, len(batch))
}

// pop takes the oldest seed, and says whether it was the last of its batch.
func (h *heldSeeds) pop() (seed uint64, ok, batchDone bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.seeds) == 0 {
		return 0, false, false
	}
	seed = h.seeds[0]
	h.seeds = h.seeds[1:]
	h.batches[0]--
	if batchDone = h.batches[0] == 0; batchDone {
		h.batches = h.batches[1:]
	}
	return seed, true, batchDone
}

func (h *heldSeeds) all() []uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]uint64(nil), h.seeds...)
}

// tailWriter keeps the last stderrTail bytes written to it, from a line's
// start where it can.
type tailWriter struct {
	mu  sync.Mutex
	buf []byte
}

const stderrTail = 2048

func (t *tailWriter) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > 2*stderrTail {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-stderrTail:]...)
	}
	return len(p), nil
}

func (t *tailWriter) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.buf
	if len(b) > stderrTail {
		b = b[len(b)-stderrTail:]
		if i := bytes.IndexByte(b, '\n'); i >= 0 && i < len(b)-1 {
			b = b[i+1:]
		}
	}
	return string(b)
}

// lineRelay passes what one worker writes on to out a whole line at a
// time, under the lock all workers share, so two workers' lines never
// mix within a line.
type lineRelay struct {
	out     io.Writer
	mu      *sync.Mutex
	partial []byte
}

func (r *lineRelay) Write(p []byte) (int, error) {
	if r.out == nil {
		return len(p), nil
	}
	r.partial = append(r.partial, p...)
	if i := bytes.LastIndexByte(r.partial, '\n'); i >= 0 {
		r.mu.Lock()
		// As with --jobs 1, where a scenario writes to os.Stderr itself,
		// standard error that cannot be written does not fail the sweep.
		_, _ = r.out.Write(r.partial[:i+1])
		r.mu.Unlock()
		r.partial = append(r.partial[:0], r.partial[i+1:]...)
	}
	return len(p), nil
}

// flush passes on a last line the worker left without its newline, once
// the worker has exited and its standard error is drained.
func (r *lineRelay) flush() {
	if r.out == nil || len(r.partial) == 0 {
		return
	}
	r.mu.Lock()
	_, _ = r.out.Write(append(r.partial, '\n'))
	r.mu.Unlock()
	r.partial = nil
}
