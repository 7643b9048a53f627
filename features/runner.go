package features

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/cucumber/godog"
	messages "github.com/cucumber/messages/go/v21"
)

// RunOptions configure Run.
type RunOptions struct {
	// Paths are feature files, FILE:LINE references or directories; none
	// means the bundled features.
	Paths []string
	// Seed seeds every scenario's world; a failure names it so the run can
	// be repeated exactly.
	Seed uint64
	// Format is a comma-separated list of godog's formatters, each
	// optionally with a file to write to ("pretty,junit:report.xml"):
	// pretty (the default; each step points at its feature line),
	// progress, junit (JUnit XML, for CI), cucumber (Cucumber JSON) or
	// events. One without a file writes to Output.
	Format string
	// Tags is a godog tag expression selecting scenarios ("@node && ~@slow");
	// none leaves out the scenarios tagged @diverges, whose expectation is
	// Node's and which the simulation does not meet yet.
	Tags string
	// Concurrency runs this many scenarios at once; each has its own
	// world, so results do not depend on it. 0 means 1.
	Concurrency int
	// Output receives the formatter's report; nil means os.Stdout.
	Output io.Writer
	// TraceDir, when set, receives each scenario's JSONL trace, named after
	// its file and line.
	TraceDir string
	// OnScenario, when set, receives each scenario's result and trace once
	// it finished, one at a time (in finishing order when scenarios run
	// concurrently).
	OnScenario func(ScenarioResult)
	// Stdin is read for the path -, a feature on standard input.
	Stdin io.Reader
}

// formats are the formatters Run accepts.
var formats = []string{"pretty", "progress", "junit", "cucumber", "events"}

// godogFormat checks a comma-separated format list and returns it as godog
// reads it, with pretty as PrettyFormat.
func godogFormat(list string) (string, error) {
	parts := strings.Split(list, ",")
	toStdout := 0
	for i, part := range parts {
		name, file, hasFile := strings.Cut(strings.TrimSpace(part), ":")
		if !slices.Contains(formats, name) {
			return "", &OptionError{Option: "format", Value: list, Why: fmt.Sprintf("unknown format %q: want one of %s, each optionally followed by :FILE", name, strings.Join(formats, ", "))}
		}
		if hasFile && file == "" {
			return "", &OptionError{Option: "format", Value: list, Why: fmt.Sprintf("%q names no file after the colon", part)}
		}
		if !hasFile {
			toStdout++
		}
		if name == "pretty" {
			name = PrettyFormat
		}
		parts[i] = name
		if hasFile {
			parts[i] += ":" + file
		}
	}
	if toStdout > 1 {
		return "", &OptionError{Option: "format", Value: list, Why: "at most one format may write to the output; give the others a file (junit:report.xml)"}
	}
	return strings.Join(parts, ","), nil
}

// Run runs feature scenarios on the simulated network and reports whether
// every one passed. Files that do not parse and scenarios with unknown or
// ambiguous steps are left out, the rest still run, and err lists each
// left-out one as a *FeatureError naming its file and line.
func Run(opts RunOptions) (ok bool, err error) {
	if opts.Format == "" {
		opts.Format = "pretty"
	}
	format, err := godogFormat(opts.Format)
	if err != nil {
		return false, err
	}
	if opts.Concurrency < 0 {
		return false, &OptionError{Option: "concurrency", Value: strconv.Itoa(opts.Concurrency), Why: "want 1 or more"}
	}
	if opts.TraceDir != "" {
		if err := os.MkdirAll(opts.TraceDir, 0o755); err != nil {
			return false, fmt.Errorf("trace directory: %w", err)
		}
	}
	c, err := loadCatalog(opts.Paths, opts.Stdin)
	if err != nil {
		return false, err
	}
	s := &suite{catalog: c, seed: opts.Seed, traceDir: opts.TraceDir}
	if opts.OnScenario != nil {
		s.onWorld = func(w *world) { opts.OnScenario(w.result()) }
	}
	tags := opts.Tags
	if tags == "" {
		tags = "~@diverges"
	}
	status := s.run(godog.Options{Format: format, Output: outputOf(opts.Output), Tags: tags, Concurrency: opts.Concurrency}, s.runnable())
	if s.ran == 0 {
		filter := "is left once those tagged @diverges are set aside (--tags @diverges runs them)"
		if opts.Tags != "" {
			filter = fmt.Sprintf("matches the tags %q", opts.Tags)
		}
		return false, errors.Join(s.problemsErr(), s.nothingSelected(filter))
	}
	return status == 0 && len(s.problems) == 0, s.problemsErr()
}

func outputOf(w io.Writer) io.Writer {
	if w == nil {
		return os.Stdout
	}
	return w
}

// suite is one run of scenarios over a catalog: the shared settings every
// scenario's world starts from.
type suite struct {
	catalog  *catalog
	seed     uint64
	traceDir string
	faults   *faultPlan // set by Sweep: random faults drawn from the seed
	problems []*FeatureError
	mu       sync.Mutex // guards ran, failures and onWorld when scenarios run concurrently
	ran      int        // scenarios that started
	failures []failure  // scenarios that failed, in order
	// onWorld, when set, sees each scenario's world once it finished.
	onWorld func(*world)
	// recycleEvents lets the sweep's runner reuse a world's event record
	// once onWorld saw it: set when nothing keeps the record.
	recycleEvents bool
	// bareNet leaves out the net events' detail and packets, which cost a
	// sixth of a sweep's allocations: set when nothing reads them.
	bareNet bool
	// onStart, when set, sees each scenario's simulated world as soon as
	// it exists, before anything runs on it (Record observes it there).
	onStart func(*world)
}

