package features

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"

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
	// Format is one of godog's formatters: pretty (the default), progress,
	// junit (JUnit XML, for CI) or cucumber (Cucumber JSON).
	Format string
	// Output receives the formatter's report; nil means os.Stdout.
	Output io.Writer
	// TraceDir, when set, receives each scenario's JSONL trace, named after
	// its file and line.
	TraceDir string
}

// formats are the formatters Run accepts.
var formats = []string{"pretty", "progress", "junit", "cucumber"}

// Run runs feature scenarios on the simulated network and reports whether
// every one passed. Files that do not parse and scenarios with unknown or
// ambiguous steps are left out, the rest still run, and err lists each
// left-out one as a *FeatureError naming its file and line.
func Run(opts RunOptions) (ok bool, err error) {
	if opts.Format == "" {
		opts.Format = "pretty"
	}
	if !slices.Contains(formats, opts.Format) {
		return false, fmt.Errorf("features: unknown format %q (want one of %v)", opts.Format, formats)
	}
	if opts.TraceDir != "" {
		if err := os.MkdirAll(opts.TraceDir, 0o755); err != nil {
			return false, fmt.Errorf("features: trace directory: %w", err)
		}
	}
	c, err := loadCatalog(opts.Paths)
	if err != nil {
		return false, err
	}
	s := &suite{catalog: c, seed: opts.Seed, traceDir: opts.TraceDir}
	status := s.run(godog.Options{Format: opts.Format, Output: outputOf(opts.Output)}, s.runnable())
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
	failures []failure // scenarios that failed, in order
	// onWorld, when set, sees each scenario's world once it finished.
	onWorld func(*world)
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
func (s *suite) runnable() []string {
	s.problems = append(s.problems, s.catalog.bad...)
	stepErrs := checkSteps(s.catalog)
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
	opts.Concurrency = 1
	opts.NoColors = !isTerminal(opts.Output)
	return godog.TestSuite{Name: "simhttp", ScenarioInitializer: s.initScenario, Options: &opts}.Run()
}

// initScenario gives each scenario a fresh world and registers every step
// on it; godog calls it once per scenario.
func (s *suite) initScenario(ctx *godog.ScenarioContext) {
	w := newWorld(s)
	for _, d := range vocabulary {
		ctx.Step(d.re, w.reproducible(d.bind(w)))
	}
	ctx.Before(func(ctx context.Context, sc *godog.Scenario) (context.Context, error) {
		f, line := s.catalog.locate(sc)
		uri, _ := splitRef(sc.Uri)
		if f != nil {
			uri = f.uri
		}
		w.begin(uri, line, hasTag(sc, "@sweep"))
		return ctx, nil
	})
	ctx.After(func(ctx context.Context, sc *godog.Scenario, err error) (context.Context, error) {
		ferr := w.finish()
		if failed := errors.Join(err, ferr); failed != nil {
			s.failures = append(s.failures, failure{ref: w.ref(), err: failed})
		}
		if s.onWorld != nil {
			s.onWorld(w)
		}
		return ctx, ferr
	})
}

func hasTag(sc *godog.Scenario, tag string) bool {
	for _, t := range sc.Tags {
		if t.Name == tag {
			return true
		}
	}
	return false
}

// isTerminal reports whether w is a character device, so colours and
// progress bars go only to people, never into files or CI logs.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
