package replay

// Comparing a replayed response with the captured one. Both become a
// responseView (status, headers as a multiset, body), and go-cmp compares the
// views under options built from the ignore rules, so what is ignored is
// exactly what the options say and the diff is go-cmp's.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// responseView is what the diff compares of one response.
type responseView struct {
	Status int
	// Headers maps each lower-cased name to its values, sorted: header
	// order and name case do not count, repeated values do.
	Headers map[string][]string
	// Body is the decoded JSON when both bodies are JSON, else the text.
	// JSON numbers are float64, except integers beyond float64's exact
	// range, which stay json.Number so no two of them round into equality.
	Body any
}

// viewOf builds the view of a response from its status, raw header list
// [name, value, ...] and body; asJSON decodes the body, which the caller
// has checked is valid JSON.
func viewOf(status int, raw []string, body []byte, asJSON bool) responseView {
	v := responseView{Status: status, Headers: map[string][]string{}}
	for i := 0; i+1 < len(raw); i += 2 {
		name := strings.ToLower(raw[i])
		v.Headers[name] = append(v.Headers[name], raw[i+1])
	}
	for _, vals := range v.Headers {
		slices.Sort(vals)
	}
	v.Body = string(body)
	if asJSON {
		d := json.NewDecoder(bytes.NewReader(body))
		d.UseNumber()
		var doc any
		if d.Decode(&doc) == nil {
			v.Body = numbers(doc)
		}
	}
	return v
}

// maxExactInt is the largest integer magnitude float64 holds exactly.
const maxExactInt = 1 << 53

// numbers turns the json.Numbers of a decoded document into float64 where
// that loses nothing an integer comparison could see.
func numbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			if i > maxExactInt || i < -maxExactInt {
				return x
			}
			return float64(i)
		}
		if strings.ContainsAny(string(x), ".eE") {
			if f, err := x.Float64(); err == nil {
				return f
			}
		}
		return x
	case map[string]any:
		for k, e := range x {
			x[k] = numbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = numbers(e)
		}
	}
	return v
}

// isJSON reports whether a body is one JSON document (and not empty).
func isJSON(body []byte) bool {
	return len(bytes.TrimSpace(body)) > 0 && json.Valid(body)
}

// diffRules are the ignore rules of a comparison.
type diffRules struct {
	headers  map[string]bool // lower-cased header names
	volatile []string        // lower-cased volatile header names, also in headers, in order
	paths    [][]string      // JSON paths, one segment per key or index; "*" matches any
}

// newDiffRules checks and compiles the ignore rules of ReplayOptions:
// headers named explicitly, volatile ones (which the report lists), JSON
// paths.
func newDiffRules(ignoreHeaders, volatile, ignoreJSONPaths []string) (*diffRules, error) {
	r := &diffRules{headers: map[string]bool{}}
	for _, h := range ignoreHeaders {
		name := strings.ToLower(strings.TrimSpace(h))
		if name == "" || strings.ContainsAny(name, ": \t\r\n") {
			return nil, invalidArg("ReplayOptions.IgnoreHeaders: %q is not a header name", h)
		}
		r.headers[name] = true
	}
	for _, h := range volatile {
		name := strings.ToLower(strings.TrimSpace(h))
		if !validHeaderName(name) {
			return nil, invalidArg("ReplayOptions.VolatileHeaders: %q is not a header name", h)
		}
		if !r.headers[name] {
			r.headers[name] = true
			r.volatile = append(r.volatile, name)
		}
	}
	for _, p := range ignoreJSONPaths {
		segs, err := parseJSONPath(p)
		if err != nil {
			return nil, err
		}
		r.paths = append(r.paths, segs)
	}
	return r, nil
}

