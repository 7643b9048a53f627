package replay

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const chromiumHAR = "../fixtures/har/chromium.har"

// harSchema is the HAR 1.2 structure (http://www.softwareishard.com/blog/har-12-spec/):
// each object's fields, their JSON kinds, and which are required.
type harField struct {
	name     string
	kind     string // string, number, object, array, datetime
	required bool
	fields   []harField // of an object, or of each element of an array
}

var (
	harNameValue = []harField{{"name", "string", true, nil}, {"value", "string", true, nil}, {"comment", "string", false, nil}}
	harSchema    = []harField{{"log", "object", true, []harField{
		{"version", "string", true, nil},
		{"creator", "object", true, []harField{{"name", "string", true, nil}, {"version", "string", true, nil}}},
		{"browser", "object", false, []harField{{"name", "string", true, nil}, {"version", "string", true, nil}}},
		{"pages", "array", false, []harField{{"startedDateTime", "datetime", true, nil}, {"id", "string", true, nil}, {"title", "string", true, nil}, {"pageTimings", "object", true, nil}}},
		{"comment", "string", false, nil},
		{"entries", "array", true, []harField{
			{"pageref", "string", false, nil},
			{"startedDateTime", "datetime", true, nil},
			{"time", "number", true, nil},
			{"request", "object", true, []harField{
				{"method", "string", true, nil}, {"url", "string", true, nil}, {"httpVersion", "string", true, nil},
				{"cookies", "array", true, harNameValue}, {"headers", "array", true, harNameValue}, {"queryString", "array", true, harNameValue},
				{"postData", "object", false, []harField{{"mimeType", "string", true, nil}, {"params", "array", true, nil}, {"text", "string", true, nil}}},
				{"headersSize", "number", true, nil}, {"bodySize", "number", true, nil},
			}},
			{"response", "object", true, []harField{
				{"status", "number", true, nil}, {"statusText", "string", true, nil}, {"httpVersion", "string", true, nil},
				{"cookies", "array", true, harNameValue}, {"headers", "array", true, harNameValue},
				{"content", "object", true, []harField{{"size", "number", true, nil}, {"compression", "number", false, nil}, {"mimeType", "string", true, nil}, {"text", "string", false, nil}, {"encoding", "string", false, nil}}},
				{"redirectURL", "string", true, nil}, {"headersSize", "number", true, nil}, {"bodySize", "number", true, nil},
			}},
			{"cache", "object", true, nil},
			{"timings", "object", true, []harField{
				{"blocked", "number", false, nil}, {"dns", "number", false, nil}, {"connect", "number", false, nil},
				{"send", "number", true, nil}, {"wait", "number", true, nil}, {"receive", "number", true, nil}, {"ssl", "number", false, nil},
			}},
			{"serverIPAddress", "string", false, nil},
			{"connection", "string", false, nil},
			{"comment", "string", false, nil},
		}},
	}}}
)

// validateHAR checks a decoded document against the HAR 1.2 structure and
// the rules between fields: timings are -1 or more (send, wait and receive
// never -1), and an entry's time is the sum of its applicable timings.
func validateHAR(doc any) []string {
	var bad []string
	var walk func(where string, v any, fields []harField)
	walk = func(where string, v any, fields []harField) {
		obj, ok := v.(map[string]any)
		if !ok {
			bad = append(bad, where+": not an object")
			return
		}
		for _, f := range fields {
			fv, ok := obj[f.name]
			at := where + "." + f.name
			if !ok {
				if f.required {
					bad = append(bad, at+": missing")
				}
				continue
			}
			switch f.kind {
			case "string":
				if _, ok := fv.(string); !ok {
					bad = append(bad, at+": not a string")
				}
			case "number":
				if _, ok := fv.(float64); !ok {
					bad = append(bad, at+": not a number")
				}
			case "datetime":
				s, _ := fv.(string)
				if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
					bad = append(bad, at+": not an ISO 8601 date-time")
				}
			case "object":
				if f.fields != nil {
					walk(at, fv, f.fields)
				} else if _, ok := fv.(map[string]any); !ok {
					bad = append(bad, at+": not an object")
				}
			case "array":
				arr, ok := fv.([]any)
				if !ok {
					bad = append(bad, at+": not an array")
					continue
				}
				for i, el := range arr {
					if f.fields != nil {
						walk(fmt.Sprintf("%s[%d]", at, i), el, f.fields)
					}
				}
			}
		}
	}
	walk("$", doc, harSchema)
	if len(bad) > 0 {
		return bad
	}
	entries := doc.(map[string]any)["log"].(map[string]any)["entries"].([]any)
	for i, e := range entries {
		entry := e.(map[string]any)
		timings := entry["timings"].(map[string]any)
		sum := 0.0
		for name, v := range timings {
			ms := v.(float64)
			required := name == "send" || name == "wait" || name == "receive"
			if ms < -1 || required && ms < 0 {
				bad = append(bad, fmt.Sprintf("$.log.entries[%d].timings.%s: %v", i, name, ms))
			}
			if ms > 0 && name != "ssl" {
				sum += ms
			}
		}
		if time := entry["time"].(float64); math.Abs(time-sum) > 0.01 {
			bad = append(bad, fmt.Sprintf("$.log.entries[%d].time: %v, but its timings sum to %v", i, time, sum))
		}
	}
	return bad
}

