package simnet

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func writeTrace(t *testing.T, withNet bool, events ...Event) string {
	t.Helper()
	var buf bytes.Buffer
	w := NewTraceWriter(&buf, withNet)
	for _, ev := range events {
		w.Observe(ev)
	}
	if err := w.Err(); err != nil {
		t.Fatalf("Err() = %v", err)
	}
	return buf.String()
}

func TestTraceWriterWritesFieldsInContractOrder(t *testing.T) {
	got := writeTrace(t, false, Event{
		T: 1500 * time.Microsecond, Obj: "req", ID: 2, Name: "error", Code: "ECONNRESET",
		Message: "socket hang up", Bytes: 7, Status: 200,
		Detail: map[string]any{"zeta": 1, "alpha": "x", "mid": true},
	})
	want := `{"t":1500000,"obj":"req","id":2,"event":"error","code":"ECONNRESET","message":"socket hang up",` +
		`"bytes":7,"status":200,"detail":{"alpha":"x","mid":true,"zeta":1}}` + "\n"
	if got != want {
		t.Errorf("line\n got %s\nwant %s", got, want)
	}
}

func TestTraceWriterOmitsFieldsThatDoNotApply(t *testing.T) {
	got := writeTrace(t, false,
		Event{Obj: "req", ID: 1, Name: "socket"},
		Event{T: 3, Obj: "test", Name: "mark:destroy-called", Detail: map[string]any{}},
	)
	want := `{"t":0,"obj":"req","id":1,"event":"socket"}` + "\n" +
		`{"t":3,"obj":"test","event":"mark:destroy-called"}` + "\n"
	if got != want {
		t.Errorf("lines\n got %s\nwant %s", got, want)
	}
}

func TestTraceWriterWritesNetEventsOnlyWhenAsked(t *testing.T) {
	events := []Event{
		{Obj: "net", ID: 1, Name: "syn", Detail: map[string]any{"from": "client", "to": "server", "seq": 0, "len": 0}},
		{T: 10, Obj: "req", ID: 1, Name: "socket"},
	}
	without := writeTrace(t, false, events...)
	if want := `{"t":10,"obj":"req","id":1,"event":"socket"}` + "\n"; without != want {
		t.Errorf("withNet=false\n got %s\nwant %s", without, want)
	}
	with := writeTrace(t, true, events...)
	want := `{"t":0,"obj":"net","id":1,"event":"syn","detail":{"from":"client","len":0,"seq":0,"to":"server"}}` + "\n" +
		`{"t":10,"obj":"req","id":1,"event":"socket"}` + "\n"
	if with != want {
		t.Errorf("withNet=true\n got %s\nwant %s", with, want)
	}
}

func TestTraceWriterQuotesStringsLikeJSONStringify(t *testing.T) {
	cases := []struct{ in, want string }{
		{`plain`, `"plain"`},
		{`say "hi" \ bye`, `"say \"hi\" \\ bye"`},
		{"a\nb\rc\td\be\ff", `"a\nb\rc\td\be\ff"`},
		{"\x00\x1f\x7f", `"\u0000\u001f` + "\x7f" + `"`},
		{"<a&b>", `"<a&b>"`},
		{"héllo ✓ 😀", `"héllo ✓ 😀"`},
		{"bad\xffbyte\xc3", `"bad\ufffdbyte\ufffd"`},
	}
	for _, c := range cases {
		got := string(appendJSONString(nil, c.in))
		if got != c.want {
			t.Errorf("quote(%q) = %s, want %s", c.in, got, c.want)
		}
		if !json.Valid([]byte(got)) {
			t.Errorf("quote(%q) = %s is not valid JSON", c.in, got)
		}
		var back string
		if err := json.Unmarshal([]byte(got), &back); err != nil || (back != c.in && strings.ToValidUTF8(c.in, "\ufffd") != back) {
			t.Errorf("quote(%q) decodes to %q (%v)", c.in, back, err)
		}
	}
}

type failingWriter struct{ err error }

func (f failingWriter) Write([]byte) (int, error) { return 0, f.err }

func TestTraceWriterReportsTheFirstWriteError(t *testing.T) {
	cause := errors.New("disk full")
	w := NewTraceWriter(failingWriter{cause}, false)
	w.Observe(Event{Obj: "req", ID: 1, Name: "socket"})
	w.Observe(Event{Obj: "req", ID: 1, Name: "finish"})
	if !errors.Is(w.Err(), cause) {
		t.Fatalf("Err() = %v, want it to wrap %v", w.Err(), cause)
	}
}

