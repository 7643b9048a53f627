package httpcore

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// Test cases as data: testdata/parser/*.md (format in its README.md), and
// the event log both Node (fixtures/node/parser/harness.js) and runCase
// write for them.

// caseMeta is a case's meta line.
type caseMeta struct {
	Type          string `json:"type"`
	Lenient       bool   `json:"lenient"`
	MaxHeaderSize int    `json:"maxHeaderSize"`
	OnHead        string `json:"onHead"`
	Raw           bool   `json:"raw"`
}

type parserCase struct {
	Key   string // file/name, as results.json keys it
	Meta  caseMeta
	Input []byte
	Log   []string
}

// loadCorpus reads every case under testdata/parser.
func loadCorpus(t testing.TB) []parserCase {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "parser", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	var all []parserCase
	seen := map[string]bool{}
	for _, f := range files {
		if filepath.Base(f) == "README.md" {
			continue
		}
		cases, err := parseCaseFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cases {
			if seen[c.Key] {
				t.Fatalf("%s: duplicate case name", c.Key)
			}
			seen[c.Key] = true
		}
		all = append(all, cases...)
	}
	if len(all) == 0 {
		t.Fatal("no parser cases found under testdata/parser")
	}
	return all
}

func parseCaseFile(path string) ([]parserCase, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var (
		cases []parserCase
		cur   *parserCase
		block string
		lines []string
		n     int
	)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		n++
		line := sc.Text()
		where := fmt.Sprintf("%s:%d", path, n)
		switch {
		case block != "" && line == "```":
			if block == "http" {
				in, err := decodeInput(lines, cur.Meta.Raw)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", where, err)
				}
				cur.Input = in
			} else {
				cur.Log = lines
			}
			block, lines = "", nil
		case block != "":
			lines = append(lines, line)
		case strings.HasPrefix(line, "## "):
			cases = append(cases, parserCase{Key: filepath.Base(path) + "/" + strings.TrimSpace(line[3:])})
			cur = &cases[len(cases)-1]
		case cur != nil && strings.HasPrefix(line, "<!-- meta="):
			js := strings.TrimSuffix(strings.TrimPrefix(line, "<!-- meta="), "-->")
			if err := json.Unmarshal([]byte(js), &cur.Meta); err != nil {
				return nil, fmt.Errorf("%s: meta: %w", where, err)
			}
		case cur != nil && (line == "```http" || line == "```log"):
			block = strings.TrimPrefix(line, "```")
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	for _, c := range cases {
		if c.Input == nil || c.Log == nil || (c.Meta.Type != "request" && c.Meta.Type != "response") {
			return nil, fmt.Errorf("%s: a case needs a type, an http block and a log block", c.Key)
		}
	}
	return cases, nil
}

