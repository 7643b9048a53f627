package httpcore

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"unsafe"
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

// headsOf parses input whole and returns copies of every head.
func headsOf(t *testing.T, kind ParserKind, input string) []MessageHead {
	t.Helper()
	var heads []MessageHead
	p := NewParser(kind, ParserOptions{})
	p.SetCallbacks(func(h *MessageHead) BodyMode {
		heads = append(heads, *h)
		return BodyNormal
	}, nil, nil)
	if _, err := p.Execute([]byte(input)); err != nil {
		t.Fatal(err)
	}
	return heads
}

func TestMessageHeadFraming(t *testing.T) {
	for _, tc := range []struct {
		input   string
		length  int64
		chunked bool
	}{
		{"GET / HTTP/1.1\r\n\r\n", -1, false},
		{"POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n", 0, false},
		{"POST / HTTP/1.1\r\nContent-Length: 12\r\n\r\n", 12, false},
		{"POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", -1, true},
		{"PUT / HTTP/1.1\r\nContent-Length: 9223372036854775807\r\n\r\n", 1<<63 - 1, false},
		{"PUT / HTTP/1.1\r\nContent-Length: 18446744073709551615\r\n\r\n", 1<<63 - 1, false},
	} {
		h := headsOf(t, ParseRequest, tc.input)
		if len(h) != 1 || h[0].ContentLength != tc.length || h[0].Chunked != tc.chunked {
			t.Errorf("%q: %+v", tc.input, h)
		}
	}
	res := headsOf(t, ParseResponse, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
	if res[0].StatusCode != 404 || res[0].StatusMessage != "Not Found" || res[0].Method != "" || res[0].URL != "" {
		t.Errorf("response head %+v", res[0])
	}
}

// TestMessageHeadCopiesSurvive checks the promise made to OnHead: a
// shallow copy of the head stays valid after later messages.
func TestMessageHeadCopiesSurvive(t *testing.T) {
	heads := headsOf(t, ParseRequest, "GET /one HTTP/1.1\r\nA: 1\r\n\r\nGET /two HTTP/1.1\r\nB: 2\r\n\r\n")
	if heads[0].URL != "/one" || !slices.Equal(heads[0].RawHeaders, []string{"A", "1"}) ||
		heads[1].URL != "/two" || !slices.Equal(heads[1].RawHeaders, []string{"B", "2"}) {
		t.Fatalf("heads %+v", heads)
	}
}

func TestParserStateQueries(t *testing.T) {
	p := NewParser(ParseRequest, ParserOptions{})
	if p.Pending() || p.HeaderBytes() != 0 || p.Upgraded() {
		t.Fatal("a new parser is idle")
	}
	step := func(s string) {
		t.Helper()
		if _, err := p.Execute([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	step("\r\n")
	if p.Pending() || p.HeaderBytes() != 0 {
		t.Fatal("line breaks between messages start nothing")
	}
	step("POST / HTTP/1.1\r\nContent-")
	if !p.Pending() || p.HeaderBytes() != len("POST / HTTP/1.1\r\nContent-") {
		t.Fatalf("inside a head: pending %t, %d head bytes", p.Pending(), p.HeaderBytes())
	}
	step("Length: 2\r\n\r\na")
	if !p.Pending() || p.HeaderBytes() != 0 {
		t.Fatalf("inside a body: pending %t, %d head bytes", p.Pending(), p.HeaderBytes())
	}
	step("b")
	if p.Pending() {
		t.Fatal("the message is complete")
	}
	if err := p.Finish(); err != nil {
		t.Fatal(err)
	}
}

func TestParserUpgradeStopsAndStaysStopped(t *testing.T) {
	p := NewParser(ParseResponse, ParserOptions{})
	completed := 0
	p.SetCallbacks(nil, nil, func([]string) { completed++ })
	in := []byte("HTTP/1.1 101 Switching Protocols\r\nUpgrade: ws\r\nConnection: upgrade\r\n\r\nframes")
	n, err := p.Execute(in)
	if err != nil || !p.Upgraded() || string(in[n:]) != "frames" || completed != 1 || p.Pending() {
		t.Fatalf("n=%d err=%v upgraded=%t completed=%d", n, err, p.Upgraded(), completed)
	}
	if n, err := p.Execute([]byte("more")); n != 0 || err != nil {
		t.Fatalf("after an upgrade Execute consumes nothing, got %d %v", n, err)
	}
	if p.Finish() != nil {
		t.Fatal("Finish after an upgrade reports nothing")
	}
	p.Reset(ParseRequest)
	if p.Upgraded() {
		t.Fatal("Reset starts a new connection")
	}
	if got := headsOf(t, ParseRequest, "GET / HTTP/1.1\r\n\r\n"); len(got) != 1 {
		t.Fatal("a reset parser parses again")
	}
}

func TestParserFinishReadsUntilClose(t *testing.T) {
	p := NewParser(ParseResponse, ParserOptions{})
	var body []byte
	completed := 0
	p.SetCallbacks(nil, func(b []byte) { body = append(body, b...) }, func([]string) { completed++ })
	if _, err := p.Execute([]byte("HTTP/1.0 200 OK\r\n\r\nall of it")); err != nil {
		t.Fatal(err)
	}
	if completed != 0 || !p.Pending() {
		t.Fatal("a body read until close is not complete before the close")
	}
	if p.Finish() != nil || p.Finish() != nil || completed != 1 || string(body) != "all of it" {
		t.Fatalf("Finish: completed %d times, body %q", completed, body)
	}
}

func TestParserRejectsUnknownBodyMode(t *testing.T) {
	p := NewParser(ParseRequest, ParserOptions{})
	p.SetCallbacks(func(*MessageHead) BodyMode { return BodyMode(7) }, nil, nil)
	_, err := p.Execute([]byte("GET / HTTP/1.1\r\n\r\n"))
	if !errors.Is(err, &ParseError{Code: "HPE_CB_HEADERS_COMPLETE"}) {
		t.Fatalf("got %v", err)
	}
}

func TestParserEndOfStreamError(t *testing.T) {
	p := NewParser(ParseRequest, ParserOptions{})
	if _, err := p.Execute([]byte("GET / HT")); err != nil {
		t.Fatal(err)
	}
	err := p.Finish()
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Code != "HPE_INVALID_EOF_STATE" || pe.Error() != "Parse Error" || pe.RawPacket != nil {
		t.Fatalf("got %#v", err)
	}
}

func TestParserDefaultHeaderLimit(t *testing.T) {
	for _, size := range []int{0, -1} {
		p := NewParser(ParseRequest, ParserOptions{MaxHeaderSize: size})
		_, err := p.Execute([]byte("GET /" + strings.Repeat("a", defaultMaxHeaderSize-1) + " HTTP/1.1\r\n\r\n"))
		if !errors.Is(err, &ParseError{Code: "HPE_HEADER_OVERFLOW"}) {
			t.Errorf("MaxHeaderSize %d: %v", size, err)
		}
	}
}

// TestHeaderLineFastPathMatchesTheStates feeds heads whole, where
// plainHeaderLine takes their lines at once, and byte by byte, where every
// line goes through the states, and wants the same log and error: the
// fast path's special lines (Connection's tokens, Content-Length) and
// each way it must leave a line to the states.
func TestHeaderLineFastPathMatchesTheStates(t *testing.T) {
	for _, meta := range fastPathMetas(0) {
		for _, input := range fastPathInputs(meta) {
			var oneByte [][]byte
			for i := range input {
				oneByte = append(oneByte, input[i:i+1])
			}
			compareSplit(t, meta, input, oneByte)
		}
	}
}

// TestHeaderLineFastPathMatchesTheStatesNearTheLimit does the same under
// a maxHeaderSize the heads cross, where the fast path counts a line whole
// or, near the limit, ends its spans where the states would. Byte by byte
// would move where the limit is hit (it is checked at span ends, and every
// byte ends one), so the heads are cut only after each LF instead: a line
// then ends its chunk and goes through the states with the same span ends.
func TestHeaderLineFastPathMatchesTheStatesNearTheLimit(t *testing.T) {
	for limit := 16; limit <= 96; limit++ {
		for _, meta := range fastPathMetas(limit) {
			for _, input := range fastPathInputs(meta) {
				compareSplit(t, meta, input, bytes.SplitAfter(input, []byte("\n")))
			}
		}
	}
}

// fastPathMetas are the parser settings the fast path is compared under.
func fastPathMetas(maxHeaderSize int) []caseMeta {
	var metas []caseMeta
	for _, typ := range []string{"request", "response"} {
		for _, lenient := range []bool{false, true} {
			metas = append(metas, caseMeta{Type: typ, Lenient: lenient, MaxHeaderSize: maxHeaderSize})
		}
	}
	return metas
}

// fastPathInputs are messages whose heads hold the lines the fast path
// takes, or must leave to the states, alone and beside special ones.
func fastPathInputs(meta caseMeta) [][]byte {
	lines := []string{
		"Connection: keep-alive", "connection: Keep-Alive", "Connection:close", "Connection: \tupgrade",
		"Proxy-Connection: close", "Connection: keep-alive, upgrade", "Connection: keep-alivex",
		"Connection: keep-alive ", "Connection: keep", "Connection: clos", "Connection: Upgrade",
		"Content-Length: 5", "content-length:0", "Content-Length: 05", "Content-Length: 18446744073709551615",
		"Content-Length: 18446744073709551616", "Content-Length: 5 ", "Content-Length: 5x", "Content-Length: -1",
		"Content-Length: 1, 1", "Transfer-Encoding: chunked", "Upgrade: websocket", "Host: example.com",
		"Connectionx: close", "Connectio: close", "X-Plain: v", "Connection : close", "Content-Length:",
		"CONNECTION: KEEP-ALIVE", "Connection: keep_alive", "Content_Length: 5", "Connection: keep\x0dalive",
		"Connection: \xcbeep-alive", "Connection: keep-alive\x7f", "Connection: ^lose", "Conn\x7fction: close",
	}
	start := map[string]string{"request": "POST / HTTP/1.1\r\n", "response": "HTTP/1.1 200 OK\r\n"}[meta.Type]
	var inputs [][]byte
	add := func(head string) { inputs = append(inputs, []byte(start+head+"\r\n0\r\n\r\nabc")) }
	for _, a := range lines {
		add(a + "\r\n")
		for _, b := range []string{"Content-Length: 3", "Transfer-Encoding: chunked", "Connection: close", "Content-Length: 2"} {
			add(a + "\r\n" + b + "\r\n")
			add(b + "\r\n" + a + "\r\n")
		}
		add(a + "\r\n folded\r\n")
	}
	return inputs
}

// compareSplit wants input parsed whole and in chunks to give the same log
// and the error at the same place.
func compareSplit(t *testing.T, meta caseMeta, input []byte, chunks [][]byte) {
	t.Helper()
	whole := runCase(meta, [][]byte{input})
	split := runCase(meta, chunks)
	if fmt.Sprint(whole.Log) != fmt.Sprint(split.Log) || errAt(whole, nil) != errAt(split, chunks) {
		t.Errorf("%+v %q:\nwhole %d %q\nsplit %d %q", meta, input, errAt(whole, nil), whole.Log, errAt(split, chunks), split.Log)
	}
}

// errAt is where in the input a run's error came, -1 at the finish and -2
// without one; chunks are the run's input when it was split.
func errAt(r runResult, chunks [][]byte) int {
	switch {
	case r.Err == nil:
		return -2
	case r.ErrChunk < 0:
		return -1
	}
	at := r.Err.BytesParsed
	for _, c := range chunks[:r.ErrChunk] {
		at += len(c)
	}
	return at
}

// TestParserKeepsItsSizeClass: every connection makes a parser, and one a
// fault rule follows two more, so padding must not push it into the next
// size class unnoticed: 384 bytes, where a one-byte field alone between
// words took it to 416.
func TestParserKeepsItsSizeClass(t *testing.T) {
	if per := bytesPerObject(256, func() unsafe.Pointer { return unsafe.Pointer(new(Parser)) }); per > 384 {
		t.Errorf("a Parser takes %d bytes, over the 384-byte size class", per)
	}
}
