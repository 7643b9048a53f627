package features

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/cucumber/godog"

	"github.com/simhttp/simhttp/httpcore"
	"github.com/simhttp/simhttp/simnet"
)

// Setup sentences describe the world before it runs: the network's link
// and fault rules, the options the agent is created with, and the virtual
// time the run is cut at. A fault rule may also come at a moment of the
// run, and so may the end of the trace.

var addsRuleRe = regexp.MustCompile(`^ adds the rule(?: (\{.*\})| with:)$`)

// parseSetupAction reads the setup actions; ok says the text is one.
func (s *sentence) parseSetupAction(rest string) (ok bool, err error) {
	a := &s.action
	switch {
	case s.actor.kind == actorNetwork && setsRe.MatchString(rest):
		m := setsRe.FindStringSubmatch(rest)
		v, err := parseValue(m[2])
		if err != nil {
			return true, fmt.Errorf("the network sets %s: the value %w", m[1], err)
		}
		a.kind, a.prop, a.val = actionNetSetting, m[1], v
	case s.actor.kind == actorNetwork && rest == " stops the run":
		a.kind = actionStopsRun
	case s.actor.kind == actorClient && rest == " stops the trace":
		a.kind = actionStopsTrace
	case addsRuleRe.MatchString(rest):
		m := addsRuleRe.FindStringSubmatch(rest)
		a.kind, a.table = actionAddsRule, m[1] == ""
		if !a.table {
			v, err := parseValue(m[1])
			if err != nil {
				return true, fmt.Errorf("%s adds the rule: %w", s.actor, err)
			}
			fields, err := ruleFields(v)
			if err != nil {
				return true, fmt.Errorf("%s adds the rule: %w", s.actor, err)
			}
			if a.rule, err = simnet.ParseRule(fields, nil); err != nil {
				return true, fmt.Errorf("%s adds the rule: %w", s.actor, err)
			}
		}
	case s.actor.kind == actorAgent && createdRe.MatchString(rest):
		v, err := parseValue(createdRe.FindStringSubmatch(rest)[1])
		if err != nil {
			return true, fmt.Errorf("the agent is created with: the options %w", err)
		}
		if err := applyAgentOptions(&httpcore.AgentOptions{}, v); err != nil {
			return true, fmt.Errorf("the agent is created with: %w", err)
		}
		a.kind, a.val = actionAgentCreated, v
	default:
		return false, nil
	}
	return true, nil
}

// ruleFields reads a rule written as an object literal, with the keys of
// the proxy's JSON rules: {what: "reset", "after bytes": 100}.
func ruleFields(v value) ([]simnet.RuleField, error) {
	if v.kind != vObject {
		return nil, fmt.Errorf("want an object such as {what: \"reset\", dir: \"server->client\"}, got %s", v.src)
	}
	fields := make([]simnet.RuleField, len(v.keys))
	for i, k := range v.keys {
		it := v.items[i]
		switch it.kind {
		case vString:
			fields[i] = simnet.RuleField{Key: k, Value: it.str}
		case vNumber:
			fields[i] = simnet.RuleField{Key: k, Value: strconv.FormatFloat(it.num, 'f', -1, 64)}
		default:
			return nil, fmt.Errorf("the rule's %s must be a string or a number, got %s", k, it.src)
		}
	}
	return fields, nil
}

// networkSettings are what "the network sets <setting> to <n>" sets: the
// link between the client and the server, and name lookups.
var networkSettings = map[string]struct {
	doc   string
	least int
	set   func(w *world, n int)
}{
	"latency": {"one-way latency of every segment, in ms (default 1)", 0, func(w *world, n int) {
		w.link(func(l *simnet.Link) { l.Latency = time.Duration(n) * time.Millisecond })
	}},
	"jitter": {"up to this many ms of extra one-way delay per segment, drawn from the seed", 0, func(w *world, n int) {
		w.link(func(l *simnet.Link) { l.Jitter = time.Duration(n) * time.Millisecond })
	}},
	"bandwidth": {"bytes per second each way (default unlimited)", 0, func(w *world, n int) {
		w.link(func(l *simnet.Link) { l.Bandwidth = int64(n) })
	}},
	"mss": {"the largest payload of one segment, in bytes (default 1460)", 1, func(w *world, n int) {
		w.link(func(l *simnet.Link) { l.MSS = n })
	}},
	"dnsLatency": {"how long every name lookup takes, in ms", 0, func(w *world, n int) {
		w.dnsDelay = time.Duration(n) * time.Millisecond
	}},
}

