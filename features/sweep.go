package features

import (
	"errors"
	"fmt"
	"io"
	"iter"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	messages "github.com/cucumber/messages/go/v21"

	"github.com/simhttp/simhttp/simnet"
)

// SweepOptions configure Sweep.
type SweepOptions struct {
	// Paths are feature files, FILE:LINE references or directories; none
	// means the bundled features. Only scenarios tagged @sweep run.
	Paths []string
	// Seeds is the inclusive range of seeds to run, [first, last].
	Seeds [2]uint64
	// Shard, as {I, N}, runs only the seeds with seed % N == I-1, so N
	// machines given 1/N ... N/N split any range between them evenly; the
	// zero value runs every seed.
	Shard [2]int
	// Output receives the report; nil means os.Stdout.
	Output io.Writer
	// Jobs is how many seeds run at once, each in its own world; zero
	// means one per CPU. The report is the same for any value.
	Jobs int
	// Progress, when set, learns after each seed how many of how many are
	// done; the workers call it one at a time.
	Progress func(done, total int)
	// CheckDeterminism runs each seed twice and fails a seed whose two
	// runs differ, naming the first event where they part.
	CheckDeterminism bool
	// Result, when set, receives what the sweep found, for JSON and JUnit
	// reports and for merging shards.
	Result *SweepResult
	// Stdin is read for the path -, a feature on standard input.
	Stdin io.Reader
	// BatchGC drives the garbage collector by a memory limit while the
	// sweep runs, GOGC off and a limit of 64 MiB or four times the live
	// heap, whichever is more, and puts the previous settings back after:
	// a sweep keeps little memory live, so the collector runs less often
	// than at any GOGC and the heap stays the same size; on Linux the
	// first such sweep of a process also has that heap mapped in one
	// piece and asks for it in 2 MiB pages, which saves faulting it in
	// 4 KiB at a time. It is the process's setting, so a program
	// embedding the sweep keeps its own unless it asks; the simhttp
	// command asks unless GOGC or GOMEMLIMIT is set.
	BatchGC bool
	// RunSeeds, when set, runs the seeds instead of Jobs goroutines of
	// this process, for instance in worker processes running SweepWorker
	// and, through here, in this process with the features the sweep has
	// loaded (several goroutines may call here at once): it calls found
	// once per seed, in any order, from one goroutine at a time, and
	// returns an error if any seed could not run. The report is the same
	// as the goroutines would give.
	RunSeeds func(seeds []uint64, here func(seed uint64) SweepSeed, found func(SweepSeed) error) error
}

// SweepSeed is what one seed of a sweep found: the record a worker
// process passes back.
type SweepSeed struct {
	Seed     uint64         `json:"seed"`
	Ran      int            `json:"ran"` // scenarios run: none means the features hold no @sweep scenario
	Failures []SweepFailure `json:"failures,omitempty"`
}

// Sweep runs every @sweep scenario once per seed, each time under fault
// rules drawn from the seed, and reports whether every run kept the
// scenario's invariants. Each failing seed is reported with the command
// that reproduces it and the smallest subset of its drawn rules that
// still fails. Scenarios that cannot run are returned in err, as by Run.
//
// The seeds run on Jobs goroutines sharing this process's heap, unless
// RunSeeds hands them elsewhere; the simhttp command runs --jobs N > 1 in
// itself and N-1 worker processes, which allocate from separate heaps and
// so scale better across cores.
func Sweep(opts SweepOptions) (ok bool, err error) {
	return sweep(opts, false, nil)
}

// SweepWorker runs each seed that seeds yields as Sweep would under opts
// (its Paths, Stdin, CheckDeterminism and BatchGC; the seed range, Shard,
// Jobs and Output are the caller's) and passes what it found to found, in
// order: the worker's side of a sweep whose RunSeeds hands seeds to other
// processes. It stops at found's first error and returns it.
func SweepWorker(opts SweepOptions, seeds iter.Seq[uint64], found func(SweepSeed) error) error {
	if opts.BatchGC {
		defer batchGC()()
	}
	sw, err := loadSweep(opts, false)
	if err != nil {
		return err
	}
	for seed := range seeds {
		if err := found(sw.seed(seed, opts.CheckDeterminism)); err != nil {
			return err
		}
	}
	return nil
}

// seed runs one seed as a worker does and returns what it found.
func (sw *loadedSweep) seed(seed uint64, twice bool) SweepSeed {
	r := runSeed(sw.scenarios, seed, false, twice)
	return SweepSeed{Seed: seed, Ran: r.ran, Failures: r.failures}
}

// loadedSweep is what every seed of a sweep shares: the scenarios to run,
// their steps matched, and the suite that found problems in the features.
type loadedSweep struct {
	scenarios *sweepScenarios
	probe     *suite
}

