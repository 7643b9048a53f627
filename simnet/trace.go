package simnet

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// TraceWriter writes events as JSON Lines in the format of docs/trace-format.md; use
// w.Observe as an [Observer].
//
// Each event is one Write of one line, so wrap the destination in a
// bufio.Writer when it is a file.
type TraceWriter struct {
	w       io.Writer
	withNet bool
	line    []byte
	detail  bytes.Buffer
	enc     *json.Encoder
	err     error
}

// NewTraceWriter returns a writer of events to w; net events are written only
// when withNet is set.
func NewTraceWriter(w io.Writer, withNet bool) *TraceWriter {
	t := &TraceWriter{w: w, withNet: withNet}
	t.enc = json.NewEncoder(&t.detail)
	// Node's JSON.stringify leaves <, > and & alone; so must we for traces
	// to compare byte for byte.
	t.enc.SetEscapeHTML(false)
	return t
}

// Observe writes ev as one line; after the first error it writes nothing more.
func (t *TraceWriter) Observe(ev Event) {
	if t.err != nil || (ev.Obj == "net" && !t.withNet) {
		return
	}
	line, err := t.appendEvent(t.line[:0], ev)
	t.line = line
	if err != nil {
		t.err = err
		return
	}
	if _, err := t.w.Write(line); err != nil {
		t.err = fmt.Errorf("simnet: writing trace: %w", err)
	}
}

// Err returns the first error met while encoding or writing, or nil.
func (t *TraceWriter) Err() error { return t.err }

// appendEvent encodes ev by hand in the field order the trace format fixes; only the
// free-form detail goes through encoding/json, which sorts its keys.
func (t *TraceWriter) appendEvent(b []byte, ev Event) ([]byte, error) {
	b = append(b, `{"t":`...)
	b = strconv.AppendInt(b, int64(ev.T), 10)
	b = append(b, `,"obj":`...)
	b = appendJSONString(b, ev.Obj)
	if ev.ID != 0 {
		b = append(b, `,"id":`...)
		b = strconv.AppendInt(b, int64(ev.ID), 10)
	}
	b = append(b, `,"event":`...)
	b = appendJSONString(b, ev.Name)
	if ev.Code != "" {
		b = append(b, `,"code":`...)
		b = appendJSONString(b, ev.Code)
	}
	if ev.Message != "" {
		b = append(b, `,"message":`...)
		b = appendJSONString(b, ev.Message)
	}
	if ev.Bytes != 0 {
		b = append(b, `,"bytes":`...)
		b = strconv.AppendInt(b, int64(ev.Bytes), 10)
	}
	if ev.Status != 0 {
		b = append(b, `,"status":`...)
		b = strconv.AppendInt(b, int64(ev.Status), 10)
	}
	if len(ev.Detail) != 0 {
		t.detail.Reset()
		if err := t.enc.Encode(ev.Detail); err != nil {
			return b, fmt.Errorf("simnet: encoding detail of %s#%d:%s: %w", ev.Obj, ev.ID, ev.Name, err)
		}
		b = append(b, `,"detail":`...)
		b = append(b, bytes.TrimSuffix(t.detail.Bytes(), []byte{'\n'})...)
	}
	return append(b, '}', '\n'), nil
}

const hexDigits = "0123456789abcdef"

// appendJSONString quotes s as JSON.stringify does, except that invalid UTF-8
// becomes U+FFFD so the output is always valid JSON.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r != utf8.RuneError || size != 1 {
				i += size
				continue
			}
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		case '\b':
			b = append(b, '\\', 'b')
		case '\f':
			b = append(b, '\\', 'f')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		i++
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// TraceError reports input that is not a valid trace: the JSONL line or the
// compact-form token at fault, and why.
type TraceError struct {
	Line  int    // 1-based line of a JSONL trace; 0 for the compact form
	Token string // the offending compact-form token; empty for JSONL
	Err   error  // the cause
}

