package httpcore

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// maxTwoWay bounds the inputs that are also run at every two-way split.
const maxTwoWay = 300

// TestParserCorpus runs every case of testdata/parser at every split and
// holds the log to the case's expectation, the expectation to what Node
// recorded, and each error to Node's code, reason and position.
func TestParserCorpus(t *testing.T) {
	var ref refereeResults
	loadJSON(t, "results.json", &ref)
	cases := loadCorpus(t)
	for _, c := range cases {
		t.Run(c.Key, func(t *testing.T) {
			node, ok := ref.Cases[c.Key]
			if !ok {
				t.Fatalf("no referee result; run node fixtures/node/parser/referee.js")
			}
			if !slices.Equal(node.Log, c.Log) {
				t.Errorf("the expected log is not what Node logged:\n%s", diffLogs(c.Log, node.Log))
			}
			names, feeds := splits(c.Input, maxTwoWay)
			for i, feed := range feeds {
				want := c.Log
				for _, v := range node.SplitVariants {
					if fmt.Sprint(v.At...) == strings.TrimPrefix(names[i], "split@") {
						want = v.Log
					}
				}
				got := runCase(c.Meta, feed)
				if !slices.Equal(got.Log, want) {
					t.Fatalf("%s:\n%s", names[i], diffLogs(want, got.Log))
				}
			}
			checkAgainstNode(t, c, runCase(c.Meta, [][]byte{c.Input}), node.Error, node.Peer)
		})
	}
	for key := range ref.Cases {
		if !slices.ContainsFunc(cases, func(c parserCase) bool { return c.Key == key }) {
			t.Errorf("results.json has %q, which no longer exists; rerun the referee", key)
		}
	}
}

// checkAgainstNode compares the error of a whole-input run with the
// binding's and with what a real server or client reported.
func checkAgainstNode(t *testing.T, c parserCase, got runResult, bind, peer *nodeError) {
	t.Helper()
	if (got.Err == nil) != (bind == nil) {
		t.Fatalf("error %v, Node's %+v", got.Err, bind)
	}
	if bind == nil {
		return
	}
	e := got.Err
	if e.Code != bind.Code || e.Reason != bind.Reason || got.ErrChunk != bind.Chunk || e.BytesParsed != *bind.BytesParsed {
		t.Errorf("error %s %q at %d (chunk %d), Node's %s %q at %d (chunk %d)",
			e.Code, e.Reason, e.BytesParsed, got.ErrChunk, bind.Code, bind.Reason, *bind.BytesParsed, bind.Chunk)
	}
	if got.ErrChunk >= 0 && string(e.RawPacket) != string(c.Input) {
		t.Errorf("RawPacket is not the Execute input")
	}
	if peer == nil || !strings.HasPrefix(peer.Code, "HPE_") {
		return
	}
	if e.Code != peer.Code || e.Reason != peer.Reason || e.Error() != peer.Message {
		t.Errorf("error %s %q %q, Node's server/client %s %q %q", e.Code, e.Reason, e.Error(), peer.Code, peer.Reason, peer.Message)
	}
	if peer.RawPacketLength != nil && *peer.RawPacketLength == len(c.Input) && e.BytesParsed != *peer.BytesParsed {
		t.Errorf("bytesParsed %d, Node's server/client %d", e.BytesParsed, *peer.BytesParsed)
	}
}

func diffLogs(want, got []string) string {
	var b strings.Builder
	for i := 0; i < max(len(want), len(got)); i++ {
		w, g := "", ""
		if i < len(want) {
			w = want[i]
		}
		if i < len(got) {
			g = got[i]
		}
		mark := "  "
		if w != g {
			mark = "! "
		}
		fmt.Fprintf(&b, "%swant %s\n%s got %s\n", mark, w, mark, g)
	}
	return b.String()
}

// generatedResults is fixtures/node/parser/generated.json.
type generatedResults struct {
	Sweeps []struct {
		Type     string           `json:"type"`
		Lenient  bool             `json:"lenient"`
		Template string           `json:"template"`
		Outcomes map[string][]int `json:"outcomes"`
	} `json:"sweeps"`
	Mutants []struct {
		Meta  caseMeta   `json:"meta"`
		Input string     `json:"input"`
		Log   []string   `json:"log"`
		Error *nodeError `json:"error"`
	} `json:"mutants"`
	Large []struct {
		Type    string     `json:"type"`
		Parts   []any      `json:"parts"`
		Log     []string   `json:"log"`
		Headers int        `json:"headers"`
		Error   *nodeError `json:"error"`
	} `json:"large"`
}