// loadSweep loads the features and matches their @sweep scenarios. With
// everything set it checks every feature, for the sweep's report to name
// each problem; a worker process reports none, so it parses only files
// that mention @sweep and checks only @sweep scenarios, which are all it
// runs and whose soundness depends on their own steps alone.
func loadSweep(opts SweepOptions, everything bool) (*loadedSweep, error) {
	tag, keep := "", (func(*messages.Pickle) bool)(nil)
	if !everything {
		tag, keep = "@sweep", func(p *messages.Pickle) bool { return pickleTagged(p, "@sweep") }
	}
	c, err := loadTagged(opts.Paths, opts.Stdin, tag)
	if err != nil {
		return nil, err
	}
	probe := &suite{catalog: c}
	scenarios, err := matchScenarios(c, probe.runnableOf(keep), "@sweep")
	if err != nil {
		return nil, err
	}
	return &loadedSweep{scenarios: scenarios, probe: probe}, nil
}

// seedResult is what one seed's runs leave: its failures, each shrunk,
// and, when asked for, the compact trace of every world it ran.
type seedResult struct {
	failures []SweepFailure
	traces   string
	ran      int // scenarios run: none means the features hold no @sweep scenario
}

// sweep is Sweep; with traces set, onSeed sees each seed's result, traces
// included, in seed order, so a test can compare whole runs.
func sweep(opts SweepOptions, traces bool, onSeed func(seed uint64, r seedResult)) (ok bool, err error) {
	seeds, err := opts.sweepSeeds()
	if err != nil {
		return false, err
	}
	jobs := opts.Jobs
	if jobs == 0 {
		jobs = runtime.NumCPU()
	}
	if jobs < 1 {
		return false, &OptionError{Option: "jobs", Value: strconv.Itoa(jobs), Why: "want at least 1"}
	}
	if opts.BatchGC {
		defer batchGC()()
	}
	out := outputOf(opts.Output)
	sw, err := loadSweep(opts, true)
	if err != nil {
		return false, err
	}
	probe := sw.probe
	nothing := func() error { return errors.Join(probe.problemsErr(), probe.nothingSelected("is tagged @sweep")) }
	if len(sw.scenarios.scenarios) == 0 { // no scenario is tagged @sweep
		return false, nothing()
	}
	res := SweepResult{First: opts.Seeds[0], Last: opts.Seeds[1], Shard: opts.Shard, Seeds: seeds, Failures: []SweepFailure{}}
	done := 0
	progress := func() {
		done++
		if opts.Progress != nil {
			opts.Progress(done, len(seeds))
		}
	}
	var results []seedResult
	if opts.RunSeeds != nil {
		here := func(seed uint64) SweepSeed { return sw.seed(seed, opts.CheckDeterminism) }
		if results, err = elsewhere(seeds, here, opts.RunSeeds, progress); err != nil {
			return false, err
		}
	} else {
		results = inParallel(len(seeds), jobs, func(i int) seedResult {
			return runSeed(sw.scenarios, seeds[i], traces, opts.CheckDeterminism)
		}, progress)
	}
	for i, r := range results {
		if r.ran == 0 {
			return false, nothing()
		}
		if len(r.failures) > 0 {
			res.FailedSeeds++
		}
		res.Failures = append(res.Failures, r.failures...)
		if onSeed != nil {
			onSeed(seeds[i], r)
		}
	}
	if opts.Result != nil {
		*opts.Result = res
	}
	if err := res.WriteText(out); err != nil {
		return false, fmt.Errorf("writing the sweep report: %w", err)
	}
	return res.FailedSeeds == 0 && len(probe.problems) == 0, probe.problemsErr()
}

// elsewhere runs seeds through run, placing each seed's result at its
// index, and fails unless every seed came back exactly once: a partial
// report would pass the seeds that never ran.
func elsewhere(seeds []uint64, here func(uint64) SweepSeed, run func([]uint64, func(uint64) SweepSeed, func(SweepSeed) error) error, progress func()) ([]seedResult, error) {
	results := make([]seedResult, len(seeds))
	back := make([]bool, len(seeds))
	came := 0
	err := run(seeds, here, func(s SweepSeed) error {
		i, ok := slices.BinarySearch(seeds, s.Seed)
		switch {
		case !ok:
			return fmt.Errorf("features: sweep seed %d came back, but it is not one of this sweep's seeds", s.Seed)
		case back[i]:
			return fmt.Errorf("features: sweep seed %d came back twice", s.Seed)
		}
		back[i] = true
		came++
		results[i] = seedResult{failures: s.Failures, ran: s.Ran}
		progress()
		return nil
	})
	if err != nil {
		return nil, err
	}
	if i := slices.Index(back, false); i >= 0 {
		return nil, fmt.Errorf("features: sweep seed %d never came back (%d of %d seeds did)", seeds[i], came, len(seeds))
	}
	return results, nil
}

