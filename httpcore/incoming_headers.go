package httpcore

import (
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Headers is IncomingMessage.headers: lower-cased names in first-seen order with Node's duplicate rules.
//
// Node builds msg.headers from msg.rawHeaders: a repeated Set-Cookie
// collects into a list, a repeated Cookie joins with "; ", a repeated
// field from Node's short list of single-valued fields (Host,
// Content-Length, Authorization, ...) keeps its first value, and any other
// repeated field joins with ", ". The zero Headers is empty and ready to use.
type Headers struct {
	fields []headerField  // in order of first appearance
	index  map[string]int // lower-cased name -> position in fields; nil while a scan of fields is cheaper
	order  []int          // positions in fields, in JavaScript's key order; nil when that is fields' order
}

// indexedFields is how many fields a Headers scans before it keeps an
// index: most messages have fewer, and a map costs more than it saves.
const indexedFields = 8

type headerField struct {
	name    string
	value   string   // every field but set-cookie
	cookies []string // set-cookie
}

// duplicate is what Node does when a field repeats.
type duplicate uint8

const (
	joinComma     duplicate = iota // "a, b"
	joinSemicolon                  // cookie: "a; b"
	keepFirst                      // single-valued fields drop later lines
	collectList                    // set-cookie
)

// singleValued are the fields whose later lines Node drops
// (_http_incoming.js matchKnownFields).
var singleValued = map[string]bool{
	"age": true, "authorization": true, "content-length": true, "content-type": true,
	"etag": true, "expires": true, "from": true, "host": true,
	"if-modified-since": true, "if-unmodified-since": true, "last-modified": true,
	"location": true, "max-forwards": true, "proxy-authorization": true,
	"referer": true, "retry-after": true, "server": true, "user-agent": true,
}

func duplicateRule(lower string) duplicate {
	switch {
	case lower == "set-cookie":
		return collectList
	case lower == "cookie":
		return joinSemicolon
	case singleValued[lower]:
		return keepFirst
	}
	return joinComma
}

// BuildHeaders builds msg.headers from rawHeaders (name, value, ...), as
// Node does for both headers and trailers.
func BuildHeaders(raw []string) Headers {
	h := Headers{fields: make([]headerField, 0, len(raw)/2)}
	hasIndexKey := false
	for i := 0; i+1 < len(raw); i += 2 {
		name := lowerLatin1(raw[i])
		h.add(name, raw[i+1])
		if name != "" && name[0] >= '0' && name[0] <= '9' {
			hasIndexKey = true
		}
	}
	if !hasIndexKey {
		return h
	}
	h.order = make([]int, len(h.fields))
	for i := range h.order {
		h.order[i] = i
	}
	// JavaScript lists integer-like keys first, in numeric order; the rest
	// keep their insertion order.
	slices.SortStableFunc(h.order, func(a, b int) int {
		ia, aok := arrayIndex(h.fields[a].name)
		ib, bok := arrayIndex(h.fields[b].name)
		switch {
		case aok && bok:
			return int(ia - ib)
		case aok:
			return -1
		case bok:
			return 1
		}
		return 0
	})
	return h
}

func (h *Headers) add(name, value string) {
	if name == "__proto__" {
		// Node assigns to a plain object, where this name sets the
		// prototype and a string is ignored.
		return
	}
	i, seen := h.find(name)
	rule := duplicateRule(name)
	switch {
	case !seen && rule == collectList:
		h.appendField(headerField{name: name, cookies: []string{value}})
	case !seen:
		h.appendField(headerField{name: name, value: value})
	case rule == collectList:
		h.fields[i].cookies = append(h.fields[i].cookies, value)
	case rule == joinComma:
		h.fields[i].value += ", " + value
	case rule == joinSemicolon:
		h.fields[i].value += "; " + value
	}
}

// find returns the position of the lower-cased name in fields.
func (h *Headers) find(name string) (int, bool) {
	if h.index != nil {
		i, ok := h.index[name]
		return i, ok
	}
	for i := range h.fields {
		if h.fields[i].name == name {
			return i, true
		}
	}
	return 0, false
}

// appendField adds a field not seen before, indexing the fields once there
// are enough of them.
func (h *Headers) appendField(f headerField) {
	h.fields = append(h.fields, f)
	switch n := len(h.fields); {
	case h.index != nil:
		h.index[f.name] = n - 1
	case n > indexedFields:
		h.index = make(map[string]int, 2*n)
		for i := range h.fields {
			h.index[h.fields[i].name] = i
		}
	}
}

// position is the index in fields of the k-th key in JavaScript order.
func (h Headers) position(k int) int {
	if h.order == nil {
		return k
	}
	return h.order[k]
}

// Get returns the value of the field name (matched case-insensitively) as
// a string, and whether it is present; for set-cookie, the first cookie.
func (h Headers) Get(name string) (string, bool) {
	i, ok := h.find(lowerLatin1(name))
	if !ok {
		return "", false
	}
	if f := h.fields[i]; f.cookies != nil {
		return f.cookies[0], true
	}
	return h.fields[i].value, true
}

// Values returns the set-cookie list, or the single value of any other
// field, or nil when the field is absent. The slice is the caller's.
func (h Headers) Values(name string) []string {
	i, ok := h.find(lowerLatin1(name))
	if !ok {
		return nil
	}
	if f := h.fields[i]; f.cookies != nil {
		return slices.Clone(f.cookies)
	}
	return []string{h.fields[i].value}
}

// Keys returns the field names in Object.keys(msg.headers) order.
func (h Headers) Keys() []string {
	keys := make([]string, len(h.fields))
	for k := range keys {
		keys[k] = h.fields[h.position(k)].name
	}
	return keys
}

// Len returns the number of distinct fields.
func (h Headers) Len() int { return len(h.fields) }

// MarshalJSON returns exactly the UTF-8 bytes of Node's
// JSON.stringify(msg.headers): keys in JavaScript order, set-cookie as an
// array, bytes above 0x7F as the latin1 characters Node decoded them to.
func (h Headers) MarshalJSON() ([]byte, error) {
	b := []byte{'{'}
	for n := range h.fields {
		if n > 0 {
			b = append(b, ',')
		}
		f := h.fields[h.position(n)]
		b = appendJSString(b, f.name)
		b = append(b, ':')
		if f.cookies == nil {
			b = appendJSString(b, f.value)
			continue
		}
		b = append(b, '[')
		for k, c := range f.cookies {
			if k > 0 {
				b = append(b, ',')
			}
			b = appendJSString(b, c)
		}
		b = append(b, ']')
	}
	return append(b, '}'), nil
}

// appendJSString appends JSON.stringify's form of the latin1 string s.
func appendJSString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\b':
			b = append(b, '\\', 'b')
		case c == '\f':
			b = append(b, '\\', 'f')
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == '\t':
			b = append(b, '\\', 't')
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&15])
		case c < 0x80:
			b = append(b, c)
		default:
			b = append(b, 0xc0|c>>6, 0x80|c&0x3f)
		}
	}
	return append(b, '"')
}

