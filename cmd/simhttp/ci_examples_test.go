package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

const ciExamples = "../../examples/ci/"

// yamlDocs parses every document of a YAML file.
func yamlDocs(t *testing.T, path string) []map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var docs []map[string]any
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc map[string]any
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		docs = append(docs, doc)
	}
}

// at walks a parsed YAML document by keys and list indexes.
func at(t *testing.T, v any, path ...any) any {
	t.Helper()
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("no key %q in %v", k, v)
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				t.Fatalf("no item %d in %v", k, v)
			}
			v = l[k]
		}
	}
	return v
}

// sweepCommand cuts the simhttp sweep command out of a shell line, after
// an install and before an exit-status test.
func sweepCommand(t *testing.T, line string) string {
	t.Helper()
	i := strings.Index(line, "simhttp sweep")
	if i < 0 {
		t.Fatalf("no simhttp sweep in %q", line)
	}
	cmd := line[i:]
	if j := strings.Index(cmd, " ||"); j >= 0 {
		cmd = cmd[:j]
	}
	return strings.TrimSpace(cmd)
}

// shellArgs splits a command as sh would for the words these files use:
// double quotes group, a word with * is a glob.
func shellArgs(t *testing.T, cmd string) []string {
	t.Helper()
	var args []string
	var word strings.Builder
	quoted, inWord := false, false
	flush := func() {
		if !inWord {
			return
		}
		w := word.String()
		if strings.Contains(w, "*") {
			matches, err := filepath.Glob(w)
			if err != nil || len(matches) == 0 {
				t.Fatalf("%s matches nothing", w)
			}
			args = append(args, matches...)
		} else {
			args = append(args, w)
		}
		word.Reset()
		inWord = false
	}
	for _, c := range cmd {
		switch {
		case c == '"':
			quoted, inWord = !quoted, true
		case c == ' ' && !quoted:
			flush()
		default:
			word.WriteRune(c)
			inWord = true
		}
	}
	flush()
	if args[0] != "simhttp" {
		t.Fatalf("not a simhttp command: %q", cmd)
	}
	return args[1:]
}

// runShards runs the shard command once per shard and then the merge, in
// a fresh directory where features/ is the bundled features, and checks the
// merged report covers every seed.
func runShards(t *testing.T, shard func(i int) string, merge string, dir string, shards int) {
	t.Helper()
	t.Chdir(t.TempDir())
	for i := 1; i <= shards; i++ {
		var out, errOut bytes.Buffer
		if code := run(shellArgs(t, shard(i)), &out, &errOut); code > 1 {
			t.Fatalf("shard %d: exit %d: %s", i, code, errOut.String())
		}
	}
	var out, errOut bytes.Buffer
	if code := run(shellArgs(t, merge), &out, &errOut); code > 1 {
		t.Fatalf("merge: exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "sweep: 12 seeds (1-12, "+strconv.Itoa(shards)+" shards merged): ") {
		t.Errorf("merge printed %q", out.String())
	}
	data, err := os.ReadFile(filepath.Join(dir, "sweep.json"))
	if err != nil {
		t.Fatal(err)
	}
	var merged struct{ Seeds []uint64 }
	if err := json.Unmarshal(data, &merged); err != nil || len(merged.Seeds) != 12 || !slices.IsSorted(merged.Seeds) {
		t.Errorf("sweep.json: %v, seeds %v", err, merged.Seeds)
	}
	data, err = os.ReadFile(filepath.Join(dir, "sweep.xml"))
	var junit struct {
		Tests int `xml:"tests,attr"`
	}
	if err != nil || xml.Unmarshal(data, &junit) != nil || junit.Tests != 12 {
		t.Errorf("sweep.xml: %v, %d tests", err, junit.Tests)
	}
}

func TestGitHubActionsExampleShardsAndMerges(t *testing.T) {
	docs := yamlDocs(t, ciExamples+"github-actions-sweep.yml")
	if len(docs) != 1 {
		t.Fatalf("%d documents", len(docs))
	}
	wf := docs[0]
	shards, err := strconv.Atoi(at(t, wf, "env", "SHARDS").(string))
	if err != nil {
		t.Fatal(err)
	}
	matrix := at(t, wf, "jobs", "sweep", "strategy", "matrix", "shard").([]any)
	if len(matrix) != shards || shards != 3 {
		t.Errorf("the matrix lists %d shards, SHARDS says %d; want 3 of each", len(matrix), shards)
	}
	if at(t, wf, "jobs", "merge", "needs") != "sweep" || at(t, wf, "jobs", "merge", "if") != "always()" {
		t.Error("the merge job does not wait for every shard, pass or fail")
	}
	var shardCmd, mergeCmd string
	for _, job := range []string{"sweep", "merge"} {
		for _, step := range at(t, wf, "jobs", job, "steps").([]any) {
			if r, ok := step.(map[string]any)["run"].(string); ok && strings.Contains(r, "simhttp sweep") {
				if job == "sweep" {
					shardCmd = sweepCommand(t, r)
				} else {
					mergeCmd = sweepCommand(t, r)
				}
			}
		}
	}
	seeds := strings.NewReplacer(`"$SEEDS"`, "1-12", "$SHARDS", strconv.Itoa(shards))
	runShards(t, func(i int) string {
		return strings.ReplaceAll(seeds.Replace(shardCmd), "${{ matrix.shard }}", strconv.Itoa(i))
	}, mergeCmd, ".", shards)
}

func TestKubernetesExampleShardsAndMerges(t *testing.T) {
	docs := yamlDocs(t, ciExamples+"kubernetes/sweep-indexed-job.yaml")
	if len(docs) != 2 || docs[0]["kind"] != "PersistentVolumeClaim" || docs[1]["kind"] != "Job" {
		t.Fatalf("want a PersistentVolumeClaim and a Job, got %d documents", len(docs))
	}
	job := docs[1]
	container := at(t, job, "spec", "template", "spec", "containers", 0)
	var shards int
	for _, e := range at(t, container, "env").([]any) {
		if e.(map[string]any)["name"] == "SHARDS" {
			shards, _ = strconv.Atoi(e.(map[string]any)["value"].(string))
		}
	}
	if at(t, job, "spec", "completionMode") != "Indexed" || at(t, job, "spec", "completions") != shards || at(t, job, "spec", "parallelism") != shards || shards != 3 {
		t.Errorf("want an Indexed Job of 3 completions run in parallel, SHARDS 3; got %v", at(t, job, "spec"))
	}
	merge := yamlDocs(t, ciExamples+"kubernetes/sweep-merge-job.yaml")
	if len(merge) != 1 || merge[0]["kind"] != "Job" {
		t.Fatalf("the merge file holds %d documents", len(merge))
	}
	shardCmd := sweepCommand(t, at(t, container, "args", 0).(string))
	mergeCmd := sweepCommand(t, at(t, merge[0], "spec", "template", "spec", "containers", 0, "args", 0).(string))
	results := t.TempDir()
	vars := strings.NewReplacer(`"$SEEDS"`, "1-12", "$SHARDS", strconv.Itoa(shards), "/results", results)
	runShards(t, func(i int) string {
		return strings.ReplaceAll(vars.Replace(shardCmd), "$((JOB_COMPLETION_INDEX + 1))", strconv.Itoa(i))
	}, vars.Replace(mergeCmd), results, shards)
}
