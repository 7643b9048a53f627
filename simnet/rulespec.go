package simnet

// Fault rules written as text: the rows of a Gherkin "the fault rule"
// table, the objects of a JSON rules file and the bodies of the proxy's
// control API all go through ParseRule, so one key means one thing
// everywhere.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// RuleField is one key of a rule written as text and its value: a row of a
// Gherkin table, or a member of a JSON object (numbers in their JSON text).
type RuleField struct {
	Key   string
	Value string
}

// RuleKeys lists every key a rule written as text may have, in the order
// rules are described.
var RuleKeys = []string{
	"what", "client", "server", "port", "dir", "conn", "request", "name",
	"after bytes", "pattern", "after", "at", "idle", "probability", "delay", "size", "duration",
}

// keyOfField maps Rule's Go field names, which validation errors carry, to
// the keys of rules written as text.
var keyOfField = map[string]string{
	"What": "what", "Client": "client", "Server": "server", "Port": "port", "Dir": "dir",
	"Conn": "conn", "Request": "request", "Name": "name", "AfterBytes": "after bytes",
	"Pattern": "pattern", "After": "after", "At": "at", "Idle": "idle",
	"Probability": "probability", "Delay": "delay", "Size": "size", "Duration": "duration",
}

// RuleError is a rule written as text that cannot be used: where it came
// from, its index in that source and the key at fault.
type RuleError struct {
	Source string // the file or the API the rule came from; "" when unnamed
	Index  int    // the rule's 0-based index in its source; -1 for a lone rule
	Key    string // the offending key; "" when the rule as a whole is wrong
	Err    error
}

func (e *RuleError) Error() string {
	var b strings.Builder
	if e.Source != "" {
		b.WriteString(e.Source)
		b.WriteString(": ")
	}
	if e.Index >= 0 {
		fmt.Fprintf(&b, "rule[%d]", e.Index)
	} else {
		b.WriteString("fault rule")
	}
	if e.Key != "" {
		fmt.Fprintf(&b, " key %q", e.Key)
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *RuleError) Unwrap() error { return e.Err }

// ParseRule builds a rule from its keys and values and checks it as
// World.AddRule does, short of the hosts it names. Times are milliseconds
// ("250") or carry a unit ("1.5s"); a pattern may use the escapes \r \n \t
// and \\; fault names may use spaces for hyphens ("close on reuse"). Errors
// are *RuleError naming the key; the caller fills in Source and Index.
// check is the engine's validation, (*Rule).Check when nil.
func ParseRule(fields []RuleField, check func(Rule) error) (Rule, error) {
	var r Rule
	seen := map[string]bool{}
	for _, f := range fields {
		if seen[f.Key] {
			return Rule{}, &RuleError{Index: -1, Key: f.Key, Err: errors.New("is given twice")}
		}
		seen[f.Key] = true
		v := f.Value
		if f.Key != "pattern" { // a pattern's spaces are bytes to match
			v = strings.TrimSpace(v)
		}
		if err := setRuleKey(&r, f.Key, v); err != nil {
			return Rule{}, &RuleError{Index: -1, Key: f.Key, Err: err}
		}
	}
	if r.What == 0 {
		return Rule{}, &RuleError{Index: -1, Key: "what", Err: fmt.Errorf("is missing (want one of %s)", strings.Join(FaultNames(), ", "))}
	}
	if check == nil {
		check = Rule.Check
	}
	if err := check(r); err != nil {
		return Rule{}, ruleErrorOf(err)
	}
	return r, nil
}

// ruleErrorOf names the key of a validation error.
func ruleErrorOf(err error) *RuleError {
	key := ""
	var se *Error
	if errors.As(err, &se) {
		key = keyOfField[se.Field]
	}
	return &RuleError{Index: -1, Key: key, Err: err}
}

// ParseRulesJSON reads a JSON array of rule objects whose keys are
// RuleKeys, checked by check as ParseRule does; source names the file in
// errors.
func ParseRulesJSON(source string, data []byte, check func(Rule) error) ([]Rule, error) {
	var items []json.RawMessage
	if err := json.Unmarshal(data, &items); err != nil {
		return nil, &RuleError{Source: source, Index: -1, Err: fmt.Errorf("want a JSON array of rule objects: %w", err)}
	}
	rules := make([]Rule, 0, len(items))
	for i, raw := range items {
		r, err := ParseRuleJSON(raw, check)
		if err != nil {
			var re *RuleError
			if errors.As(err, &re) {
				re.Source, re.Index = source, i
			}
			return nil, err
		}
		rules = append(rules, r)
	}
	return rules, nil
}

// ParseRuleJSON reads one JSON rule object; members keep their order, so
// errors are reported in the order they were written. check is as for
// ParseRule.
func ParseRuleJSON(data []byte, check func(Rule) error) (Rule, error) {
	fields, err := jsonFields(data)
	if err != nil {
		return Rule{}, &RuleError{Index: -1, Err: err}
	}
	return ParseRule(fields, check)
}

// jsonFields reads an object's members in order, each value as text.
func jsonFields(data []byte) ([]RuleField, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("want a JSON object with keys among %s", strings.Join(RuleKeys, ", "))
	}
	var fields []RuleField
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("bad JSON: %w", err)
		}
		key := tok.(string) // object keys are always strings
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("key %q: bad JSON: %w", key, err)
		}
		var text string
		switch v := v.(type) {
		case string:
			text = v
		case json.Number:
			text = v.String()
		default:
			return nil, fmt.Errorf("key %q: want a string or a number, got %s", key, jsonKind(v))
		}
		fields = append(fields, RuleField{Key: key, Value: text})
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("bad JSON: %w", err)
	}
	if dec.More() {
		return nil, errors.New("bad JSON: more after the rule object")
	}
	return fields, nil
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	}
	return "an object"
}

