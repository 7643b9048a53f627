package features

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/simhttp/simhttp/httpcore"
	"github.com/simhttp/simhttp/simnet"
)

// value is one argument of a grammar call, written as JavaScript writes a
// literal: 5, -1.5, "text" or 'text' (with \r \n \t escapes), true, false,
// null, [a, b], {name: value}, or new Error("message").
type value struct {
	kind  valueKind
	num   float64
	str   string // strings; an error's message
	b     bool
	items []value    // arrays; object values in key order
	keys  []string   // object keys, in the order written
	ref   *reference // a reference to a property (grammar_marks.go)
	src   string     // as written, for messages
}

type valueKind int

const (
	vNumber valueKind = iota
	vString
	vBool
	vNull
	vArray
	vObject
	vError
	vRef
)

func (k valueKind) String() string {
	return [...]string{"a number", "a string", "a boolean", "null", "an array", "an object", "an Error", "a property of its"}[k]
}

// call is one method call of a grammar action: name(args), or
// on.name(args) in a handler table's actions.
type call struct {
	on   string // "res", "req" or "socket" in a handler's actions; "" otherwise
	name string
	args []value
	src  string
}

// literalParser reads JavaScript-like literals and call lists from a
// grammar sentence.
type literalParser struct {
	s    string
	pos  int
	refs bool // "its <property>" is a value: a mark's details
}

func (p *literalParser) errorf(format string, a ...any) error {
	return fmt.Errorf("at %q: %s", p.rest(), fmt.Sprintf(format, a...))
}

func (p *literalParser) rest() string {
	r := p.s[p.pos:]
	if len(r) > 20 {
		r = r[:20] + "..."
	}
	return r
}

func (p *literalParser) space() {
	for p.pos < len(p.s) && (p.s[p.pos] == ' ' || p.s[p.pos] == '\t') {
		p.pos++
	}
}

func (p *literalParser) eat(tok string) bool {
	p.space()
	if strings.HasPrefix(p.s[p.pos:], tok) {
		p.pos += len(tok)
		return true
	}
	return false
}

func (p *literalParser) ident() string {
	p.space()
	start := p.pos
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		if c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || p.pos > start && c >= '0' && c <= '9' {
			p.pos++
			continue
		}
		break
	}
	return p.s[start:p.pos]
}

// calls reads "name(args)" calls joined by " then ", to the end of input.
func (p *literalParser) calls() ([]call, error) {
	var out []call
	for {
		start := p.pos
		on, name := "", p.ident()
		if name == "" {
			return nil, p.errorf("want a method call such as end()")
		}
		if p.eat(".") {
			on, name = name, p.ident()
		}
		if !p.eat("(") {
			return nil, p.errorf("want ( after %s", name)
		}
		args, err := p.list(")")
		if err != nil {
			return nil, fmt.Errorf("%s(): %w", name, err)
		}
		out = append(out, call{on: on, name: name, args: args, src: strings.TrimSpace(p.s[start:p.pos])})
		p.space()
		if p.pos == len(p.s) {
			return out, nil
		}
		if !p.eat("then ") {
			return nil, p.errorf("want \"then\" and another call, or the end of the sentence")
		}
	}
}

// list reads comma-separated values up to the closing token.
func (p *literalParser) list(closing string) ([]value, error) {
	var out []value
	if p.eat(closing) {
		return out, nil
	}
	for {
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		if p.eat(closing) {
			return out, nil
		}
		if !p.eat(",") {
			return nil, p.errorf("want , or %s", closing)
		}
	}
}

// value reads one literal.
func (p *literalParser) value() (value, error) {
	p.space()
	start := p.pos
	v, err := p.bare()
	if err != nil {
		return v, err
	}
	v.src = strings.TrimSpace(p.s[start:p.pos])
	return v, nil
}

func (p *literalParser) bare() (value, error) {
	if p.pos >= len(p.s) {
		return value{}, p.errorf("want a value")
	}
	switch c := p.s[p.pos]; {
	case c == '"' || c == '\'':
		s, err := p.quoted()
		if err != nil {
			return value{}, err
		}
		if p.eat(".repeat(") {
			n, err := p.number()
			if err != nil || n.num < 0 || n.num > 1<<24 || !p.eat(")") {
				return value{}, p.errorf("want \"text\".repeat(count), count at most %d", 1<<24)
			}
			s = strings.Repeat(s, int(n.num))
		}
		return value{kind: vString, str: s}, nil
	case c == '[':
		p.pos++
		items, err := p.list("]")
		return value{kind: vArray, items: items}, err
	case c == '{':
		p.pos++
		return p.object()
	case c == '-' || c >= '0' && c <= '9':
		return p.number()
	}
	switch word := p.ident(); word {
	case "true", "false":
		return value{kind: vBool, b: word == "true"}, nil
	case "null", "undefined":
		return value{kind: vNull}, nil
	case "new":
		if p.ident() != "Error" || !p.eat("(") {
			return value{}, p.errorf("want new Error(\"message\")")
		}
		args, err := p.list(")")
		if err != nil {
			return value{}, err
		}
		if len(args) > 1 || len(args) == 1 && args[0].kind != vString {
			return value{}, p.errorf("new Error takes one string, its message")
		}
		v := value{kind: vError}
		if len(args) == 1 {
			v.str = args[0].str
		}
		return v, nil
	case "its":
		return p.reference(false)
	case "the":
		if p.refs && p.eat("error's ") {
			return p.reference(true)
		}
		return value{}, p.errorf("want a value")
	case "":
		return value{}, p.errorf("want a value")
	default:
		return value{}, p.errorf("%s is not a value (quote strings: \"%s\")", word, word)
	}
}