func (e *TraceError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("trace line %d: %v", e.Line, e.Err)
	}
	return fmt.Sprintf("compact trace token %q: %v", e.Token, e.Err)
}

func (e *TraceError) Unwrap() error { return e.Err }

var (
	errMissingTime  = errors.New(`missing "t"`)
	errNegativeTime = errors.New(`negative "t"`)
	errMissingObj   = errors.New(`missing "obj"`)
	errMissingEvent = errors.New(`missing "event"`)
	errNegativeID   = errors.New(`negative "id"`)
	errTrailingData = errors.New("more than one JSON value on the line")
)

// traceLine is the JSON shape of one line; T is a pointer so that a missing
// time is told apart from time zero.
type traceLine struct {
	T       *int64         `json:"t"`
	Obj     string         `json:"obj"`
	ID      int            `json:"id"`
	Event   string         `json:"event"`
	Code    string         `json:"code"`
	Message string         `json:"message"`
	Bytes   int            `json:"bytes"`
	Status  int            `json:"status"`
	Detail  map[string]any `json:"detail"`
}

// ReadTrace parses a JSON Lines trace, such as the real-Node reference traces
// or the output of a [TraceWriter]. Blank lines are skipped; integral numbers
// in detail come back as int, others as float64. An error names the line.
func ReadTrace(r io.Reader) ([]Event, error) {
	br := bufio.NewReader(r)
	var events []Event
	for n := 1; ; n++ {
		raw, readErr := br.ReadBytes('\n')
		if readErr != nil && readErr != io.EOF {
			return events, &TraceError{Line: n, Err: readErr}
		}
		if line := bytes.TrimSpace(raw); len(line) > 0 {
			ev, err := parseTraceLine(line)
			if err != nil {
				return events, &TraceError{Line: n, Err: err}
			}
			events = append(events, ev)
		}
		if readErr == io.EOF {
			return events, nil
		}
	}
}

func parseTraceLine(line []byte) (Event, error) {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	var tl traceLine
	if err := dec.Decode(&tl); err != nil {
		return Event{}, err
	}
	if dec.More() {
		return Event{}, errTrailingData
	}
	switch {
	case tl.T == nil:
		return Event{}, errMissingTime
	case *tl.T < 0:
		return Event{}, errNegativeTime
	case tl.Obj == "":
		return Event{}, errMissingObj
	case tl.Event == "":
		return Event{}, errMissingEvent
	case tl.ID < 0:
		return Event{}, errNegativeID
	}
	ev := Event{
		T:       time.Duration(*tl.T),
		Obj:     tl.Obj,
		ID:      tl.ID,
		Name:    tl.Event,
		Code:    tl.Code,
		Message: tl.Message,
		Bytes:   tl.Bytes,
		Status:  tl.Status,
	}
	if tl.Detail != nil {
		ev.Detail = normalizeNumbers(tl.Detail).(map[string]any)
	}
	return ev, nil
}

// normalizeNumbers turns the json.Numbers of a decoded value into int where
// they are integral, so a detail written from Go ints reads back equal.
func normalizeNumbers(v any) any {
	switch v := v.(type) {
	case json.Number:
		if i, err := strconv.ParseInt(string(v), 10, 64); err == nil && i >= math.MinInt && i <= math.MaxInt {
			return int(i)
		}
		f, _ := v.Float64() // the decoder has already checked the syntax
		return f
	case map[string]any:
		for k, x := range v {
			v[k] = normalizeNumbers(x)
		}
		return v
	case []any:
		for i, x := range v {
			v[i] = normalizeNumbers(x)
		}
		return v
	}
	return v
}

// Compact renders events in the compact form of docs/trace-format.md: one token
// per event, a run of data events of one object collapsed to "obj:data*", and
// net events only when withNet is set.
func Compact(events []Event, withNet bool) string {
	var b strings.Builder
	compactTokens(events, withNet, func(_ int, ev *Event) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		appendToken(&b, ev)
	})
	return b.String()
}

