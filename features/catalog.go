package features

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	gherkin "github.com/cucumber/gherkin/go/v26"
	messages "github.com/cucumber/messages/go/v21"
)

// catalog is the set of feature files one run reads: where they come from,
// each parsed once, and every scenario's location, so a failure can name
// the line that reproduces it.
type catalog struct {
	fsys  fs.FS // the embedded bundle, or the disk
	files []*featureFile
	bad   []*FeatureError // files that do not parse; they are left out of the run
	// only, when set, is the one tag a run selects: a file whose text
	// does not hold it has no scenario carrying it and is not parsed.
	only string
	// sentences are the grammar sentences its steps ran, parsed: the only
	// part of a catalog its runs write, safe to share between them.
	sentences sentenceMemo
}

// featureFile is one parsed .feature file.
type featureFile struct {
	uri     string // path as godog reports it (relative to fsys)
	line    int    // the scenario line asked for with FILE:LINE, or 0
	doc     *messages.GherkinDocument
	pickles []*messages.Pickle
	steps   map[string]*messages.Step // AST id -> step, for locations
	scens   map[string]int64          // AST id -> scenario line
}

// FeatureError reports a feature file that cannot be used: it does not
// parse, a step in it is unknown or ambiguous, or it cannot be read.
type FeatureError struct {
	File string // the feature file
	Line int    // 1-based line, or 0 when the error is about the whole file
	Err  error  // the cause
}

func (e *FeatureError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.File, e.Err)
}

func (e *FeatureError) Unwrap() error { return e.Err }

var lineSuffix = regexp.MustCompile(`:(\d+)$`)

// splitRef splits "FILE:LINE" into the file and the line (0 when absent).
func splitRef(ref string) (string, int) {
	m := lineSuffix.FindStringSubmatch(ref)
	if m == nil {
		return ref, 0
	}
	n, err := strconv.Atoi(m[1])
	if err != nil {
		return ref, 0
	}
	return strings.TrimSuffix(ref, m[0]), n
}

// loadCatalog reads the feature files named by paths (files, FILE:LINE or
// directories) from disk, or every bundled feature when paths is empty.
// A path that is not on disk but names a bundled feature or directory
// ("agent/pooling.feature", "features/agent") is read from the bundle, so
// the names a report prints work from any directory.
//
// The path - is a feature read from stdin, which may be nil when no path
// is -.
func loadCatalog(paths []string, stdin io.Reader) (*catalog, error) {
	return loadTagged(paths, stdin, "")
}

// loadTagged is loadCatalog for a run of only the scenarios tagged tag
// (all of them when tag is empty) that reports nothing about the others:
// it leaves out every file whose text does not hold tag, unparsed.
func loadTagged(paths []string, stdin io.Reader, tag string) (*catalog, error) {
	if len(paths) == 0 {
		c := &catalog{fsys: bundle, only: tag}
		return c, c.addDir(".")
	}
	fsys := diskOrBundle{}
	for _, p := range paths {
		if file, _ := splitRef(p); file != "-" || fsys.stdin != nil {
			continue
		}
		if stdin == nil {
			return nil, &FeatureError{File: "-", Err: errors.New("- means standard input, which this run was not given")}
		}
		src, err := io.ReadAll(stdin)
		if err != nil {
			return nil, fmt.Errorf("reading a feature from standard input: %w", err)
		}
		fsys.stdin = src
	}
	c := &catalog{fsys: fsys, only: tag}
	return c, c.addPaths(paths, func(name string) (fs.FileInfo, error) { return fs.Stat(c.fsys, name) })
}

// addPaths adds files, FILE:LINE references and directories, as stat sees them.
func (c *catalog) addPaths(paths []string, stat func(string) (fs.FileInfo, error)) error {
	for _, p := range paths {
		file, line := splitRef(p)
		info, err := stat(file)
		if err != nil {
			return &FeatureError{File: file, Err: errNoSuchFeature}
		}
		if info.IsDir() {
			if line != 0 {
				return &FeatureError{File: file, Line: line, Err: errors.New("a line number needs a feature file, not a directory")}
			}
			if err := c.addDir(file); err != nil {
				return err
			}
			continue
		}
		c.add(file, line)
	}
	return nil
}

// errNoSuchFeature is a path that is neither on disk nor in the bundle.
var errNoSuchFeature = errors.New("no such feature file or directory, on disk or among the bundled features")

func (c *catalog) addDir(dir string) error {
	var names []string
	walk := func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, ".feature") {
			names = append(names, p)
		}
		return nil
	}
	if err := fs.WalkDir(c.fsys, filepath.ToSlash(dir), walk); err != nil {
		return fmt.Errorf("reading the features: %w", err)
	}
	sort.Strings(names)
	for _, n := range names {
		c.add(n, 0)
	}
	return nil
}

// add parses one file; a file that does not parse is kept aside with its
// error, so the rest can still run.
func (c *catalog) add(name string, line int) {
	src, err := fs.ReadFile(c.fsys, name)
	if err != nil {
		c.bad = append(c.bad, &FeatureError{File: name, Err: err})
		return
	}
	if c.only != "" && !bytes.Contains(src, []byte(c.only)) {
		return
	}
	newID := (&messages.Incrementing{}).NewId
	doc, err := gherkin.ParseGherkinDocument(bytes.NewReader(src), newID)
	if err != nil {
		c.bad = append(c.bad, &FeatureError{File: name, Err: fmt.Errorf("syntax error %w", err)})
		return
	}
	f := &featureFile{uri: name, line: line, doc: doc, steps: map[string]*messages.Step{}, scens: map[string]int64{}}
	f.pickles = gherkin.Pickles(*doc, name, newID)
	f.indexAST()
	if line != 0 && len(f.scenariosAt(line)) == 0 {
		c.bad = append(c.bad, &FeatureError{File: name, Line: line, Err: errNoScenarioAtLine})
		return
	}
	c.files = append(c.files, f)
}