// lowerLatin1 is String.prototype.toLowerCase on a latin1 string: A-Z and
// À-Þ (but ×) move down by 0x20.
func lowerLatin1(s string) string {
	for i := 0; i < len(s); i++ {
		if isUpperLatin1(s[i]) {
			var small [32]byte
			b := append(small[:0], s...)
			for j := i; j < len(b); j++ {
				if isUpperLatin1(b[j]) {
					b[j] += 0x20
				}
			}
			if known, ok := commonLowerNames[string(b)]; ok {
				return known
			}
			return string(b)
		}
	}
	return s
}

// lowerName is strings.ToLower of a header name an outgoing message is
// given, without a new string for the names most messages carry.
func lowerName(name string) string {
	for i := 0; i < len(name); i++ {
		if name[i] >= utf8.RuneSelf {
			return strings.ToLower(name)
		}
	}
	// On ASCII, lowerLatin1 is strings.ToLower.
	return lowerLatin1(name)
}

// commonLowerNames are the lower-cased field names most messages carry, so
// that lower-casing them needs no new string.
var commonLowerNames = func() map[string]string {
	names := []string{
		"accept", "accept-encoding", "accept-language", "authorization", "cache-control",
		"connection", "content-encoding", "content-length", "content-type", "cookie",
		"date", "etag", "expect", "host", "keep-alive", "last-modified", "location",
		"server", "set-cookie", "trailer", "transfer-encoding", "upgrade", "user-agent",
		"x-powered-by",
	}
	m := make(map[string]string, len(names))
	for _, n := range names {
		m[n] = n
	}
	return m
}()

func isUpperLatin1(c byte) bool {
	return (c >= 'A' && c <= 'Z') || (c >= 0xc0 && c <= 0xde && c != 0xd7)
}

// arrayIndex reports whether key is a JavaScript array index (a canonical
// decimal below 2^32-1), which objects list before other keys.
func arrayIndex(key string) (int64, bool) {
	if key == "" || len(key) > 10 || (len(key) > 1 && key[0] == '0') || strings.Trim(key, "0123456789") != "" {
		return 0, false
	}
	v, err := strconv.ParseInt(key, 10, 64)
	return v, err == nil && v < 1<<32-1
}