// FaultNames lists every fault's name, in the order of the Fault constants.
func FaultNames() []string {
	var names []string
	for f := FaultRefuse; f <= FaultDNSDelay; f++ {
		names = append(names, f.String())
	}
	return names
}

// ParseFault reads a fault's name; spaces may stand for hyphens.
func ParseFault(name string) (Fault, error) {
	n := strings.ReplaceAll(strings.ToLower(name), " ", "-")
	for f := FaultRefuse; f <= FaultDNSDelay; f++ {
		if f.String() == n {
			return f, nil
		}
	}
	return 0, fmt.Errorf("unknown fault %q (want one of %s)", name, strings.Join(FaultNames(), ", "))
}

func parseDir(s string) (Dir, error) {
	for d := AnyDir; d <= ServerToClient; d++ {
		if d.String() == s {
			return d, nil
		}
	}
	return 0, fmt.Errorf("unknown direction %q (want any, client->server or server->client)", s)
}

// parseMillis reads a time: a whole number of milliseconds, or a Go
// duration with its unit.
func parseMillis(s string) (time.Duration, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n > int64(time.Duration(1<<63-1)/time.Millisecond) {
			return 0, fmt.Errorf("%q milliseconds is too long", s)
		}
		return time.Duration(n) * time.Millisecond, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a time (milliseconds, or with a unit such as 1.5s)", s)
	}
	return d, nil
}

func parseCount(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a whole number", s)
	}
	return n, nil
}

// setRuleKey sets the field a key names; range checks are left to Check.
func setRuleKey(r *Rule, key, value string) error {
	var err error
	switch key {
	case "what":
		r.What, err = ParseFault(value)
	case "client":
		r.Client = value
	case "server":
		r.Server = value
	case "name":
		r.Name = value
	case "dir":
		r.Dir, err = parseDir(value)
	case "port":
		r.Port, err = parseCount(value)
	case "conn":
		r.Conn, err = parseCount(value)
	case "request":
		r.Request, err = parseCount(value)
	case "size":
		r.Size, err = parseCount(value)
	case "after bytes":
		r.AfterBytes, err = strconv.ParseInt(value, 10, 64)
		if err != nil {
			err = fmt.Errorf("%q is not a whole number", value)
		}
	case "pattern":
		r.Pattern = []byte(Unescape(value))
	case "after":
		r.After, err = ParseHTTPPoint(value)
	case "at":
		r.At, err = parseMillis(value)
	case "idle":
		r.Idle, err = parseMillis(value)
	case "delay":
		r.Delay, err = parseMillis(value)
	case "duration":
		r.Duration, err = parseMillis(value)
	case "probability":
		r.Probability, err = strconv.ParseFloat(value, 64)
		if err != nil {
			err = fmt.Errorf("%q is not a number", value)
		}
	default:
		return fmt.Errorf("unknown key (want one of %s)", strings.Join(RuleKeys, ", "))
	}
	return err
}