var errNoScenarioAtLine = fmt.Errorf("no scenario starts on this line (give the line of a Scenario: or Scenario Outline: keyword)")

// indexAST records the location of every step and scenario by AST id.
func (f *featureFile) indexAST() {
	if f.doc.Feature == nil {
		return
	}
	var visit func(children []*messages.FeatureChild)
	visitSteps := func(steps []*messages.Step) {
		for _, s := range steps {
			f.steps[s.Id] = s
		}
	}
	visit = func(children []*messages.FeatureChild) {
		for _, ch := range children {
			switch {
			case ch.Background != nil:
				visitSteps(ch.Background.Steps)
			case ch.Scenario != nil:
				visitSteps(ch.Scenario.Steps)
				f.scens[ch.Scenario.Id] = ch.Scenario.Location.Line
			case ch.Rule != nil:
				rc := make([]*messages.FeatureChild, 0, len(ch.Rule.Children))
				for _, r := range ch.Rule.Children {
					rc = append(rc, &messages.FeatureChild{Background: r.Background, Scenario: r.Scenario})
				}
				visit(rc)
			}
		}
	}
	visit(f.doc.Feature.Children)
}

// scenariosAt returns the pickles of the scenario starting on line, or all
// of them for line 0.
func (f *featureFile) scenariosAt(line int) []*messages.Pickle {
	var out []*messages.Pickle
	for _, p := range f.pickles {
		if line == 0 || f.scens[p.AstNodeIds[0]] == int64(line) {
			out = append(out, p)
		}
	}
	return out
}

// file is the first file read from uri, or nil. A file named twice, at
// two lines, is read twice, alike.
func (c *catalog) file(uri string) *featureFile {
	for _, f := range c.files {
		if f.uri == uri {
			return f
		}
	}
	return nil
}

// runnable is the godog path of the file: FILE or FILE:LINE.
func (f *featureFile) runnable() string {
	if f.line != 0 {
		return f.uri + ":" + strconv.Itoa(f.line)
	}
	return f.uri
}

// stepLine is the line of a pickle step in its file.
func (f *featureFile) stepLine(ps *messages.PickleStep) int {
	if s := f.steps[ps.AstNodeIds[0]]; s != nil {
		return int(s.Location.Line)
	}
	return 0
}

// locate finds where godog's scenario sc is written: its file and the line
// of its Scenario keyword. godog numbers AST nodes across every file of a
// run, so the match is by file, name and step texts, not by id.
func (c *catalog) locate(sc *messages.Pickle) (*featureFile, int) {
	uri, _ := splitRef(sc.Uri)
	f := c.file(uri)
	if f == nil {
		return nil, 0
	}
	for _, p := range f.pickles {
		if p.Name == sc.Name && sameSteps(p.Steps, sc.Steps) {
			return f, int(f.scens[p.AstNodeIds[0]])
		}
	}
	return f, 0
}

func sameSteps(a, b []*messages.PickleStep) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Text != b[i].Text {
			return false
		}
	}
	return true
}

// diskOrBundle opens paths as they are given, relative or absolute, as
// godog does when it reads from disk; a path not on disk is looked for
// among the bundled features, with or without a leading "features/"; the
// path - is the feature read from standard input.
type diskOrBundle struct {
	stdin []byte
}

func (d diskOrBundle) Open(name string) (fs.File, error) {
	if name == "-" && d.stdin != nil {
		return &stdinFile{Reader: bytes.NewReader(d.stdin)}, nil
	}
	f, err := os.Open(filepath.FromSlash(name))
	if errors.Is(err, fs.ErrNotExist) {
		if b, berr := bundle.Open(bundledName(name)); berr == nil {
			return b, nil
		}
	}
	return f, err
}

// ReadFile lets fs.ReadFile skip the stat-then-read dance.
func (d diskOrBundle) ReadFile(name string) ([]byte, error) {
	if name == "-" && d.stdin != nil {
		return bytes.Clone(d.stdin), nil
	}
	data, err := os.ReadFile(filepath.FromSlash(name))
	if errors.Is(err, fs.ErrNotExist) {
		if b, berr := fs.ReadFile(bundle, bundledName(name)); berr == nil {
			return b, nil
		}
	}
	return data, err
}

// bundledName is the bundle's name for a path that may start with the
// features directory of a checkout.
func bundledName(name string) string {
	name = path.Clean(filepath.ToSlash(name))
	if name == "features" {
		return "."
	}
	return strings.TrimPrefix(name, "features/")
}

// stdinFile is the feature read from standard input, as the file "-".
type stdinFile struct{ *bytes.Reader }

func (f *stdinFile) Stat() (fs.FileInfo, error) { return stdinInfo{size: f.Size()}, nil }
func (f *stdinFile) Close() error               { return nil }

type stdinInfo struct{ size int64 }

func (stdinInfo) Name() string       { return "-" }
func (i stdinInfo) Size() int64      { return i.size }
func (stdinInfo) Mode() fs.FileMode  { return 0o444 }
func (stdinInfo) ModTime() time.Time { return time.Time{} }
func (stdinInfo) IsDir() bool        { return false }
func (stdinInfo) Sys() any           { return nil }
