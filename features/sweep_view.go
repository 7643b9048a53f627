package features

import (
	"bytes"
	"io/fs"

	messages "github.com/cucumber/messages/go/v21"
)

// sweepView is the catalog a sweep's seeds run from: the same files, read
// through a file system in which every scenario that does not run is
// blanked out line for line. godog parses each file it runs on every run,
// once per seed in a sweep, and most scenarios of a file holding an @sweep
// one are not @sweep; blank lines keep every line number, so godog finds
// and names each scenario that runs as before.
func sweepView(c *catalog, paths []string, runs []*messages.Pickle) *catalog {
	selected := map[string]bool{}
	for _, p := range runs {
		selected[p.AstNodeIds[0]] = true
	}
	files := map[string][]byte{}
	for _, p := range paths {
		if uri, _ := splitRef(p); files[uri] == nil {
			files[uri] = blankUnselected(c.file(uri), selected)
		}
	}
	return &catalog{fsys: memFS(files), files: c.files, bad: c.bad}
}

// blankUnselected returns f's source with the lines of every scenario not
// in selected (by AST id) emptied, from its tags to the line before the
// next scenario, background or rule.
func blankUnselected(f *featureFile, selected map[string]bool) []byte {
	lines := bytes.SplitAfter(f.src, []byte("\n"))
	type block struct {
		start int // 1-based line of its first tag or keyword
		blank bool
	}
	var blocks []block
	startOf := func(loc *messages.Location, tags []*messages.Tag) int {
		line := int(loc.Line)
		for _, t := range tags {
			line = min(line, int(t.Location.Line))
		}
		return line
	}
	f.eachChild(func(ch *messages.FeatureChild) {
		switch {
		case ch.Background != nil:
			blocks = append(blocks, block{start: int(ch.Background.Location.Line)})
		case ch.Scenario != nil:
			blocks = append(blocks, block{start: startOf(ch.Scenario.Location, ch.Scenario.Tags), blank: !selected[ch.Scenario.Id]})
		case ch.Rule != nil:
			blocks = append(blocks, block{start: startOf(ch.Rule.Location, ch.Rule.Tags)})
		}
	})
	var out bytes.Buffer
	out.Grow(len(f.src))
	b := 0
	for i, line := range lines {
		for b+1 < len(blocks) && blocks[b+1].start <= i+1 {
			b++
		}
		if len(blocks) > 0 && blocks[b].start <= i+1 && blocks[b].blank {
			if bytes.HasSuffix(line, []byte("\n")) {
				out.WriteByte('\n')
			}
			continue
		}
		out.Write(line)
	}
	return out.Bytes()
}

// memFS is a read-only file system of whole files held in memory.
type memFS map[string][]byte

func (m memFS) Open(name string) (fs.File, error) {
	src, ok := m[name]
	if !ok {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return &memFile{Reader: bytes.NewReader(src), name: name}, nil
}