// decodeInput turns an http block into bytes: CRLF after every line but
// one ending in a single backslash (none at all when raw), and the escapes
// \r \n \t \\ \xHH.
func decodeInput(lines []string, raw bool) ([]byte, error) {
	var out []byte
	for _, line := range lines {
		trailing := len(line) - len(strings.TrimRight(line, `\`))
		joined := trailing%2 == 1
		if joined {
			line = line[:len(line)-1]
		}
		for i := 0; i < len(line); i++ {
			if line[i] != '\\' {
				out = append(out, line[i])
				continue
			}
			if i+1 == len(line) {
				return nil, fmt.Errorf("lone backslash in %q", line)
			}
			i++
			switch line[i] {
			case 'r':
				out = append(out, '\r')
			case 'n':
				out = append(out, '\n')
			case 't':
				out = append(out, '\t')
			case '\\':
				out = append(out, '\\')
			case 'x':
				if i+3 > len(line) {
					return nil, fmt.Errorf("short \\x escape in %q", line)
				}
				v, err := strconv.ParseUint(line[i+1:i+3], 16, 8)
				if err != nil {
					return nil, fmt.Errorf("bad \\x escape in %q", line)
				}
				out = append(out, byte(v))
				i += 2
			default:
				return nil, fmt.Errorf("unknown escape \\%c in %q", line[i], line)
			}
		}
		if !raw && !joined {
			out = append(out, '\r', '\n')
		}
	}
	return out, nil
}

// runResult is what runCase saw.
type runResult struct {
	Log      []string
	Err      *ParseError
	ErrChunk int // index of the chunk that failed; -1 for Finish
}

// runCase feeds chunks to a fresh parser set up by meta and writes the
// event log exactly as harness.js writes Node's.
func runCase(meta caseMeta, chunks [][]byte) runResult { return runCaseWith(meta, chunks, nil) }

// runCaseWith is runCase with a parser that keeps its heads' arrays and
// strings, and its head memo, in spares, as an agent's or a server's do.
func runCaseWith(meta caseMeta, chunks [][]byte, spares *headSpares) runResult {
	r := startCase(meta, spares)
	for _, chunk := range chunks {
		r.feed(chunk)
	}
	return r.end()
}

// caseRun is one runCaseWith fed a chunk at a time, so that the parsers
// of several runs sharing spares can take turns (FuzzHeadMemo).
type caseRun struct {
	p        *Parser
	res      runResult
	body     []byte
	chunks   int    // chunks fed so far
	done     bool   // an error, an upgrade or a short read ended the run
	upgraded bool   // rest is the upgraded protocol's
	rest     []byte // the bytes after an upgrade, up to the last chunk
}

// startCase makes a parser set up by meta, whose events r's log records.
func startCase(meta caseMeta, spares *headSpares) *caseRun {
	kind := ParseRequest
	if meta.Type == "response" {
		kind = ParseResponse
	}
	mode := map[string]BodyMode{"": BodyNormal, "normal": BodyNormal, "skip": BodySkip, "upgrade": BodyUpgrade}[meta.OnHead]
	r := &caseRun{p: NewParser(kind, ParserOptions{MaxHeaderSize: meta.MaxHeaderSize, Lenient: meta.Lenient})}
	r.p.spares = spares
	r.p.SetCallbacks(func(h *MessageHead) BodyMode {
		var line string
		if kind == ParseRequest {
			line = fmt.Sprintf("head method=%s url=%s", h.Method, quote(h.URL))
		} else {
			line = fmt.Sprintf("head status=%d reason=%s", h.StatusCode, quote(h.StatusMessage))
		}
		r.emit(fmt.Sprintf("%s version=%d.%d upgrade=%t keepalive=%t", line, h.VersionMajor, h.VersionMinor, h.Upgrade, h.KeepAlive))
		for i := 0; i+1 < len(h.RawHeaders); i += 2 {
			r.emit("header " + quote(h.RawHeaders[i]) + " " + quote(h.RawHeaders[i+1]))
		}
		return mode
	}, func(b []byte) {
		r.body = append(r.body, b...)
	}, func(trailers []string) {
		for i := 0; i+1 < len(trailers); i += 2 {
			r.emit("trailer " + quote(trailers[i]) + " " + quote(trailers[i+1]))
		}
		r.emit("complete")
	})
	return r
}

// emit writes line to the log after the body bytes that came before it.
func (r *caseRun) emit(line string) {
	if len(r.body) > 0 {
		r.res.Log = append(r.res.Log, "body "+quote(string(r.body)))
		r.body = r.body[:0]
	}
	if line != "" {
		r.res.Log = append(r.res.Log, line)
	}
}

// feed executes the parser on the next chunk, until the run is done.
func (r *caseRun) feed(chunk []byte) {
	i := r.chunks
	r.chunks++
	if r.upgraded {
		r.rest = append(r.rest, chunk...)
	}
	if r.done {
		return
	}
	n, err := r.p.Execute(chunk)
	if err != nil {
		pe := err.(*ParseError)
		r.emit("error " + pe.Code + " " + quote(pe.Reason))
		r.res.Err, r.res.ErrChunk = pe, i
		r.done = true
		return
	}
	if r.p.Upgraded() {
		r.rest = append([]byte(nil), chunk[n:]...)
		r.done, r.upgraded = true, true
		return
	}
	if n != len(chunk) {
		r.emit(fmt.Sprintf("consumed %d of %d without error or upgrade", n, len(chunk)))
		r.done = true
	}
}

// end finishes the run, after its last chunk, and returns what it saw.
func (r *caseRun) end() runResult {
	if r.upgraded {
		r.emit("upgrade " + quote(string(r.rest)))
	}
	if r.done {
		return r.res
	}
	r.emit("finish")
	if err := r.p.Finish(); err != nil {
		pe := err.(*ParseError)
		r.emit("error " + pe.Code + " " + quote(pe.Reason))
		r.res.Err, r.res.ErrChunk = pe, -1
	}
	r.emit("")
	return r.res
}

// quote is the log's string form: printable ASCII as is, the rest escaped.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			b.WriteString(`\"`)
		case c == '\\':
			b.WriteString(`\\`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\t':
			b.WriteString(`\t`)
		case c >= 0x20 && c < 0x7f:
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, `\x%02x`, c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// splits returns the ways a case is fed: whole, byte by byte, and every
// two-way split when the input is short enough.
func splits(input []byte, maxTwoWay int) (names []string, feeds [][][]byte) {
	names = append(names, "whole")
	feeds = append(feeds, [][]byte{input})
	bytes := make([][]byte, len(input))
	for i := range input {
		bytes[i] = input[i : i+1]
	}
	names = append(names, "bytewise")
	feeds = append(feeds, bytes)
	if len(input) <= maxTwoWay {
		for k := 1; k < len(input); k++ {
			names = append(names, fmt.Sprintf("split@%d", k))
			feeds = append(feeds, [][]byte{input[:k], input[k:]})
		}
	}
	return names, feeds
}

// nodeError is a parse error as the referee recorded it.
type nodeError struct {
	Chunk           int    `json:"chunk"`
	Code            string `json:"code"`
	Reason          string `json:"reason"`
	Message         string `json:"message"`
	BytesParsed     *int   `json:"bytesParsed"`
	RawPacketLength *int   `json:"rawPacketLength"`
}

// refereeResults is fixtures/node/parser/results.json.
type refereeResults struct {
	Node   string `json:"node"`
	LLHTTP string `json:"llhttp"`
	Cases  map[string]struct {
		Log           []string   `json:"log"`
		Error         *nodeError `json:"error"`
		Peer          *nodeError `json:"peer"`
		SplitVariants []struct {
			At  []any    `json:"at"`
			Log []string `json:"log"`
		} `json:"splitVariants"`
	} `json:"cases"`
}

func loadJSON(t testing.TB, name string, v any) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "fixtures", "node", "parser", name))
	if err != nil {
		t.Fatalf("%v (run node fixtures/node/parser/referee.js)", err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// latin1 maps a string decoded from JSON back to the bytes it stands for:
// the referee writes byte strings as one character per byte.
func latin1(s string) []byte {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		out = append(out, byte(r))
	}
	return out
}