// checkSetup checks a setup sentence; ok says the sentence is one.
func (s *sentence) checkSetup() (ok bool, err error) {
	a, act := s.actor, s.action
	switch act.kind {
	case actionNetSetting:
		st, known := networkSettings[act.prop]
		if !known {
			return true, fmt.Errorf("the network has no setting %s (it has %s)", act.prop, strings.Join(names(networkSettings), ", "))
		}
		if v := act.val; v.kind != vNumber || v.num != math.Trunc(v.num) || v.num < float64(st.least) || v.num > math.MaxInt32 {
			return true, fmt.Errorf("the network sets %s: the value must be a whole number, %d or more, got %s", act.prop, st.least, v.src)
		}
	case actionAddsRule:
		if a.kind != actorNetwork || a.socket {
			return true, fmt.Errorf("%s cannot add a rule: only the network can", a)
		}
	case actionAgentCreated:
		if a.kind != actorAgent || a.socket {
			return true, fmt.Errorf("%s is not created with options here: only the agent is", a)
		}
	case actionStopsTrace:
		return true, nil
	case actionStopsRun:
		// The run is cut at a virtual time before it starts, so that it
		// stops at that instant even when the next timer comes later.
		if t := s.trigger; t.kind != triggerAfter || t.turn || t.delay < time.Millisecond {
			return true, errors.New("the run stops at a time of 1 ms or more: \"after <n> ms, the network stops the run\"")
		}
		return true, nil
	default:
		return false, nil
	}
	if s.trigger.kind != triggerNone && act.kind != actionAddsRule {
		return true, errors.New("a setting holds from the start of the run: drop the trigger")
	}
	return true, nil
}

// addSetup wires a setup sentence into the scenario; ok says the sentence
// is one.
func (w *world) addSetup(s *sentence, table *godog.Table) (ok bool, err error) {
	act := s.action
	switch act.kind {
	case actionNetSetting, actionAgentCreated, actionStopsRun:
		if w.started {
			return true, errors.New("a setting holds from the start of the run: put it before the first Then")
		}
		switch act.kind {
		case actionAgentCreated:
			return true, w.createAgent(act.val)
		case actionStopsRun:
			w.stopAt = s.trigger.delay
			return true, nil
		}
		networkSettings[act.prop].set(w, int(act.val.num))
		return true, nil
	case actionStopsTrace:
		w.schedule(s, w.stopTrace)
		return true, nil
	case actionAddsRule:
		r := act.rule
		if table != nil {
			if r, err = ruleOfTable(table); err != nil {
				return true, err
			}
		}
		if s.trigger.kind == triggerNone && !w.started {
			w.rules = append(w.rules, r)
			return true, nil
		}
		w.schedule(s, func() {
			if _, err := w.sim.AddRule(r); err != nil {
				w.fail(fmt.Errorf("%q: %w", s.text, err))
			}
		})
		return true, nil
	}
	return false, nil
}

// ruleOfTable reads a rule as simnet.ParseRule does for every source of
// rules (JSON files, the proxy's control API), so the keys mean the same.
func ruleOfTable(table *godog.Table) (simnet.Rule, error) {
	rows, err := pairs(table)
	if err != nil {
		return simnet.Rule{}, err
	}
	fields := make([]simnet.RuleField, len(rows))
	for i, row := range rows {
		fields[i] = simnet.RuleField{Key: row[0], Value: row[1]}
	}
	return simnet.ParseRule(fields, nil)
}

// link edits the link between the client and the server, which starts
// with a latency of 1 ms once a scenario sets any part of it.
func (w *world) link(edit func(l *simnet.Link)) {
	for i := range w.links {
		if w.links[i].a == clientHost && w.links[i].b == serverHost {
			edit(&w.links[i].link)
			return
		}
	}
	l := simnet.Link{Latency: time.Millisecond}
	edit(&l)
	w.links = append(w.links, linkSetting{a: clientHost, b: serverHost, link: l})
}

// agentOptions are the options new http.Agent(options) takes, with their
// types and where each goes.
var agentOptions = map[string]option[httpcore.AgentOptions]{
	"keepAlive":       {optionBool, func(o *httpcore.AgentOptions, v value) { o.KeepAlive = v.b }},
	"keepAliveMsecs":  {optionMillis, func(o *httpcore.AgentOptions, v value) { o.KeepAliveMsecs = ms(v) }},
	"timeout":         {optionMillis, func(o *httpcore.AgentOptions, v value) { o.Timeout = ms(v) }},
	"maxSockets":      {optionCount, func(o *httpcore.AgentOptions, v value) { o.MaxSockets = int(v.num) }},
	"maxTotalSockets": {optionCount, func(o *httpcore.AgentOptions, v value) { o.MaxTotalSockets = int(v.num) }},
	"maxFreeSockets":  {optionCount, func(o *httpcore.AgentOptions, v value) { o.MaxFreeSockets = int(v.num) }},
	"scheduling":      {optionText, func(o *httpcore.AgentOptions, v value) { o.Scheduling = v.str }},
}

// applyAgentOptions sets each option of an object literal; an error names
// the option at fault.
func applyAgentOptions(o *httpcore.AgentOptions, v value) error {
	return applyOptions("agent", agentOptions, o, v)
}

// createAgent makes the scenario's requests go through a new Agent with
// these options.
func (w *world) createAgent(v value) error {
	if w.client.agentOpts != nil {
		return errors.New("the agent is already created with its options: one sentence gives them all")
	}
	o := httpcore.AgentOptions{}
	if err := applyAgentOptions(&o, v); err != nil {
		return err
	}
	w.client.agentOpts = &o
	return nil
}