// Unescape turns the escapes \r \n \t \\ and \" of a rule's text into the
// bytes they stand for.
func Unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	return strings.NewReplacer(`\r`, "\r", `\n`, "\n", `\t`, "\t", `\\`, `\`, `\"`, `"`).Replace(s)
}

// escape is Unescape's inverse for the bytes it knows.
func escape(s string) string {
	return strings.NewReplacer(`\`, `\\`, "\r", `\r`, "\n", `\n`, "\t", `\t`).Replace(s)
}

// Fields writes the rule as the keys and values ParseRule reads back,
// leaving out the keys at their zero value.
func (r Rule) Fields() []RuleField {
	var out []RuleField
	add := func(k, v string) { out = append(out, RuleField{k, v}) }
	add("what", r.What.String())
	for _, s := range []struct{ k, v string }{{"client", r.Client}, {"server", r.Server}} {
		if s.v != "" {
			add(s.k, s.v)
		}
	}
	if r.Port != 0 {
		add("port", strconv.Itoa(r.Port))
	}
	if r.Dir != AnyDir {
		add("dir", r.Dir.String())
	}
	if r.Conn != 0 {
		add("conn", strconv.Itoa(r.Conn))
	}
	if r.Request != 0 {
		add("request", strconv.Itoa(r.Request))
	}
	if r.Name != "" {
		add("name", r.Name)
	}
	if r.AfterBytes != 0 {
		add("after bytes", strconv.FormatInt(r.AfterBytes, 10))
	}
	if r.Pattern != nil {
		add("pattern", escape(string(r.Pattern)))
	}
	if r.After != AfterNone {
		add("after", r.After.String())
	}
	for _, d := range []struct {
		k string
		v time.Duration
	}{{"at", r.At}, {"idle", r.Idle}} {
		if d.v != 0 {
			add(d.k, millisText(d.v))
		}
	}
	if r.Probability != 0 {
		add("probability", strconv.FormatFloat(r.Probability, 'g', -1, 64))
	}
	if r.Delay != 0 {
		add("delay", millisText(r.Delay))
	}
	if r.Size != 0 {
		add("size", strconv.Itoa(r.Size))
	}
	if r.Duration != 0 {
		add("duration", millisText(r.Duration))
	}
	return out
}

// millisText writes a time as parseMillis reads it back exactly.
func millisText(d time.Duration) string {
	if d%time.Millisecond == 0 {
		return strconv.FormatInt(int64(d/time.Millisecond), 10)
	}
	return d.String()
}

// String writes the rule on one line as its keys, for reports.
func (r Rule) String() string {
	fields := r.Fields()
	parts := []string{fields[0].Value}
	times := map[string]time.Duration{"at": r.At, "idle": r.Idle, "delay": r.Delay, "duration": r.Duration}
	for _, f := range fields[1:] {
		v := f.Value
		if f.Key == "pattern" {
			v = strconv.Quote(string(r.Pattern))
		} else if d, ok := times[f.Key]; ok {
			v = d.String()
		}
		parts = append(parts, strings.ReplaceAll(f.Key, " ", "-")+"="+v)
	}
	return strings.Join(parts, " ")
}

// MarshalJSON writes the rule as the JSON object ParseRuleJSON reads back.
func (r Rule) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range r.Fields() {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(f.Key)
		b.Write(k)
		b.WriteByte(':')
		if isNumberKey(f.Key) {
			if _, err := strconv.ParseFloat(f.Value, 64); err == nil {
				b.WriteString(f.Value)
				continue
			}
		}
		v, err := json.Marshal(f.Value)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// isNumberKey reports whether a key's value is written as a JSON number
// when it is a plain number.
func isNumberKey(k string) bool {
	return !slices.Contains([]string{"what", "client", "server", "dir", "name", "pattern", "after"}, k)
}