// parseJSONPath reads the path syntax of ReplayOptions.IgnoreJSONPaths:
// keys separated by dots, an optional leading "$", array indexes written
// either as ".N" or "[N]", and "*" (or "[*]") for any key or index.
func parseJSONPath(p string) ([]string, error) {
	s := strings.TrimPrefix(strings.TrimPrefix(p, "$"), ".")
	if s == "" {
		return nil, invalidArg("ReplayOptions.IgnoreJSONPaths: %q names no key", p)
	}
	var segs []string
	for _, part := range strings.Split(s, ".") {
		key, rest, _ := strings.Cut(part, "[")
		if key == "" && rest == "" {
			return nil, invalidArg("ReplayOptions.IgnoreJSONPaths: %q has an empty key", p)
		}
		if key != "" {
			segs = append(segs, key)
		}
		for rest != "" {
			idx, after, ok := strings.Cut(rest, "]")
			if !ok || (idx != "*" && !isIndex(idx)) {
				return nil, invalidArg("ReplayOptions.IgnoreJSONPaths: %q: want [N] or [*] after a key", p)
			}
			segs = append(segs, idx)
			if after == "" {
				break
			}
			if !strings.HasPrefix(after, "[") {
				return nil, invalidArg("ReplayOptions.IgnoreJSONPaths: %q: unexpected %q after an index", p, after)
			}
			rest = after[1:]
		}
	}
	return segs, nil
}

func isIndex(s string) bool {
	n, err := strconv.Atoi(s)
	return err == nil && n >= 0
}

// options are the go-cmp options that implement the rules.
func (r *diffRules) options() cmp.Options {
	opts := cmp.Options{
		cmpopts.IgnoreMapEntries(func(name string, _ []string) bool { return r.headers[name] }),
		cmpopts.EquateEmpty(),
	}
	if len(r.paths) > 0 {
		opts = append(opts, cmp.FilterPath(r.ignoresJSON, cmp.Ignore()))
	}
	return opts
}

// ignoresJSON reports whether a go-cmp path leads to a part of the body an
// ignore path names.
func (r *diffRules) ignoresJSON(p cmp.Path) bool {
	var at []string
	inBody := false
	for _, step := range p {
		switch s := step.(type) {
		case cmp.StructField:
			inBody = s.Name() == "Body"
		case cmp.MapIndex:
			if inBody {
				at = append(at, fmt.Sprint(s.Key().Interface()))
			}
		case cmp.SliceIndex:
			if inBody {
				x, y := s.SplitKeys()
				at = append(at, strconv.Itoa(max(x, y)))
			}
		}
	}
	if !inBody || len(at) == 0 {
		return false
	}
	for _, segs := range r.paths {
		if matchSegments(segs, at) {
			return true
		}
	}
	return false
}

func matchSegments(pattern, at []string) bool {
	if len(pattern) != len(at) {
		return false
	}
	for i, seg := range pattern {
		if seg != "*" && seg != at[i] {
			return false
		}
	}
	return true
}

// diffResponses compares a captured response with the replayed one and
// returns go-cmp's report, "-captured +replayed", or "" when they agree
// under the rules.
func diffResponses(want, got responseView, r *diffRules) string {
	d := cmp.Diff(want, got, r.options())
	if d == "" {
		return ""
	}
	return "(-captured +replayed)\n" + d
}

// compare views the captured and replayed responses, decoding the bodies
// as JSON when both are, and diffs them.
func compare(captured *Message, status int, raw []string, body []byte, r *diffRules) string {
	asJSON := isJSON(captured.Body) && isJSON(body)
	want := viewOf(captured.Head.StatusCode, captured.Head.RawHeaders, captured.Body, asJSON)
	got := viewOf(status, raw, body, asJSON)
	return diffResponses(want, got, r)
}

// volatileDiffers returns the indexes in r.volatile of the volatile headers
// whose values differ between the captured response and the replayed
// header list raw.
func (r *diffRules) volatileDiffers(captured *Message, raw []string) []int {
	var out []int
	for i, name := range r.volatile {
		if !slices.Equal(headerValues(captured.Head.RawHeaders, name), headerValues(raw, name)) {
			out = append(out, i)
		}
	}
	return out
}

// headerValues returns the sorted values of the header name (lower-cased)
// in a raw header list.
func headerValues(raw []string, name string) []string {
	var vals []string
	for i := 0; i+1 < len(raw); i += 2 {
		if strings.EqualFold(raw[i], name) {
			vals = append(vals, raw[i+1])
		}
	}
	slices.Sort(vals)
	return vals
}
