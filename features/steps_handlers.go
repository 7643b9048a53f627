package features

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cucumber/godog"

	"github.com/simhttp/simhttp/httpcore"
	"github.com/simhttp/simhttp/simnet"
)

// handlerRule is one row of a per-URL handler table: the requests it
// answers and how.
type handlerRule struct {
	row     int
	method  string // "*" for any
	path    string // exact, "*" for any, or a prefix ending in "*"
	status  int    // 0 keeps 200
	headers [][2]string
	body    string
	delay   time.Duration // before anything is written
	actions []call        // res./req./socket. calls and wait(ms), in order
}

// handlerColumns are the columns a handler table may have.
var handlerColumns = []string{"method", "path", "status", "headers", "body", "delay", "actions"}

func handlerSteps() []*stepDef {
	d := func(pattern, example, doc string, bind func(w *world) any) *stepDef {
		return &stepDef{domain: "Servers and handlers", pattern: pattern, example: example, doc: doc, bind: bind}
	}
	return []*stepDef{
		d(`^a server with the handlers:$`, "a server with the handlers:\n        | method | path | status | headers | body  | delay | actions |\n        | GET    | /a   | 200    | x-a: 1  | hello | 0     |         |",
			"a server answering each request by the first row whose method (or *) and path (exact, *, or a prefix ending in *) match: after delay ms it sets the headers (name: value; name: value), the status, runs the actions (res.write(\"x\") then wait(10) then req.destroy() ...; a bare call is on res) and ends the response with body unless an action did; no matching row answers 404",
			func(w *world) any { return w.aServerWithTheHandlers }),
		d(`^a server "([a-z][a-z0-9-]*)" with the handlers:$`, "a server \"b\" with the handlers:\n        | method | path | status |\n        | *      | *    | 204    |",
			"the same on a named server",
			func(w *world) any { return w.aNamedServerWithTheHandlers }),
	}
}

func (w *world) aServerWithTheHandlers(table *godog.Table) error {
	return w.aNamedServerWithTheHandlers("", table)
}

func (w *world) aNamedServerWithTheHandlers(name string, table *godog.Table) error {
	rules, err := parseHandlers(table)
	if err != nil {
		return err
	}
	s, err := w.addServer(name)
	if err != nil {
		return err
	}
	s.script = append(s.script, func(x *exchange, next func()) {
		answer(x, rules)
		next()
	})
	return nil
}

// parseHandlers reads and checks a handler table; an error names the row
// and column.
func parseHandlers(table *godog.Table) ([]handlerRule, error) {
	if len(table.Rows) < 2 {
		return nil, fmt.Errorf("a handler table needs a header row (%s) and at least one rule", strings.Join(handlerColumns, ", "))
	}
	var cols []string
	for _, c := range table.Rows[0].Cells {
		name := strings.TrimSpace(c.Value)
		if !contains(handlerColumns, name) {
			return nil, fmt.Errorf("handler table: unknown column %q (want %s)", name, strings.Join(handlerColumns, ", "))
		}
		cols = append(cols, name)
	}
	if !contains(cols, "method") || !contains(cols, "path") {
		return nil, fmt.Errorf("handler table: the columns method and path are required")
	}
	var rules []handlerRule
	for i, row := range table.Rows[1:] {
		r := handlerRule{row: i + 1}
		for j, c := range row.Cells {
			if err := r.set(cols[j], strings.TrimSpace(c.Value)); err != nil {
				return nil, fmt.Errorf("handler table, rule %d, column %s: %w", r.row, cols[j], err)
			}
		}
		rules = append(rules, r)
	}
	return rules, nil
}