func (p *literalParser) quoted() (string, error) {
	q := p.s[p.pos]
	var b strings.Builder
	for i := p.pos + 1; i < len(p.s); i++ {
		c := p.s[i]
		switch {
		case c == q:
			p.pos = i + 1
			return b.String(), nil
		case c == '\\' && i+1 < len(p.s):
			i++
			switch e := p.s[i]; e {
			case 'r':
				b.WriteByte('\r')
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			default:
				b.WriteByte(e)
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", p.errorf("the string is not closed")
}

func (p *literalParser) number() (value, error) {
	start := p.pos
	if p.s[p.pos] == '-' {
		p.pos++
	}
	for p.pos < len(p.s) && (p.s[p.pos] >= '0' && p.s[p.pos] <= '9' || p.s[p.pos] == '.') {
		p.pos++
	}
	n, err := strconv.ParseFloat(p.s[start:p.pos], 64)
	if err != nil {
		p.pos = start
		return value{}, p.errorf("not a number")
	}
	return value{kind: vNumber, num: n}, nil
}

func (p *literalParser) object() (value, error) {
	v := value{kind: vObject}
	if p.eat("}") {
		return v, nil
	}
	for {
		p.space()
		var key string
		if p.pos < len(p.s) && (p.s[p.pos] == '"' || p.s[p.pos] == '\'') {
			k, err := p.quoted()
			if err != nil {
				return v, err
			}
			key = k
		} else if key = p.ident(); key == "" {
			return v, p.errorf("want a key")
		}
		if !p.eat(":") {
			return v, p.errorf("want : after the key %q", key)
		}
		item, err := p.value()
		if err != nil {
			return v, err
		}
		v.keys = append(v.keys, key)
		v.items = append(v.items, item)
		if p.eat("}") {
			return v, nil
		}
		if !p.eat(",") {
			return v, p.errorf("want , or }")
		}
	}
}

// parseValue reads a whole string as one literal.
func parseValue(s string) (value, error) {
	p := &literalParser{s: s}
	v, err := p.value()
	if err != nil {
		return v, err
	}
	p.space()
	if p.pos != len(p.s) {
		return v, p.errorf("unexpected text after the value")
	}
	return v, nil
}

// asAny turns a value into what httpcore's header setters take: a string,
// a number, or a list of strings.
func (v value) asAny() any {
	switch v.kind {
	case vNumber:
		return v.num
	case vArray:
		out := make([]string, len(v.items))
		for i, it := range v.items {
			out[i] = it.text()
		}
		return out
	case vBool:
		return v.b
	case vNull:
		return nil
	}
	return v.str
}

// text is a value as a string, as String(value) gives it in JavaScript.
func (v value) text() string {
	switch v.kind {
	case vNumber:
		return strconv.FormatFloat(v.num, 'f', -1, 64)
	case vBool:
		return strconv.FormatBool(v.b)
	case vNull:
		return "null"
	}
	return v.str
}

// asError is the error a value stands for: new Error("m") or an object
// {code, message}.
func (v value) asError() error {
	e := &simnet.Error{Message: v.str}
	for i, k := range v.keys {
		switch k {
		case "code":
			e.Code = v.items[i].text()
		case "message":
			e.Message = v.items[i].text()
		}
	}
	return e
}

// headerFields turns {name: value} or [[name, value], ...] into fields.
func (v value) headerFields() []httpcore.HeaderField {
	var out []httpcore.HeaderField
	add := func(name string, val value) {
		f := httpcore.HeaderField{Name: name}
		if val.kind == vArray {
			for _, it := range val.items {
				f.Values = append(f.Values, it.text())
			}
		} else {
			f.Values = []string{val.text()}
		}
		out = append(out, f)
	}
	if v.kind == vObject {
		for i, k := range v.keys {
			add(k, v.items[i])
		}
		return out
	}
	for _, pair := range v.items {
		if len(pair.items) == 2 {
			add(pair.items[0].text(), pair.items[1])
		}
	}
	return out
}

// plain is a value as JSON decodes it, to compare with what a getter
// returned.
func (v value) plain() any {
	switch v.kind {
	case vNumber:
		return v.num
	case vString:
		return v.str
	case vBool:
		return v.b
	case vArray:
		out := make([]any, len(v.items))
		for i, it := range v.items {
			out[i] = it.plain()
		}
		return out
	case vObject:
		out := map[string]any{}
		for i, k := range v.keys {
			out[k] = v.items[i].plain()
		}
		return out
	case vError:
		return map[string]any{"message": v.str}
	}
	return nil
}

// jsonPlain is a Go value as JSON decodes it: the form traces hold.
func jsonPlain(x any) (any, error) {
	raw, err := json.Marshal(x)
	if err != nil {
		return nil, err
	}
	var out any
	return out, json.Unmarshal(raw, &out)
}