func TestTraceWriterStopsAtADetailItCannotEncode(t *testing.T) {
	var buf bytes.Buffer
	w := NewTraceWriter(&buf, false)
	w.Observe(Event{Obj: "req", ID: 1, Name: "socket", Detail: map[string]any{"f": func() {}}})
	w.Observe(Event{Obj: "req", ID: 1, Name: "finish"})
	var unsupported *json.UnsupportedTypeError
	if !errors.As(w.Err(), &unsupported) {
		t.Fatalf("Err() = %v, want a json.UnsupportedTypeError", w.Err())
	}
	if !strings.Contains(w.Err().Error(), "req#1:socket") {
		t.Errorf("Err() = %q does not name the event", w.Err())
	}
	if buf.Len() != 0 {
		t.Errorf("wrote %q after the error", buf.String())
	}
}

func TestTraceRoundTrips(t *testing.T) {
	events := []Event{
		{T: 0, Obj: "net", ID: 1, Name: "syn", Detail: map[string]any{"from": "10.0.0.1", "to": "10.0.0.2", "seq": 0, "len": 0}},
		{T: 1, Obj: "req", ID: 1, Name: "socket", Detail: map[string]any{"reusedSocket": false}},
		{T: 2_000_000, Obj: "req", ID: 1, Name: "response", Status: 200},
		{T: 2_000_001, Obj: "res", ID: 1, Name: "data", Bytes: 16384},
		{T: 2_000_002, Obj: "res", ID: 1, Name: "data", Bytes: 12, Detail: map[string]any{"ratio": 0.5, "list": []any{1, "two", nil}}},
		{T: 3_000_000, Obj: "test", Name: "mark:destroy-called"},
		{T: 4_000_000, Obj: "req", ID: 12, Name: "error", Code: "ECONNRESET", Message: "socket hang up \"quoted\"\n"},
	}
	text := writeTrace(t, true, events...)
	got, err := ReadTrace(strings.NewReader(text))
	if err != nil {
		t.Fatalf("ReadTrace: %v", err)
	}
	if !reflect.DeepEqual(got, events) {
		t.Errorf("round trip\n got %#v\nwant %#v", got, events)
	}
	if again := writeTrace(t, true, got...); again != text {
		t.Errorf("second write differs\n got %s\nwant %s", again, text)
	}
}

func TestReadTraceSkipsBlankLinesAndAcceptsCRLF(t *testing.T) {
	in := "\n{\"t\":5,\"obj\":\"req\",\"id\":1,\"event\":\"socket\"}\r\n   \r\n{\"t\":6,\"obj\":\"req\",\"id\":1,\"event\":\"close\"}"
	got, err := ReadTrace(strings.NewReader(in))
	if err != nil {
		t.Fatalf("ReadTrace: %v", err)
	}
	want := []Event{{T: 5, Obj: "req", ID: 1, Name: "socket"}, {T: 6, Obj: "req", ID: 1, Name: "close"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v, want %#v", got, want)
	}
}

func TestReadTraceNamesTheBadLine(t *testing.T) {
	good := `{"t":1,"obj":"req","id":1,"event":"socket"}` + "\n"
	cases := []struct {
		name  string
		line  string
		cause error // nil: any JSON decoding error
	}{
		{"not json", `{"t":1,"obj":`, nil},
		{"unknown field", `{"t":1,"obj":"req","event":"x","port":80}`, nil},
		{"fractional time", `{"t":1.5,"obj":"req","event":"x"}`, nil},
		{"two values", `{"t":1,"obj":"req","event":"x"} {}`, errTrailingData},
		{"no time", `{"obj":"req","event":"x"}`, errMissingTime},
		{"negative time", `{"t":-1,"obj":"req","event":"x"}`, errNegativeTime},
		{"no obj", `{"t":1,"event":"x"}`, errMissingObj},
		{"no event", `{"t":1,"obj":"req"}`, errMissingEvent},
		{"negative id", `{"t":1,"obj":"req","id":-2,"event":"x"}`, errNegativeID},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ReadTrace(strings.NewReader(good + "\n" + c.line + "\n" + good))
			var te *TraceError
			if !errors.As(err, &te) {
				t.Fatalf("err = %v, want a *TraceError", err)
			}
			if te.Line != 3 || !strings.HasPrefix(err.Error(), "trace line 3: ") {
				t.Errorf("err = %q (line %d), want line 3", err, te.Line)
			}
			if c.cause != nil && !errors.Is(err, c.cause) {
				t.Errorf("err = %v, want cause %v", err, c.cause)
			}
		})
	}
}

type brokenReader struct{ err error }

func (b brokenReader) Read([]byte) (int, error) { return 0, b.err }