func writeHAR(t *testing.T, c *Capture) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := c.WriteHAR(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestWrittenHARIsHAR12 writes real captures, plain and HTTPS, as HAR and
// checks the structure; the validator itself must pass Chromium's HAR and
// fail a broken one.
func TestWrittenHARIsHAR12(t *testing.T) {
	keys := readKeyLog(t, filepath.Join(httpsDir, "tls13-aes256.keys"))
	sources := map[string]*Capture{
		"keepalive":    readFixture(t, filepath.Join(fixtureDir, "keepalive.pcap")),
		"continue":     readFixture(t, filepath.Join(fixtureDir, "continue.pcap")),
		"reset":        readFixture(t, filepath.Join(fixtureDir, "reset.pcap")),
		"tls13-aes256": readFixture(t, filepath.Join(httpsDir, "tls13-aes256.pcap"), WithKeyLog(keys)),
	}
	for name, c := range sources {
		var doc any
		if err := json.Unmarshal(writeHAR(t, c), &doc); err != nil {
			t.Fatal(err)
		}
		if bad := validateHAR(doc); len(bad) > 0 {
			t.Errorf("%s: the HAR breaks HAR 1.2:\n%s", name, strings.Join(bad, "\n"))
		}
	}
	data, err := os.ReadFile(chromiumHAR)
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if bad := validateHAR(doc); len(bad) > 0 {
		t.Errorf("Chromium's HAR fails the validator:\n%s", strings.Join(bad, "\n"))
	}
	delete(doc.(map[string]any)["log"].(map[string]any)["entries"].([]any)[0].(map[string]any), "timings")
	if bad := validateHAR(doc); len(bad) != 1 || !strings.Contains(bad[0], "timings: missing") {
		t.Errorf("an entry without timings: %q", bad)
	}
}

// TestWrittenHARCarriesTheCapture: URL scheme from TLS, times from the
// packets, bodies as text or base64, and a lost response as status 0.
func TestWrittenHARCarriesTheCapture(t *testing.T) {
	keys := readKeyLog(t, filepath.Join(httpsDir, "tls13-aes256.keys"))
	c := readFixture(t, filepath.Join(httpsDir, "tls13-aes256.pcap"), WithKeyLog(keys))
	var h harFile
	if err := json.Unmarshal(writeHAR(t, c), &h); err != nil {
		t.Fatal(err)
	}
	if len(h.Log.Entries) != 3 {
		t.Fatalf("%d entries", len(h.Log.Entries))
	}
	post := h.Log.Entries[1]
	ex := c.Connections[0].Exchanges[1]
	if post.Request.URL != "https://127.0.0.1:18443/upload" || post.Request.PostData == nil || post.Request.PostData.Text != "name=simhttp&kind=https-fixture" {
		t.Errorf("POST entry: %+v", post.Request)
	}
	want := c.Start.Add(ex.Request.Start).Format("2006-01-02T15:04:05.000000Z07:00")
	if post.StartedDateTime != want || post.Timings.Receive != millis(ex.Response.End-ex.Response.Start) || post.Timings.Wait != millis(ex.Response.Start-ex.Request.End) {
		t.Errorf("times: %s %+v, want start %s", post.StartedDateTime, post.Timings, want)
	}

	reset := readFixture(t, filepath.Join(fixtureDir, "reset.pcap"))
	var hr harFile
	if err := json.Unmarshal(writeHAR(t, reset), &hr); err != nil {
		t.Fatal(err)
	}
	if e := hr.Log.Entries[0]; !strings.Contains(e.Comment, "ECONNRESET") || e.Response.Status != 200 {
		t.Errorf("reset entry: status %d, comment %q", e.Response.Status, e.Comment)
	}
}

// TestHARRoundTrip: a capture written as HAR and read back has the same
// exchanges.
func TestHARRoundTrip(t *testing.T) {
	keys := readKeyLog(t, filepath.Join(httpsDir, "tls12-aes256.keys"))
	c := readFixture(t, filepath.Join(httpsDir, "tls12-aes256.pcap"), WithKeyLog(keys))
	back, err := ReadHAR(bytes.NewReader(writeHAR(t, c)))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(exchangeFacts(c), exchangeFacts(back)); diff != "" {
		t.Errorf("(-capture +har):\n%s", diff)
	}
	// A HAR's times count from its first request, a capture's from its
	// first packet.
	shift := c.Connections[0].Exchanges[0].Request.Start
	for i, ex := range back.Connections[0].Exchanges {
		orig := c.Connections[0].Exchanges[i]
		if !bytes.Equal(ex.Response.Body, orig.Response.Body) || !cmp.Equal(ex.Response.Head.RawHeaders, orig.Response.Head.RawHeaders) {
			t.Errorf("exchange %d: response differs after the round trip", i+1)
		}
		if d := ex.Request.Start + shift - orig.Request.Start; d < -time.Microsecond || d > time.Microsecond {
			t.Errorf("exchange %d: request starts at %v, captured %v", i+1, ex.Request.Start, orig.Request.Start)
		}
	}
}

// TestReadChromiumHAR reads the HAR headless Chromium wrote of
// fixtures/har/server.js's page.
func TestReadChromiumHAR(t *testing.T) {
	c := readFixture(t, chromiumHAR)
	var got []string
	bodies := map[string]string{}
	for _, cn := range c.Connections {
		for _, ex := range cn.Exchanges {
			got = append(got, fmt.Sprintf("%s %s -> %d complete %v", ex.Request.Head.Method, ex.Request.Head.URL, ex.Response.Head.StatusCode, ex.Complete))
			bodies[ex.Request.Head.URL] = string(ex.Response.Body)
			if enc := headerValue(ex.Response.Head.RawHeaders, "content-encoding"); enc != "" {
				t.Errorf("%s keeps Content-Encoding %q for its decoded body", ex.Request.Head.URL, enc)
			}
			if headerValue(ex.Request.Head.RawHeaders, "accept-encoding") != "" {
				t.Errorf("%s still asks for an encoding the HAR does not hold", ex.Request.Head.URL)
			}
		}
	}
	want := []string{
		"GET / -> 200 complete true",
		"GET /pixel.png -> 200 complete true",
		"GET /api/items?page=2&sort=name -> 200 complete true",
		"POST /api/items -> 201 complete true",
		"GET /favicon.ico -> 404 complete true",
		"GET /gzip -> 200 complete true",
		"GET /missing -> 404 complete true",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if c.Format != "har" || len(c.Connections) < 2 {
		t.Errorf("format %q, %d connections (Chromium used two sockets)", c.Format, len(c.Connections))
	}
	if !strings.HasPrefix(bodies["/pixel.png"], "\x89PNG") || !strings.HasPrefix(bodies["/gzip"], "compressed on the wire, plain in the HAR\n") || bodies["/api/items"] != `{"id":7,"name":"widget","qty":3}` {
		t.Errorf("bodies: %q", bodies)
	}
}

// TestReplayAHARAgainstItsOwnMock serves Chromium's HAR as a mock and
// replays the same HAR against it.
func TestReplayAHARAgainstItsOwnMock(t *testing.T) {
	rep := replayAgainstOwnMock(t, readFixture(t, chromiumHAR))
	if rep.Differed() || rep.count(OutcomeOK) != 7 {
		var text strings.Builder
		_ = rep.WriteText(&text)
		t.Errorf("replay of the HAR against its mock:\n%s", text.String())
	}
}

func TestReadHARRejectsBadInput(t *testing.T) {
	entry := func(fields string) string {
		return `{"log":{"version":"1.2","entries":[{"startedDateTime":"2026-12-03T09:00:00Z","time":1,` + fields + `,"timings":{"send":0,"wait":1,"receive":0}}]}}`
	}
	okRequest := `"request":{"method":"GET","url":"http://h/x","httpVersion":"HTTP/1.1","headers":[]}`
	cases := map[string]string{
		`{"log":`:                               "HAR is not valid JSON at byte 7",
		`{"log":{"version":"1.2"}}`:             "HAR has no log.entries",
		`{"log":{"entries":[{"time":"soon"}]}}`: "HAR entry 1: field time is a JSON string, not a float64",
		entry(`"request":{"method":"GET","url":"/x"},"response":{"status":200}`):                                      `HAR entry 1 (GET /x): request.url "/x" is not an absolute URL`,
		entry(`"request":{"method":"G T","url":"http://h/"},"response":{"status":200}`):                               `request.method "G T" is not an HTTP method`,
		entry(okRequest + `,"response":{"status":42}`):                                                                "response.status 42 is not an HTTP status",
		entry(okRequest + `,"response":{"status":200,"content":{"size":1,"text":"%%","encoding":"base64"}}`):          "response.content.text is not base64",
		`{"log":{"entries":[{"startedDateTime":"yesterday","request":{"url":"http://h/"},"response":{"status":1}}]}}`: `startedDateTime "yesterday" is not an ISO 8601 time`,
	}
	for in, want := range cases {
		_, err := ReadCapture(strings.NewReader(in))
		if !errors.Is(err, &Error{Code: CodeHAR}) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s:\n got %v\nwant %q", in, err, want)
		}
	}
}

// FuzzReadHAR feeds arbitrary JSON to ReadHAR: it must fail only with a
// typed error naming the HAR, and what it reads must write as a HAR that
// reads back with the same exchanges.
func FuzzReadHAR(f *testing.F) {
	// Small seeds keep the fuzzer fast: Chromium's POST entry alone, and a
	// HAR we wrote.
	data, err := os.ReadFile(chromiumHAR)
	if err != nil {
		f.Fatal(err)
	}
	var doc struct {
		Log struct {
			Version string `json:"version"`
			Entries []any  `json:"entries"`
		} `json:"log"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		f.Fatal(err)
	}
	doc.Log.Entries = doc.Log.Entries[3:4]
	post, err := json.Marshal(doc)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(post)
	var b bytes.Buffer
	if err := readFixture(f, filepath.Join(fixtureDir, "continue.pcap")).WriteHAR(&b); err != nil {
		f.Fatal(err)
	}
	f.Add(b.Bytes())
	f.Add([]byte(`{"log":{"entries":[{"startedDateTime":"2026-12-03T09:00:00Z","request":{"method":"GET","url":"http://h/?a=%zz"},"response":{"status":0}}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ReadHAR(bytes.NewReader(data))
		if err != nil {
			if !errors.Is(err, &Error{Code: CodeHAR}) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		var out bytes.Buffer
		if err := c.WriteHAR(&out); err != nil {
			t.Fatal(err)
		}
		back, err := ReadHAR(&out)
		if err != nil {
			t.Fatalf("a HAR we wrote does not read back: %v\n%s", err, out.Bytes())
		}
		if diff := cmp.Diff(harFacts(c), harFacts(back)); diff != "" {
			t.Fatalf("(-read +written and read again):\n%s", diff)
		}
	})
}

// harFacts lists what a HAR round trip keeps of each exchange.
func harFacts(c *Capture) []string {
	var out []string
	for _, cn := range c.Connections {
		for _, ex := range cn.Exchanges {
			line := fmt.Sprintf("%s %s %q", ex.Request.Head.Method, ex.Request.Head.URL, ex.Request.Body)
			if s := ex.Response; s != nil {
				line += fmt.Sprintf(" -> %d %q", s.Head.StatusCode, s.Body)
			}
			out = append(out, line)
		}
	}
	return out
}
