package httpcore

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// TestHeadersMatchNode builds msg.headers from every raw header list the
// referee gave Node's IncomingMessage (hand-made ones and every head of
// the parser corpus) and compares JSON, key order and lookups.
func TestHeadersMatchNode(t *testing.T) {
	var m httpModule
	loadJSON(t, "http-module.json", &m)
	for i, c := range m.Headers {
		raw := make([]string, len(c.Raw))
		for k, s := range c.Raw {
			raw[k] = string(latin1(s))
		}
		h := BuildHeaders(raw)
		got, err := h.MarshalJSON()
		if err != nil || string(got) != c.JSON {
			t.Errorf("case %d %q:\n got %s\nwant %s", i, raw, got, c.JSON)
		}
		keys := make([]string, len(c.Keys))
		for k, s := range c.Keys {
			keys[k] = string(latin1(s))
		}
		if !slices.Equal(h.Keys(), keys) || h.Len() != len(keys) {
			t.Errorf("case %d: keys %q (len %d), Node %q", i, h.Keys(), h.Len(), keys)
		}
		for _, l := range c.Lookups {
			name := string(latin1(l[0].(string)))
			value, ok := h.Get(name)
			values := h.Values(name)
			switch want := l[1].(type) {
			case nil:
				if ok || values != nil {
					t.Errorf("case %d: %q present (%q), Node has none", i, name, value)
				}
			case string:
				if w := string(latin1(want)); !ok || value != w || !slices.Equal(values, []string{w}) {
					t.Errorf("case %d: %q = %q %q, Node %q", i, name, value, values, w)
				}
			case []any:
				var w []string
				for _, s := range want {
					w = append(w, string(latin1(s.(string))))
				}
				if !ok || value != w[0] || !slices.Equal(values, w) {
					t.Errorf("case %d: %q = %q %q, Node %q", i, name, value, values, w)
				}
			}
		}
	}
}

func TestHeadersZeroValueAndJSONEmbedding(t *testing.T) {
	var h Headers
	if _, ok := h.Get("host"); ok || h.Len() != 0 || len(h.Keys()) != 0 || h.Values("host") != nil {
		t.Fatal("the zero Headers is empty")
	}
	b, err := json.Marshal(struct{ H Headers }{BuildHeaders([]string{"Set-Cookie", "a", "Host", "\xe9"})})
	if err != nil || string(b) != `{"H":{"set-cookie":["a"],"host":"é"}}` {
		t.Fatalf("encoding/json gave %s %v", b, err)
	}
	v := BuildHeaders([]string{"Set-Cookie", "a"}).Values("set-cookie")
	v[0] = "changed"
	if got, _ := BuildHeaders([]string{"Set-Cookie", "a"}).Get("set-cookie"); got != "a" {
		t.Fatal("Values must return the caller's own slice")
	}
}

// TestHeadersPastTheIndexThreshold repeats fields after more distinct ones
// than a Headers scans, so lookups and joins go through its index.
func TestHeadersPastTheIndexThreshold(t *testing.T) {
	raw := []string{"A", "1", "B", "2", "C", "3", "D", "4", "E", "5", "F", "6", "G", "7", "H", "8", "I", "9",
		"a", "x", "Host", "h1", "host", "h2", "I", "y", "10", "n"}
	h := BuildHeaders(raw)
	got, _ := h.MarshalJSON()
	want := `{"10":"n","a":"1, x","b":"2","c":"3","d":"4","e":"5","f":"6","g":"7","h":"8","i":"9, y","host":"h1"}`
	if string(got) != want {
		t.Fatalf("got %s\nwant %s", got, want)
	}
	if v, ok := h.Get("I"); !ok || v != "9, y" || h.Len() != 11 {
		t.Fatalf("Get(I) = %q %v, Len %d", v, ok, h.Len())
	}
}

// TestLowerNameIsToLower holds lowerName to strings.ToLower, interned names,
// non-ASCII and names longer than its stack buffer included.
func TestLowerNameIsToLower(t *testing.T) {
	for _, name := range []string{
		"Host", "host", "Content-Length", "X-Custom", "\u212Aeep-Alive", "Ünïcode-Name", "\xc0\xde",
		strings.Repeat("Long-Header-Name-", 4), "",
	} {
		if got, want := lowerName(name), strings.ToLower(name); got != want {
			t.Errorf("lowerName(%q) = %q, want %q", name, got, want)
		}
	}
	if n := testing.AllocsPerRun(10, func() { _ = lowerName("Host") }); n != 0 {
		t.Errorf("lowering Host costs %v allocations, want 0", n)
	}
}