func TestReadTraceReportsReadErrors(t *testing.T) {
	cause := errors.New("device gone")
	_, err := ReadTrace(io.MultiReader(strings.NewReader(`{"t":1,"obj":"req","event":"x"}`+"\n"), brokenReader{cause}))
	var te *TraceError
	if !errors.As(err, &te) || te.Line != 2 || !errors.Is(err, cause) {
		t.Fatalf("err = %v, want a *TraceError on line 2 wrapping %v", err, cause)
	}
}

func TestCompact(t *testing.T) {
	data := func(obj string, id int) Event { return Event{Obj: obj, ID: id, Name: "data", Bytes: 1} }
	net := func(name string) Event { return Event{Obj: "net", ID: 1, Name: name} }
	cases := []struct {
		name    string
		events  []Event
		withNet bool
		want    string
	}{
		{"empty", nil, false, ""},
		{"happy path", []Event{
			{Obj: "req", ID: 1, Name: "socket"}, {Obj: "req", ID: 1, Name: "response", Status: 200},
			data("res", 1), data("res", 1), data("res", 1), {Obj: "res", ID: 1, Name: "end"}, {Obj: "req", ID: 1, Name: "close"},
		}, false, "req:socket req:response res:data* res:end req:close"},
		{"single data event still starred", []Event{data("res", 1)}, false, "res:data*"},
		{"ids other than 1 shown", []Event{
			{Obj: "req", ID: 2, Name: "socket"}, {Obj: "req", ID: 1, Name: "socket"}, {Obj: "test", Name: "mark:abort-called"},
		}, false, "req#2:socket req:socket test:mark:abort-called"},
		{"error codes", []Event{
			{Obj: "req", ID: 1, Name: "error", Code: "ECONNRESET", Message: "socket hang up"},
			{Obj: "sreq", ID: 3, Name: "error", Code: "HPE_INVALID_METHOD"},
			{Obj: "res", ID: 1, Name: "error"},
			{Obj: "server", ID: 1, Name: "clientError", Code: "HPE_HEADER_OVERFLOW"},
		}, false, "req:error(ECONNRESET) sreq#3:error(HPE_INVALID_METHOD) res:error server:clientError(HPE_HEADER_OVERFLOW)"},
		{"run interrupted by another object", []Event{
			data("res", 1), {Obj: "test", Name: "mark:destroy-called"}, data("res", 1), data("res", 1),
		}, false, "res:data* test:mark:destroy-called res:data*"},
		{"runs of different objects and ids", []Event{
			data("res", 1), data("sreq", 1), data("sreq", 1), data("res", 2), data("res", 1),
		}, false, "res:data* sreq:data* res#2:data* res:data*"},
		{"net left out, so it does not split a run", []Event{
			net("syn"), net("synack"), data("res", 1), net("seg"), data("res", 1),
		}, false, "res:data*"},
		{"net shown when asked, splitting the run", []Event{
			net("syn"), net("synack"), data("res", 1), net("seg"), data("res", 1), {Obj: "net", ID: 2, Name: "rst"},
		}, true, "net:syn net:synack res:data* net:seg res:data* net#2:rst"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Compact(c.events, c.withNet)
			if got != c.want {
				t.Errorf("Compact\n got %q\nwant %q", got, c.want)
			}
			tokens, err := ParseCompact(got)
			if err != nil {
				t.Fatalf("ParseCompact(Compact(...)): %v", err)
			}
			if strings.Join(tokens, " ") != got {
				t.Errorf("ParseCompact tokens %q do not rebuild %q", tokens, got)
			}
		})
	}
}

