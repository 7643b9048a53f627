package replay

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/simhttp/simhttp/httpcore"
)

func captured(status int, body string, raw ...string) *Message {
	return &Message{Head: httpcore.MessageHead{StatusCode: status, RawHeaders: raw}, Body: []byte(body)}
}

func mustRules(t *testing.T, headers, paths []string) *diffRules {
	t.Helper()
	r, err := newDiffRules(headers, nil, paths)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestHeadersCompareAsAMultisetWithCaseInsensitiveNames(t *testing.T) {
	want := captured(200, "", "Set-Cookie", "a=1", "Content-Type", "text/plain", "set-cookie", "b=2")
	r := mustRules(t, nil, nil)
	if d := compare(want, 200, []string{"content-type", "text/plain", "SET-COOKIE", "b=2", "Set-Cookie", "a=1"}, nil, r); d != "" {
		t.Errorf("reordered, recased headers differ:\n%s", d)
	}
	d := compare(want, 200, []string{"Content-Type", "text/plain", "Set-Cookie", "a=1"}, nil, r)
	if !strings.Contains(d, `"b=2"`) || !strings.Contains(d, "-captured +replayed") {
		t.Errorf("a missing repeated value is not in the diff:\n%s", d)
	}
}

func TestIgnoredHeadersAreLeftOut(t *testing.T) {
	want := captured(200, "x", "Date", "Mon, 01 Jan 2024 00:00:00 GMT", "Server", "a")
	got := []string{"date", "Tue, 02 Jan 2024 00:00:00 GMT"}
	if d := compare(want, 200, got, []byte("x"), mustRules(t, []string{"DATE", " server "}, nil)); d != "" {
		t.Errorf("ignored headers differ:\n%s", d)
	}
	if d := compare(want, 200, got, []byte("x"), mustRules(t, []string{"Date"}, nil)); !strings.Contains(d, `"server"`) {
		t.Errorf("a header only the capture has is not in the diff:\n%s", d)
	}
}

func TestStatusAndTextBodiesAreCompared(t *testing.T) {
	r := mustRules(t, nil, nil)
	d := compare(captured(200, "hello\nworld\n"), 500, nil, []byte("hello\nthere\n"), r)
	for _, want := range []string{"Status", "200", "500", "world", "there"} {
		if !strings.Contains(d, want) {
			t.Errorf("diff lacks %q:\n%s", want, d)
		}
	}
}

func TestJSONBodiesCompareAsValues(t *testing.T) {
	r := mustRules(t, nil, nil)
	if d := compare(captured(200, `{"a":1,"b":[1,2]}`), 200, nil, []byte("{ \"b\": [1, 2],\n \"a\": 1 }"), r); d != "" {
		t.Errorf("the same JSON written differently differs:\n%s", d)
	}
	if d := compare(captured(200, `[1.0, 2e0]`), 200, nil, []byte(`[1, 2]`), r); d != "" {
		t.Errorf("equal numbers written differently differ:\n%s", d)
	}
	// Integers beyond float64's exact range keep their text, so large IDs are not rounded into equality.
	if d := compare(captured(200, `{"id":9007199254740993}`), 200, nil, []byte(`{"id":9007199254740992}`), r); d == "" {
		t.Error("two different large numbers compare equal")
	}
	// JSON against text is compared as text.
	if d := compare(captured(200, `{"a":1}`), 200, nil, []byte(`oops`), r); !strings.Contains(d, "oops") {
		t.Errorf("diff:\n%s", d)
	}
}

func TestIgnoredJSONPaths(t *testing.T) {
	want := `{"id":1,"data":{"items":[{"ts":1,"v":"a"},{"ts":2,"v":"b"}]},"meta":{"id":5}}`
	tests := []struct {
		name  string
		paths []string
		got   string
		same  bool
	}{
		{"top-level key", []string{"$.id"}, `{"id":2,"data":{"items":[{"ts":1,"v":"a"},{"ts":2,"v":"b"}]},"meta":{"id":5}}`, true},
		{"only that key", []string{"$.id"}, `{"id":2,"data":{"items":[{"ts":1,"v":"a"},{"ts":2,"v":"b"}]},"meta":{"id":6}}`, false},
		{"a key only the capture has", []string{"id"}, `{"data":{"items":[{"ts":1,"v":"a"},{"ts":2,"v":"b"}]},"meta":{"id":5}}`, true},
		{"dotted index", []string{"data.items.0.ts"}, `{"id":1,"data":{"items":[{"ts":9,"v":"a"},{"ts":2,"v":"b"}]},"meta":{"id":5}}`, true},
		{"dotted index, other element", []string{"data.items.0.ts"}, `{"id":1,"data":{"items":[{"ts":1,"v":"a"},{"ts":9,"v":"b"}]},"meta":{"id":5}}`, false},
		{"bracket wildcard", []string{"$.data.items[*].ts"}, `{"id":1,"data":{"items":[{"ts":8,"v":"a"},{"ts":9,"v":"b"}]},"meta":{"id":5}}`, true},
		{"wildcard key", []string{"*.id", "id"}, `{"id":3,"data":{"items":[{"ts":1,"v":"a"},{"ts":2,"v":"b"}]},"meta":{"id":7}}`, true},
		{"a whole subtree", []string{"$.data"}, `{"id":1,"data":[],"meta":{"id":5}}`, true},
	}
	for _, tc := range tests {
		d := compare(captured(200, want), 200, nil, []byte(tc.got), mustRules(t, nil, tc.paths))
		if (d == "") != tc.same {
			t.Errorf("%s: paths %q: same %v, diff:\n%s", tc.name, tc.paths, d == "", d)
		}
	}
}

func TestParseJSONPath(t *testing.T) {
	tests := map[string][]string{
		"$.id":               {"id"},
		"id":                 {"id"},
		"data.items.0.ts":    {"data", "items", "0", "ts"},
		"$.data.items[0].ts": {"data", "items", "0", "ts"},
		"m[1][*]":            {"m", "1", "*"},
		"$[2].x":             {"2", "x"},
	}
	for in, want := range tests {
		got, err := parseJSONPath(in)
		if err != nil {
			t.Errorf("%q: %v", in, err)
			continue
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%q (-want +got):\n%s", in, diff)
		}
	}
}

func TestBadIgnoreRulesAreInvalidArguments(t *testing.T) {
	for _, tc := range []struct{ headers, paths []string }{
		{[]string{""}, nil},
		{[]string{"X-A: 1"}, nil},
		{nil, []string{"$"}},
		{nil, []string{"a..b"}},
		{nil, []string{"a[x]"}},
		{nil, []string{"a[1"}},
		{nil, []string{"a[1]b"}},
		{nil, []string{"a[-1]"}},
	} {
		_, err := newDiffRules(tc.headers, nil, tc.paths)
		if !errors.Is(err, ErrInvalidArg) || !strings.Contains(err.Error(), "ReplayOptions.Ignore") {
			t.Errorf("headers %q paths %q: %v", tc.headers, tc.paths, err)
		}
	}
}