// runSeed runs a sweep's scenarios once under seed's faults, shrinking
// each failure, and with twice set runs them again and fails the seed if
// the two runs differ; it only reads the scenarios and their catalog, so
// seeds may run side by side.
func runSeed(scenarios *sweepScenarios, seed uint64, traces, twice bool) seedResult {
	c := scenarios.catalog
	run := func(onWorld func(*world)) *suite {
		s := &suite{catalog: c, seed: seed, faults: &faultPlan{}, onWorld: onWorld, recycleEvents: !twice, bareNet: !twice && !traces}
		scenarios.run(s)
		return s
	}
	var trace strings.Builder
	var first []worldTrace
	s := run(func(w *world) {
		if traces {
			trace.WriteString(w.ref())
			trace.WriteByte(' ')
			trace.WriteString(simnet.Compact(w.events, true))
			trace.WriteByte('\n')
		}
		if twice {
			first = append(first, traceOf(w))
		}
	})
	var failures []SweepFailure
	for _, f := range s.failures {
		failures = append(failures, shrinkFailure(c, f, seed))
	}
	if twice {
		var second []worldTrace
		run(func(w *world) { second = append(second, traceOf(w)) })
		if f, differs := firstDifference(first, second, seed); differs {
			failures = append(failures, f)
		}
	}
	return seedResult{failures: failures, traces: trace.String(), ran: s.ran}
}

// maxSweepSeeds bounds the seeds one sweep (one shard of it) runs: at
// about a third of a millisecond a seed, more would run for most of a day
// on one machine, and the report lists every seed, so a range typed by
// mistake (0-18446744073709551615) must fail at once, not fill memory.
const maxSweepSeeds = 10_000_000

// SeedCount is how many seeds the sweep runs: those of Seeds that Shard
// selects. It fails, naming the option, for a range that ends before it
// starts, a shard that is not I/N with 1 <= I <= N, a shard holding no seed
// of the range (a sweep of nothing passes nothing) or more seeds than one
// sweep runs.
func (opts SweepOptions) SeedCount() (int, error) {
	_, n, err := opts.shardSpan()
	return n, err
}

// shardSpan is the first seed the sweep runs and how many it runs; they
// follow one another by the shard count N (by one without shards).
func (opts SweepOptions) shardSpan() (first uint64, count int, err error) {
	lo, hi := opts.Seeds[0], opts.Seeds[1]
	i, n := opts.Shard[0], opts.Shard[1]
	seeds := fmt.Sprintf("%d-%d", lo, hi)
	if hi < lo {
		return 0, 0, &OptionError{Option: "seeds", Value: seeds, Why: "the last seed comes before the first"}
	}
	shard := fmt.Sprintf("%d/%d", i, n)
	if (n != 0 || i != 0) && (n < 1 || i < 1 || i > n) {
		return 0, 0, &OptionError{Option: "shard", Value: shard, Why: "want I/N with 1 <= I <= N"}
	}
	step, r := uint64(max(n, 1)), uint64(max(i-1, 0))
	first = lo + (r+step-lo%step)%step
	if first < lo || first > hi {
		return 0, 0, &OptionError{Option: "shard", Value: shard, Why: fmt.Sprintf("selects no seed of %s (it runs the seeds with seed %% %d == %d): a range split into N shards needs N seeds or more", seeds, n, i-1)}
	}
	if (hi-first)/step >= maxSweepSeeds {
		why := fmt.Sprintf("more than %d seeds, the most one sweep runs: split the range with --shard I/N", maxSweepSeeds)
		if n == 0 {
			return 0, 0, &OptionError{Option: "seeds", Value: seeds, Why: why}
		}
		return 0, 0, &OptionError{Option: "shard", Value: shard, Why: fmt.Sprintf("holds %s (of %s)", why, seeds)}
	}
	return first, int((hi-first)/step) + 1, nil
}

// sweepSeeds lists the seeds the sweep runs, in order.
func (opts SweepOptions) sweepSeeds() ([]uint64, error) {
	first, count, err := opts.shardSpan()
	if err != nil {
		return nil, err
	}
	step := uint64(max(opts.Shard[1], 1))
	seeds := make([]uint64, count)
	for k := range seeds {
		seeds[k] = first + uint64(k)*step
	}
	return seeds, nil
}