// CompactStarts returns, for each token of Compact(events, withNet), the
// index in events of the event it stands for (the first of a data run), so
// a token that differs from an expected one leads back to its event.
func CompactStarts(events []Event, withNet bool) []int {
	var starts []int
	compactTokens(events, withNet, func(i int, _ *Event) { starts = append(starts, i) })
	return starts
}

// compactTokens calls token for each event that starts a token of the
// compact form, with its index.
func compactTokens(events []Event, withNet bool, token func(i int, ev *Event)) {
	var run *Event // the data event whose run the last token stands for
	for i := range events {
		ev := &events[i]
		if ev.Obj == "net" && !withNet {
			continue
		}
		if ev.Name == "data" && run != nil && run.Obj == ev.Obj && run.ID == ev.ID {
			continue
		}
		run = nil
		if ev.Name == "data" {
			run = ev
		}
		token(i, ev)
	}
}

// appendToken writes ev's token: obj, #id unless 1, :event, and * for data
// or the code of any event carrying an error ('error' itself, and events
// such as the server's 'clientError' whose payload is one).
func appendToken(b *strings.Builder, ev *Event) {
	b.WriteString(ev.Obj)
	if ev.ID != 0 && ev.ID != 1 {
		b.WriteByte('#')
		b.WriteString(strconv.Itoa(ev.ID))
	}
	b.WriteByte(':')
	b.WriteString(ev.Name)
	switch {
	case ev.Name == "data":
		b.WriteByte('*')
	case ev.Code != "":
		b.WriteByte('(')
		b.WriteString(ev.Code)
		b.WriteByte(')')
	}
}

var (
	errTokenNoColon = errors.New(`want obj:event`)
	errTokenObj     = errors.New("object name must be lowercase letters")
	errTokenID      = errors.New("id after # must be a number of 2 or more (id 1 is written without #)")
	errTokenEvent   = errors.New("event name must be letters, digits, ':', '-' or '_'")
	errTokenCode    = errors.New("error code must be (CODE) of capitals, digits and '_'")
	errTokenData    = errors.New("data events are written data* in the compact form")
	errTokenStar    = errors.New("only data events take *")
)

// ParseCompact splits a compact-form trace, as written in a Gherkin table,
// into its tokens and checks each one; an error names the bad token.
func ParseCompact(s string) ([]string, error) {
	tokens := strings.Fields(s)
	for _, tok := range tokens {
		if err := checkCompactToken(tok); err != nil {
			return nil, &TraceError{Token: tok, Err: err}
		}
	}
	return tokens, nil
}

// checkCompactToken accepts exactly the tokens Compact can produce:
// obj[#id]:event, then (CODE) for errors or * for data.
func checkCompactToken(tok string) error {
	head, name, ok := strings.Cut(tok, ":")
	if !ok {
		return errTokenNoColon
	}
	obj, id, hasID := strings.Cut(head, "#")
	if obj == "" || strings.TrimLeft(obj, "abcdefghijklmnopqrstuvwxyz") != "" {
		return errTokenObj
	}
	if hasID {
		n, err := strconv.Atoi(id)
		if err != nil || n < 2 || id[0] == '0' || id[0] == '+' {
			return errTokenID
		}
	}
	var code string
	star := strings.HasSuffix(name, "*")
	if star {
		name = name[:len(name)-1]
	} else if open := strings.IndexByte(name, '('); open >= 0 {
		if !strings.HasSuffix(name, ")") {
			return errTokenCode
		}
		name, code = name[:open], name[open+1:len(name)-1]
		if code == "" || strings.Trim(code, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != "" {
			return errTokenCode
		}
	}
	if name == "" || strings.Trim(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:-_") != "" {
		return errTokenEvent
	}
	switch {
	case star && name != "data":
		return errTokenStar
	case !star && name == "data":
		return errTokenData
	}
	return nil
}
