package features

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/simhttp/simhttp/httpcore"
)

// "<server> is created with {<option>: <value>, ...}" gives
// http.createServer its options: they hold from the server's creation, so
// the sentence takes no trigger and must come before the run.

var createdRe = regexp.MustCompile(`^ is created with (\{.*\})$`)

// optionKind is the type of a creation option's value.
type optionKind int

const (
	optionBool   optionKind = iota // true or false
	optionList                     // an array of strings
	optionCount                    // a number, 0 or more
	optionMillis                   // milliseconds, 0 or more
	optionText                     // a string
)

// serverOptions are the options http.createServer takes, with their types
// and where each goes.
var serverOptions = map[string]option[httpcore.ServerOptions]{
	"joinDuplicateHeaders":        {optionBool, func(o *httpcore.ServerOptions, v value) { o.JoinDuplicateHeaders = v.b }},
	"insecureHTTPParser":          {optionBool, func(o *httpcore.ServerOptions, v value) { o.InsecureHTTPParser = v.b }},
	"requireHostHeader":           {optionBool, func(o *httpcore.ServerOptions, v value) { o.RequireHostHeader = &v.b }},
	"rejectNonStandardBodyWrites": {optionBool, func(o *httpcore.ServerOptions, v value) { o.RejectNonStandardBodyWrites = v.b }},
	"keepAlive":                   {optionBool, func(o *httpcore.ServerOptions, v value) { o.KeepAlive = v.b }},
	"noDelay":                     {optionBool, func(o *httpcore.ServerOptions, v value) { o.NoDelay = &v.b }},
	"uniqueHeaders": {optionList, func(o *httpcore.ServerOptions, v value) {
		for _, it := range v.items {
			o.UniqueHeaders = append(o.UniqueHeaders, it.str)
		}
	}},
	"maxHeaderSize":               {optionCount, func(o *httpcore.ServerOptions, v value) { o.MaxHeaderSize = int(v.num) }},
	"highWaterMark":               {optionCount, func(o *httpcore.ServerOptions, v value) { o.HighWaterMark = int(v.num) }},
	"requestTimeout":              {optionMillis, func(o *httpcore.ServerOptions, v value) { o.RequestTimeout = ms(v) }},
	"headersTimeout":              {optionMillis, func(o *httpcore.ServerOptions, v value) { o.HeadersTimeout = ms(v) }},
	"keepAliveTimeout":            {optionMillis, func(o *httpcore.ServerOptions, v value) { o.KeepAliveTimeout = ms(v) }},
	"connectionsCheckingInterval": {optionMillis, func(o *httpcore.ServerOptions, v value) { o.ConnectionsCheckingInterval = ms(v) }},
	"keepAliveInitialDelay":       {optionMillis, func(o *httpcore.ServerOptions, v value) { o.KeepAliveInitialDelay = ms(v) }},
}

// parseCreated reads "is created with {...}"; ok says the action is it.
func (s *sentence) parseCreated(rest string) (ok bool, err error) {
	m := createdRe.FindStringSubmatch(rest)
	if m == nil {
		return false, nil
	}
	v, err := parseValue(m[1])
	if err != nil {
		return true, fmt.Errorf("%s is created with: the options %w", s.actor, err)
	}
	if s.actor.kind != actorServer {
		return true, fmt.Errorf("%s is not created with options: only a server (http.createServer(options)) and the agent (new http.Agent(options)) are", s.actor)
	}
	if s.trigger.kind != triggerNone {
		return true, errors.New("a server's options hold from its creation: drop the trigger")
	}
	if err := applyServerOptions(&httpcore.ServerOptions{}, v); err != nil {
		return true, fmt.Errorf("%s is created with: %w", s.actor, err)
	}
	s.action.kind, s.action.val = actionCreated, v
	return true, nil
}

// option is one creation option of an O: its type and where it goes.
type option[O any] struct {
	kind optionKind
	set  func(o *O, v value)
}

// applyServerOptions sets each option of an object literal; an error
// names the option at fault.
func applyServerOptions(o *httpcore.ServerOptions, v value) error {
	return applyOptions("server", serverOptions, o, v)
}

// applyOptions sets each option of an object literal from the options of
// what; an error names the option at fault.
func applyOptions[O any](what string, options map[string]option[O], o *O, v value) error {
	if v.kind != vObject {
		return fmt.Errorf("the options must be an object {name: value}, got %s", v.src)
	}
	for i, name := range v.keys {
		opt, ok := options[name]
		if !ok {
			return fmt.Errorf("unknown %s option %q (want %s)", what, name, strings.Join(names(options), ", "))
		}
		if err := checkOption(name, opt.kind, v.items[i]); err != nil {
			return err
		}
		opt.set(o, v.items[i])
	}
	return nil
}

func checkOption(name string, kind optionKind, v value) error {
	switch kind {
	case optionBool:
		if v.kind != vBool {
			return fmt.Errorf("%s must be true or false, got %s", name, v.src)
		}
	case optionText:
		if v.kind != vString {
			return fmt.Errorf("%s must be a string, got %s", name, v.src)
		}
	case optionList:
		ok := v.kind == vArray
		for _, it := range v.items {
			ok = ok && it.kind == vString
		}
		if !ok {
			return fmt.Errorf("%s must be an array of strings, got %s", name, v.src)
		}
	default:
		if v.kind != vNumber || v.num != float64(int(v.num)) {
			return fmt.Errorf("%s must be a whole number, got %s", name, v.src)
		}
		if v.num < 0 {
			if kind == optionMillis {
				return outOfRange(name, int(v.num))
			}
			return fmt.Errorf("%s must be 0 or more, got %s", name, v.src)
		}
	}
	return nil
}

// createdWith gives a server its creation options, before the run.
func (w *world) createdWith(s *sentence) error {
	if w.started {
		return errors.New("the server is already created: give its options before the first assertion")
	}
	srv, err := w.namedServer(s.actor.server)
	if err != nil {
		return err
	}
	return applyServerOptions(&srv.opts, s.action.val)
}

// optionsLiteral writes the rows of a table of creation options as the
// grammar's object literal, so a table is sugar for "is created with
// {...}"; an error names the option at fault.
func optionsLiteral[O any](what string, options map[string]option[O], rows [][2]string) (string, error) {
	members := make([]string, len(rows))
	for i, r := range rows {
		opt, ok := options[r[0]]
		if !ok {
			return "", fmt.Errorf("unknown %s option %q (want %s)", what, r[0], strings.Join(names(options), ", "))
		}
		v, err := cellLiteral(opt.kind, r[0], r[1])
		if err != nil {
			return "", err
		}
		members[i] = r[0] + ": " + v
	}
	return "{" + strings.Join(members, ", ") + "}", nil
}

// cellLiteral writes a table cell as the grammar's literal for an option
// of kind.
func cellLiteral(kind optionKind, name, cell string) (string, error) {
	switch kind {
	case optionText:
		return jsString(cell), nil
	case optionBool:
		on, err := yesNo(name, cell)
		return strconv.FormatBool(on), err
	case optionList:
		var items []string
		for _, n := range strings.Split(cell, ",") {
			items = append(items, jsString(strings.TrimSpace(n)))
		}
		return "[" + strings.Join(items, ", ") + "]", nil
	case optionCount:
		n, err := count(name, cell)
		return strconv.Itoa(n), err
	}
	d, err := millis(name, cell)
	return strconv.FormatInt(int64(d/time.Millisecond), 10), err
}