// TestParserByteSweeps puts every byte value at one place of a message and
// compares the verdict (events, error and position) with Node's.
func TestParserByteSweeps(t *testing.T) {
	var gen generatedResults
	loadJSON(t, "generated.json", &gen)
	for _, s := range gen.Sweeps {
		want := make([]string, 256)
		for outcome, bytes := range s.Outcomes {
			for _, b := range bytes {
				want[b] = outcome
			}
		}
		before, after, _ := strings.Cut(s.Template, "X")
		meta := caseMeta{Type: s.Type, Lenient: s.Lenient}
		for b := 0; b < 256; b++ {
			input := []byte(before + string([]byte{byte(b)}) + after)
			if got := outcome(runCase(meta, [][]byte{input})); got != want[b] {
				t.Errorf("%s %q with byte 0x%02x: %s, Node %s", s.Type, s.Template, b, got, want[b])
			}
		}
	}
}

// outcome summarises a run as the referee's sweeps do.
func outcome(r runResult) string {
	tail := "ok"
	if e := r.Err; e != nil {
		at := fmt.Sprint(e.BytesParsed)
		if r.ErrChunk < 0 {
			at = "finish"
		}
		tail = e.Code + "|" + e.Reason + "|" + at
	}
	return fmt.Sprintf("%d|%s", len(r.Log), tail)
}

// TestParserMutants runs mutated corpus inputs and compares logs and
// errors with Node's.
func TestParserMutants(t *testing.T) {
	var gen generatedResults
	loadJSON(t, "generated.json", &gen)
	for i, m := range gen.Mutants {
		input := latin1(m.Input)
		got := runCase(m.Meta, [][]byte{input})
		if !slices.Equal(got.Log, m.Log) {
			t.Errorf("mutant %d %q:\n%s", i, input, diffLogs(m.Log, got.Log))
			continue
		}
		if m.Error != nil && (got.ErrChunk != m.Error.Chunk || got.Err.BytesParsed != *m.Error.BytesParsed) {
			t.Errorf("mutant %d %q: error at %d (chunk %d), Node at %d (chunk %d)",
				i, input, got.Err.BytesParsed, got.ErrChunk, *m.Error.BytesParsed, m.Error.Chunk)
		}
	}
}

// TestParserLargeMessages checks Node's size limits at their edges.
func TestParserLargeMessages(t *testing.T) {
	var gen generatedResults
	loadJSON(t, "generated.json", &gen)
	for i, l := range gen.Large {
		var b strings.Builder
		for _, part := range l.Parts {
			switch p := part.(type) {
			case string:
				b.WriteString(p)
			case []any:
				b.WriteString(strings.Repeat(p[0].(string), int(p[1].(float64))))
			}
		}
		input := latin1(b.String())
		got := runCase(caseMeta{Type: l.Type}, [][]byte{input})
		var log []string
		headers := 0
		for _, line := range got.Log {
			switch {
			case strings.HasPrefix(line, "header "):
				headers++
			case !strings.HasPrefix(line, "body "):
				log = append(log, line)
			}
		}
		if !slices.Equal(log, l.Log) || headers != l.Headers {
			t.Errorf("large %d: %d headers, Node %d:\n%s", i, headers, l.Headers, diffLogs(l.Log, log))
		}
		if l.Error != nil && got.Err != nil && got.Err.BytesParsed != *l.Error.BytesParsed {
			t.Errorf("large %d: error at %d, Node at %d", i, got.Err.BytesParsed, *l.Error.BytesParsed)
		}
	}
}

// TestParseErrorMatching shows how callers recognise parse errors.
func TestParseErrorMatching(t *testing.T) {
	p := NewParser(ParseRequest, ParserOptions{})
	_, err := p.Execute([]byte("FOO / HTTP/1.1\r\n\r\n"))
	if !errors.Is(err, &ParseError{Code: "HPE_INVALID_METHOD"}) || errors.Is(err, &ParseError{Code: "HPE_INVALID_URL"}) {
		t.Fatalf("errors.Is by code failed for %v", err)
	}
	var pe *ParseError
	if !errors.As(err, &pe) || pe.NodeCode() != "HPE_INVALID_METHOD" || pe.Error() != "Parse Error: Invalid method encountered" {
		t.Fatalf("errors.As gave %#v", pe)
	}
	if n, again := p.Execute([]byte("GET / HTTP/1.1\r\n\r\n")); n != 0 || again != err {
		t.Fatalf("a failed parser must keep failing with the same error, got %d %v", n, again)
	}
	if p.Finish() != nil {
		t.Fatal("Finish after an error reports nothing, as llhttp")
	}
}