// failure is one failed scenario: where it is written and why it failed.
type failure struct {
	ref string // FILE:LINE
	err error
}

// runnable checks every step of the catalog and returns the godog paths of
// what can run: whole files when all their steps are known, else the lines
// of their sound scenarios.
func (s *suite) runnable() []string { return s.runnableOf(nil) }

// runnableOf is runnable for only the scenarios keep keeps (all of them
// when keep is nil): the others' steps are neither checked nor reported,
// and they break no file.
func (s *suite) runnableOf(keep func(*messages.Pickle) bool) []string {
	s.problems = append(s.problems, s.catalog.bad...)
	stepErrs := checkSteps(s.catalog, keep)
	s.problems = append(s.problems, stepErrs...)
	badLines := map[string]bool{}
	for _, e := range stepErrs {
		badLines[e.File+":"+strconv.Itoa(e.Line)] = true
	}
	var paths []string
	for _, f := range s.catalog.files {
		var good []string
		broken := false
		seen := map[int]bool{}
		for _, p := range f.scenariosAt(f.line) {
			if keep != nil && !keep(p) {
				continue
			}
			line := int(f.scens[p.AstNodeIds[0]])
			if scenarioBroken(f, p, badLines) {
				broken = true
				continue
			}
			if !seen[line] {
				seen[line] = true
				good = append(good, f.uri+":"+strconv.Itoa(line))
			}
		}
		switch {
		case !broken:
			paths = append(paths, f.runnable())
		default:
			paths = append(paths, good...)
		}
	}
	return paths
}

func scenarioBroken(f *featureFile, p *messages.Pickle, badLines map[string]bool) bool {
	for _, st := range p.Steps {
		if badLines[f.uri+":"+strconv.Itoa(f.stepLine(st))] {
			return true
		}
	}
	return false
}

func (s *suite) problemsErr() error {
	if len(s.problems) == 0 {
		return nil
	}
	errs := make([]error, len(s.problems))
	for i, p := range s.problems {
		errs[i] = p
	}
	return errors.Join(errs...)
}

// run runs godog over paths and returns its exit status; nothing to run
// is a success.
func (s *suite) run(opts godog.Options, paths []string) int {
	if len(paths) == 0 {
		return 0
	}
	opts.Paths = paths
	opts.FS = s.catalog.fsys
	opts.Strict = true
	if opts.Concurrency < 1 {
		opts.Concurrency = 1
	}
	opts.NoColors = !colorful(opts.Output)
	return godog.TestSuite{Name: "simhttp", ScenarioInitializer: s.initScenario, Options: &opts}.Run()
}

// initScenario gives each scenario a fresh world and registers every step
// on it; godog calls it once per scenario.
func (s *suite) initScenario(ctx *godog.ScenarioContext) {
	w := newWorld(s)
	for _, d := range vocabulary {
		ctx.Step(d.regexp(), w.reproducible(d.bind(w)))
	}
	ctx.Before(func(ctx context.Context, sc *godog.Scenario) (context.Context, error) {
		s.startScenario(w, sc)
		return context.WithValue(ctx, worldKey{}, w), nil
	})
	ctx.After(func(ctx context.Context, sc *godog.Scenario, err error) (context.Context, error) {
		return ctx, s.finishScenario(w, err)
	})
}

// startScenario names w after scenario sc before its first step.
func (s *suite) startScenario(w *world, sc *messages.Pickle) {
	uri, line := s.where(sc)
	w.begin(uri, line, hasTag(sc, "@sweep"))
	w.name = sc.Name
	s.mu.Lock()
	s.ran++
	s.mu.Unlock()
}

// finishScenario ends w's scenario, which its steps left with err, records
// a failure and hands the world on; it returns what finishing itself met.
func (s *suite) finishScenario(w *world, err error) error {
	ferr := w.finish()
	s.mu.Lock()
	defer s.mu.Unlock()
	if failed := errors.Join(err, ferr); failed != nil {
		s.failures = append(s.failures, failure{ref: w.ref(), err: failed})
		w.failure = failed
	}
	if s.onWorld != nil {
		s.onWorld(w)
	}
	return ferr
}

// where finds the file and the line of godog's scenario sc; a suite that
// did not choose its files (a team's godog suite) reads them as godog
// names them.
func (s *suite) where(sc *godog.Scenario) (string, int) {
	uri, _ := splitRef(sc.Uri)
	c := s.catalog
	if c == nil {
		var err error
		if c, err = loadCatalog([]string{uri}, nil); err != nil {
			return uri, 0
		}
	}
	f, line := c.locate(sc)
	if f != nil {
		uri = f.uri
	}
	return uri, line
}

func hasTag(sc *godog.Scenario, tag string) bool {
	for _, t := range sc.Tags {
		if t.Name == tag {
			return true
		}
	}
	return false
}

// colorful reports whether w is a character device and NO_COLOR
// (https://no-color.org) is unset or empty, so colours go only to people
// who want them, never into files or CI logs.
func colorful(w io.Writer) bool {
	if os.Getenv("NO_COLOR") != "" {
		return false
	}
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