func (r *handlerRule) set(col, v string) error {
	switch col {
	case "method":
		if v != "*" && !contains(httpcore.METHODS, v) {
			return fmt.Errorf("%q is not a method (want one of Node's METHODS, or *)", v)
		}
		r.method = v
	case "path":
		if v == "" {
			return fmt.Errorf("empty (want a path, *, or a prefix ending in *)")
		}
		r.path = v
	case "status":
		if v == "" {
			return nil
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 100 || n > 999 {
			return fmt.Errorf("%q is not a status code", v)
		}
		r.status = n
	case "headers":
		for _, h := range strings.Split(v, ";") {
			if strings.TrimSpace(h) == "" {
				continue
			}
			name, val, ok := strings.Cut(h, ":")
			if !ok {
				return fmt.Errorf("%q: want name: value; name: value", h)
			}
			r.headers = append(r.headers, [2]string{strings.TrimSpace(name), strings.TrimSpace(val)})
		}
	case "body":
		r.body = simnet.Unescape(v)
	case "delay":
		if v == "" {
			return nil
		}
		d, err := millis("delay", v)
		if err != nil {
			return err
		}
		r.delay = d
	case "actions":
		if v == "" {
			return nil
		}
		p := &literalParser{s: v}
		calls, err := p.calls()
		if err != nil {
			return err
		}
		for _, c := range calls {
			if err := checkHandlerCall(c); err != nil {
				return err
			}
		}
		r.actions = calls
	}
	return nil
}

// handlerObjects maps an action's object to the kind of its methods.
var handlerObjects = map[string]actorKind{"": actorServerResponse, "res": actorServerResponse, "req": actorServerRequest, "socket": actorSocket}

func checkHandlerCall(c call) error {
	if c.on == "" && c.name == "wait" {
		if len(c.args) != 1 || c.args[0].kind != vNumber || c.args[0].num < 0 {
			return fmt.Errorf("%s: wait takes one argument, a number of milliseconds", c.src)
		}
		return nil
	}
	kind, ok := handlerObjects[c.on]
	if !ok {
		return fmt.Errorf("%s: %s is not res, req or socket", c.src, c.on)
	}
	m := methodsOf[kind][c.name]
	if m == nil {
		return fmt.Errorf("%s: %s has no method %s (it has %s)", c.src, actorDocName[kind], c.name, strings.Join(names(methodsOf[kind]), ", "))
	}
	if err := m.check(c); err != nil {
		return fmt.Errorf("%s: %w", c.src, err)
	}
	return nil
}

func (r *handlerRule) matches(method, url string) bool {
	if r.method != "*" && r.method != method {
		return false
	}
	switch {
	case r.path == "*":
		return true
	case strings.HasSuffix(r.path, "*"):
		return strings.HasPrefix(url, strings.TrimSuffix(r.path, "*"))
	}
	return r.path == url
}

// answer runs the first rule matching the request, or answers 404.
func answer(x *exchange, rules []handlerRule) {
	for i := range rules {
		if rules[i].matches(x.req.Method, x.req.URL) {
			rules[i].run(x)
			return
		}
	}
	x.res.StatusCode = 404
	x.end(nil)
}

func (r *handlerRule) run(x *exchange) {
	w := x.w
	respond := func() {
		for _, h := range r.headers {
			w.thrown(x.res.AppendHeader(h[0], h[1]))
		}
		if r.status != 0 {
			x.res.StatusCode = r.status
		}
		r.act(x, r.actions)
	}
	if r.delay > 0 {
		w.loop().SetTimeout(r.delay, respond)
		return
	}
	respond()
}

// act runs the rule's actions from the first one on, then ends the
// response with the body unless an action ended it.
func (r *handlerRule) act(x *exchange, calls []call) {
	w := x.w
	for i, c := range calls {
		if c.on == "" && c.name == "wait" {
			rest := calls[i+1:]
			w.loop().SetTimeout(ms(c.args[0]), func() { r.act(x, rest) })
			return
		}
		kind := handlerObjects[c.on]
		t := worldNew(w, target{x: x})
		if kind == actorSocket {
			t = worldNew(w, target{sock: x.req.Socket()})
		}
		w.invoke(methodsOf[kind][c.name], t, c)
	}
	if !x.res.WritableEnded() && !x.res.Destroyed() {
		x.end([]byte(r.body))
	}
}