func TestParseCompactSplitsOnAnyWhitespace(t *testing.T) {
	got, err := ParseCompact("  req:socket\treq#10:response\n res:data*  test:mark:connection-closed res:error(ECONNRESET) server:clientError(HPE_INVALID_METHOD) server:checkContinue ")
	if err != nil {
		t.Fatalf("ParseCompact: %v", err)
	}
	want := []string{"req:socket", "req#10:response", "res:data*", "test:mark:connection-closed", "res:error(ECONNRESET)", "server:clientError(HPE_INVALID_METHOD)", "server:checkContinue"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestParseCompactNamesTheBadToken(t *testing.T) {
	cases := []struct {
		token string
		cause error
	}{
		{"socket", errTokenNoColon},
		{":socket", errTokenObj},
		{"Req:socket", errTokenObj},
		{"req#1:socket", errTokenID},
		{"req#0:socket", errTokenID},
		{"req#02:socket", errTokenID},
		{"req#+2:socket", errTokenID},
		{"req#x:socket", errTokenID},
		{"req#:socket", errTokenID},
		{"req:", errTokenEvent},
		{"req:so cket", errTokenNoColon},
		{"req:sock.et", errTokenEvent},
		{"req:error(ECONNRESET", errTokenCode},
		{"req:error()", errTokenCode},
		{"req:error(econnreset)", errTokenCode},
		{"res:data", errTokenData},
		{"res:end*", errTokenStar},
	}
	for _, c := range cases {
		_, err := ParseCompact("req:socket " + c.token + " req:close")
		var te *TraceError
		if !errors.As(err, &te) {
			t.Errorf("%q: err = %v, want a *TraceError", c.token, err)
			continue
		}
		if c.token == "req:so cket" {
			// Whitespace splits it; "cket" is the bad token.
			if te.Token != "cket" {
				t.Errorf("%q: token = %q, want %q", c.token, te.Token, "cket")
			}
		} else if te.Token != c.token {
			t.Errorf("%q: token = %q", c.token, te.Token)
		}
		if !errors.Is(err, c.cause) {
			t.Errorf("%q: err = %v, want cause %v", c.token, err, c.cause)
		}
		if !strings.Contains(err.Error(), fmt.Sprintf("%q", te.Token)) {
			t.Errorf("%q: message %q does not quote the token", c.token, err)
		}
	}
}

func ExampleCompact() {
	events := []Event{
		{T: 0, Obj: "net", ID: 1, Name: "syn"},
		{T: 1, Obj: "req", ID: 1, Name: "socket"},
		{T: 2, Obj: "req", ID: 1, Name: "response", Status: 200},
		{T: 3, Obj: "res", ID: 1, Name: "data", Bytes: 5},
		{T: 4, Obj: "res", ID: 1, Name: "data", Bytes: 3},
		{T: 5, Obj: "test", Name: "mark:destroy-called"},
		{T: 6, Obj: "res", ID: 1, Name: "error", Code: "ECONNRESET", Message: "aborted"},
		{T: 7, Obj: "req", ID: 2, Name: "close"},
	}
	fmt.Println(Compact(events, false))
	fmt.Println(Compact(events[:2], true))
	// Output:
	// req:socket req:response res:data* test:mark:destroy-called res:error(ECONNRESET) req#2:close
	// net:syn req:socket
}

func BenchmarkTraceWriter(b *testing.B) {
	w := NewTraceWriter(io.Discard, false)
	ev := Event{T: 123456789, Obj: "res", ID: 3, Name: "data", Bytes: 16384}
	b.ReportAllocs()
	for b.Loop() {
		w.Observe(ev)
	}
	if w.Err() != nil {
		b.Fatal(w.Err())
	}
}

// TestReadTraceReadsTheRealNodeReferences parses every trace recorded from
// real Node and checks that its compact form is the one the recording
// script computed, so the reader, Compact and the reference agree.
func TestReadTraceReadsTheRealNodeReferences(t *testing.T) {
	dir := filepath.Join("..", "fixtures", "node", "traces")
	index, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("no reference traces in %s", dir)
	}
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Case    string `json:"case"`
		Compact string `json:"compact"`
	}
	if err := json.Unmarshal(index, &cases); err != nil {
		t.Fatalf("index.json: %v", err)
	}
	if len(cases) == 0 {
		t.Fatal("index.json lists no cases")
	}
	for _, c := range cases {
		f, err := os.Open(filepath.Join(dir, c.Case+".jsonl"))
		if err != nil {
			t.Errorf("%s: %v", c.Case, err)
			continue
		}
		events, err := ReadTrace(f)
		f.Close()
		if err != nil {
			t.Errorf("%s: %v", c.Case, err)
			continue
		}
		if got := Compact(events, false); got != c.Compact {
			t.Errorf("%s: compact form\n got %s\nwant %s", c.Case, got, c.Compact)
		}
		if _, err := ParseCompact(c.Compact); err != nil {
			t.Errorf("%s: %v", c.Case, err)
		}
	}
}

func TestCompactStartsLeadEachTokenBackToItsEvent(t *testing.T) {
	evs := []Event{
		{Obj: "req", ID: 1, Name: "socket"},
		{Obj: "net", ID: 1, Name: "seg"},
		{Obj: "res", ID: 1, Name: "data"},
		{Obj: "res", ID: 1, Name: "data"},
		{Obj: "res", ID: 1, Name: "end"},
	}
	if got := Compact(evs, false); got != "req:socket res:data* res:end" {
		t.Fatalf("Compact = %q", got)
	}
	if got, want := CompactStarts(evs, false), []int{0, 2, 4}; !slices.Equal(got, want) {
		t.Errorf("CompactStarts = %v, want %v", got, want)
	}
	if got, want := CompactStarts(evs, true), []int{0, 1, 2, 4}; !slices.Equal(got, want) {
		t.Errorf("CompactStarts with net = %v, want %v", got, want)
	}
}