// shrinkFailure shrinks one failure's drawn rules to the smallest
// schedule that still fails.
func shrinkFailure(c *catalog, f failure, seed uint64) SweepFailure {
	drawn := drawRules(seed)
	sf := SweepFailure{
		Ref: f.ref, Seed: seed, Error: firstLine(f.err.Error()),
		Reproduce: fmt.Sprintf("simhttp sweep %s --seeds %d-%d", f.ref, seed, seed),
		Drawn:     len(drawn), Smallest: []string{},
	}
	smallest := drawn
	// The failing scenario was matched to run, so matching it again
	// cannot fail; if it did, the rules stay as drawn, which still fail.
	if one, err := matchScenarios(c, []string{f.ref}, ""); err == nil {
		smallest = shrink(drawn, func(rules []simnet.Rule) bool { return failsWith(one, seed, rules) })
	}
	for _, r := range smallest {
		sf.Smallest = append(sf.Smallest, r.String())
	}
	return sf
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func indent(s string) string { return strings.ReplaceAll(s, "\n", "\n  ") }

// failsWith runs scenarios with seed under exactly rules and reports
// whether one fails.
func failsWith(scenarios *sweepScenarios, seed uint64, rules []simnet.Rule) bool {
	s := &suite{catalog: scenarios.catalog, seed: seed, faults: &faultPlan{fixed: rules, isFixed: true}, recycleEvents: true, bareNet: true}
	scenarios.run(s)
	return len(s.failures) > 0
}

// shrink is delta debugging over a failing list of rules: it drops
// chunks, then single rules, while fails still holds, and returns a list
// from which no single rule can be dropped.
func shrink(rules []simnet.Rule, fails func([]simnet.Rule) bool) []simnet.Rule {
	if fails(nil) {
		return nil
	}
	cur := append([]simnet.Rule(nil), rules...)
	for n := 2; len(cur) >= 2; {
		chunk := (len(cur) + n - 1) / n
		reduced := false
		for start := 0; start < len(cur); start += chunk {
			end := min(start+chunk, len(cur))
			rest := append(append([]simnet.Rule(nil), cur[:start]...), cur[end:]...)
			if fails(rest) {
				cur, n, reduced = rest, max(n-1, 2), true
				break
			}
		}
		if !reduced {
			if n >= len(cur) {
				break
			}
			n = min(2*n, len(cur))
		}
	}
	return cur
}

// faultPlan gives a sweep scenario its fault rules: drawn from the seed,
// or a fixed list while a failure is being shrunk.
type faultPlan struct {
	fixed   []simnet.Rule
	isFixed bool
	// drawn are the rules last drawn, from seed drawnFor: every world of
	// a seed's run draws the same ones and only reads them, so the run
	// draws them once rather than once per world.
	drawn    []simnet.Rule
	drawnFor uint64
}

func (p *faultPlan) rules(seed uint64) []simnet.Rule {
	if p.isFixed {
		return p.fixed
	}
	if p.drawn == nil || p.drawnFor != seed {
		p.drawn, p.drawnFor = drawRules(seed), seed
	}
	return p.drawn
}

// drawRules draws one to three fault rules from seed, among those after
// which every request must still end: resets, closes, refusals, the
// keep-alive race, delays, slicing and bounded stalls. Rules black-holing
// data forever are left out: a request without a timeout would rightly
// never end.
func drawRules(seed uint64) []simnet.Rule {
	rng := rand.New(rand.NewPCG(seed, 0x5eed5eed5eed5eed))
	n := 1 + rng.IntN(3)
	rules := make([]simnet.Rule, 0, n)
	for range n {
		r := simnet.Rule{Server: serverHost}
		if rng.IntN(2) == 0 {
			r.Probability = 0.5
		}
		dir := []simnet.Dir{simnet.ClientToServer, simnet.ServerToClient}[rng.IntN(2)]
		switch rng.IntN(7) {
		case 0:
			r.What, r.Dir = simnet.FaultReset, dir
			r.AfterBytes = 1 + rng.Int64N(400)
		case 1:
			r.What, r.Dir = simnet.FaultClose, dir
			r.AfterBytes = 1 + rng.Int64N(400)
		case 2:
			r.What, r.Dir = simnet.FaultReset, simnet.ServerToClient
			r.Pattern = []byte("\r\n\r\n")
		case 3:
			r.What, r.Dir = simnet.FaultDelay, dir
			r.Delay = time.Duration(1+rng.IntN(200)) * time.Millisecond
		case 4:
			r.What, r.Dir = simnet.FaultSlice, dir
			r.Size = 1 + rng.IntN(16)
		case 5:
			r.What, r.Dir = simnet.FaultStall, dir
			r.Duration = time.Duration(1+rng.IntN(500)) * time.Millisecond
		default:
			// The HTTP-aware race: it strikes the first request written on
			// a reused keep-alive connection. An idle threshold would wait
			// for a gap that a request sent on 'free' never leaves.
			r.What = simnet.FaultCloseOnReuse
		}
		rules = append(rules, r)
	}
	return rules
}
