package replay

// Replaying a capture against a live server: each captured connection
// becomes one keep-alive agent that sends that connection's requests in
// order, one at a time, each no earlier than its captured offset scaled by
// the speed; every response is compared with the captured one.

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/simhttp/simhttp/httpcore"
	"github.com/simhttp/simhttp/simnet"
	"github.com/simhttp/simhttp/simnet/realtcp"
)

// ReplayOptions configure Run.
type ReplayOptions struct {
	// Target is the server to send the requests to, as http://host:port.
	Target string
	// Speed scales the captured pace: 1 sends every request at its
	// captured offset from the first, 2 twice as fast; 0 or +Inf sends each
	// as soon as the previous one on its connection was answered. A request
	// never overtakes the response before it on its connection.
	Speed float64
	// IgnoreHeaders are response header names, any case, left out of the
	// comparison.
	IgnoreHeaders []string
	// VolatileHeaders are response header names, any case, whose values
	// change from run to run: they are left out of the comparison with
	// DefaultVolatileHeaders (Date), and the report says which differed.
	VolatileHeaders []string
	// Strict compares the volatile headers too; IgnoreHeaders still apply.
	Strict bool
	// IgnoreJSONPaths are parts of JSON response bodies left out of the
	// comparison: keys separated by dots after an optional "$", indexes as
	// ".N" or "[N]", "*" for any key or index: "$.id", "data.items.0.ts",
	// "items[*].updatedAt".
	IgnoreJSONPaths []string
	// Runtime sends the requests; nil means a fresh real-TCP runtime. A
	// simulated host replays into its world instead. Run runs its loop
	// until the replay is done, so nothing else should hold that loop.
	Runtime simnet.Runtime
	// Timeout fails an exchange whose connection stays silent this long
	// while it waits; 0 means 30 s, a negative value none.
	Timeout time.Duration
	// Progress, when set, learns after each exchange ends how many of how
	// many captured exchanges have ended.
	Progress func(done, total int)
}

const defaultExchangeTimeout = 30 * time.Second

// Run replays the complete exchanges of a capture against opts.Target and
// compares each response with the captured one: status, headers as a
// multiset with case-insensitive names, and body, compared as JSON when
// both bodies are JSON. Exchanges the capture shows incomplete, and
// upgrades, are reported as skipped with the reason. Pipelined requests are
// sent one after the other.
//
// Unusable options are an *Error with code ERR_INVALID_ARG_VALUE. When ctx
// ends, requests in flight are destroyed, those not yet sent are reported
// skipped, and Run returns the report with ctx's error.
func Run(ctx context.Context, c *Capture, opts ReplayOptions) (*ReplayReport, error) {
	if c == nil {
		return nil, invalidArg("Run: the capture is nil")
	}
	host, port, err := parseTarget(opts.Target)
	if err != nil {
		return nil, err
	}
	var volatile []string
	if !opts.Strict {
		volatile = append(slices.Clone(DefaultVolatileHeaders), opts.VolatileHeaders...)
	}
	rules, err := newDiffRules(opts.IgnoreHeaders, volatile, opts.IgnoreJSONPaths)
	if err != nil {
		return nil, err
	}
	if math.IsNaN(opts.Speed) || opts.Speed < 0 {
		return nil, invalidArg("ReplayOptions.Speed: %v; want 0 (as fast as possible) or more", opts.Speed)
	}
	rt := opts.Runtime
	if rt == nil {
		rt = realtcp.New()
	}
	timeout := opts.Timeout
	if timeout == 0 {
		timeout = defaultExchangeTimeout
	}
	r := &replayer{rt: rt, loop: rt.Loop(), host: host, port: port, rules: rules, timeout: timeout,
		report: &ReplayReport{Target: opts.Target}, progress: opts.Progress}
	for _, name := range rules.volatile {
		r.report.Volatile = append(r.report.Volatile, VolatileHeader{Name: name})
	}
	if err := r.plan(c, opts.Speed); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		r.cancel(err)
		return r.report, err
	}
	stop := r.watch(ctx)
	r.start = r.loop.Now()
	for _, l := range r.lanes {
		l.step()
	}
	runErr := r.loop.Run()
	stop()
	if runErr != nil {
		return r.report, fmt.Errorf("replay: the runtime's loop stopped: %w", runErr)
	}
	if r.stopped != nil {
		return r.report, r.stopped
	}
	return r.report, nil
}

// parseTarget reads http://host:port; the port defaults to 80.
func parseTarget(target string) (string, int, error) {
	u, err := url.Parse(target)
	if err != nil {
		return "", 0, invalidArg("ReplayOptions.Target %q: %v", target, err)
	}
	if u.Scheme != "http" {
		return "", 0, invalidArg("ReplayOptions.Target %q: want an http:// URL", target)
	}
	if u.Hostname() == "" {
		return "", 0, invalidArg("ReplayOptions.Target %q: no host", target)
	}
	if u.Path != "" && u.Path != "/" || u.RawQuery != "" {
		return "", 0, invalidArg("ReplayOptions.Target %q: the captured requests keep their own paths; give only http://host:port", target)
	}
	port := 80
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return "", 0, invalidArg("ReplayOptions.Target %q: port %q is not 1-65535", target, p)
		}
		port = n
	}
	return u.Hostname(), port, nil
}

// ParseSpeed reads a speed as `simhttp replay --speed` takes it: "max" (or
// 0) for as fast as possible, else a positive factor such as "1", "2.5" or
// "2x".
func ParseSpeed(s string) (float64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	if t == "max" {
		return 0, nil
	}
	f, err := strconv.ParseFloat(strings.TrimSuffix(t, "x"), 64)
	if err != nil || f < 0 || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, invalidArg("speed %q: want max or a factor such as 1, 2.5 or 2x", s)
	}
	return f, nil
}

// paceOffsets returns when to send each request, measured from the start
// of the replay: its captured start less the earliest of starts, divided
// by speed. At speed 0 or +Inf every offset is zero.
func paceOffsets(starts []time.Duration, speed float64) []time.Duration {
	out := make([]time.Duration, len(starts))
	if speed == 0 || math.IsInf(speed, 1) || len(starts) == 0 {
		return out
	}
	first := starts[0]
	for _, s := range starts {
		first = min(first, s)
	}
	for i, s := range starts {
		scaled := float64(s-first) / speed
		if scaled >= math.MaxInt64 {
			out[i] = math.MaxInt64
			continue
		}
		out[i] = time.Duration(scaled)
	}
	return out
}

// skipReason says why an exchange is not replayed, or "" when it is.
func skipReason(ex *Exchange) string {
	switch {
	case ex.Request == nil:
		return "the capture holds no request for this response"
	case ex.Response == nil:
		return "no response was captured" + problemsText(ex.Problems)
	case !ex.Complete:
		return "the capture shows the exchange incomplete" + problemsText(ex.Problems)
	case ex.Response.Head.StatusCode == 101:
		return "the server switched protocols (101); what follows is not HTTP and is not replayed"
	case ex.Request.Head.Method == "CONNECT":
		return "CONNECT tunnels are not replayed"
	}
	return ""
}

func problemsText(ps []*Error) string {
	if len(ps) == 0 {
		return ""
	}
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.Code + ": " + p.Error()
	}
	return ": " + strings.Join(parts, "; ")
}

// replayer is one run of Run, living on the runtime's loop.
type replayer struct {
	rt      simnet.Runtime
	loop    *simnet.Loop
	host    string
	port    int
	rules   *diffRules
	timeout time.Duration
	report  *ReplayReport
	lanes   []*lane
	start   time.Duration // loop time the replay began
	stopped error         // set once the replay was cancelled
	// checkCtx reports the context's end on loops that cannot be woken
	// from another goroutine; nil on a wall-clock loop.
	checkCtx func() error
	progress func(done, total int)
	ended    int // exchanges ended, for progress
}

// lane replays one captured connection.
type lane struct {
	r     *replayer
	items []planned
	next  int // index in items of the exchange to send or in flight
	agent *httpcore.Agent
	timer *simnet.Timer
	cur   *attempt
}

// planned is an exchange to send and when.
type planned struct {
	result int // index in report.Results
	ex     *Exchange
	at     time.Duration
}

// plan lists every exchange in the report and puts those to replay in
// lanes, with their send offsets.
func (r *replayer) plan(c *Capture, speed float64) error {
	var starts []time.Duration
	for ci, cn := range c.Connections {
		var l *lane
		for ei, ex := range cn.Exchanges {
			res := ExchangeResult{Connection: ci + 1, Exchange: ei + 1}
			if ex.Request != nil {
				res.Method, res.URL = ex.Request.Head.Method, ex.Request.Head.URL
			}
			if why := skipReason(ex); why != "" {
				res.Outcome, res.Reason = OutcomeSkipped, why
				r.report.Results = append(r.report.Results, res)
				continue
			}
			if l == nil {
				agent, err := httpcore.NewAgent(r.rt, httpcore.AgentOptions{KeepAlive: true, MaxSockets: 1})
				if err != nil {
					return fmt.Errorf("replay: the agent for connection %d: %w", ci+1, err)
				}
				l = &lane{r: r, agent: agent}
				r.lanes = append(r.lanes, l)
			}
			l.items = append(l.items, planned{result: len(r.report.Results), ex: ex})
			starts = append(starts, ex.Request.Start)
			r.report.Results = append(r.report.Results, res)
		}
	}
	offsets := paceOffsets(starts, speed)
	i := 0
	for _, l := range r.lanes {
		for k := range l.items {
			l.items[k].at = offsets[i]
			i++
		}
	}
	return nil
}

// watch cancels the replay when ctx ends. Only a wall-clock loop can be
// woken from another goroutine; a simulated one never waits, so it checks
// ctx between exchanges instead.
func (r *replayer) watch(ctx context.Context) (stop func()) {
	if _, real := r.rt.(*realtcp.Runtime); !real {
		r.checkCtx = ctx.Err
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			r.loop.Post(func() { r.cancel(ctx.Err()) })
		case <-done:
		}
	}()
	return func() { close(done) }
}

// cancel stops every lane: requests in flight fail, the rest are skipped.
func (r *replayer) cancel(err error) {
	if r.stopped != nil {
		return
	}
	r.stopped = err
	for _, l := range r.lanes {
		if l.timer != nil {
			l.timer.Clear()
			l.timer = nil
		}
		if a := l.cur; a != nil && a.req != nil {
			a.req.Destroy(&simnet.Error{Code: "ABORT_ERR", Message: "the replay was cancelled", Err: err})
			continue
		}
		l.abandon()
	}
}

// step sends the next exchange when its time comes, or closes the lane.
func (l *lane) step() {
	r := l.r
	if r.stopped == nil && r.checkCtx != nil {
		if err := r.checkCtx(); err != nil {
			r.cancel(err)
			return
		}
	}
	if r.stopped != nil || l.next == len(l.items) {
		l.abandon()
		return
	}
	wait := r.start + l.items[l.next].at - r.loop.Now()
	if wait > 0 {
		l.timer = r.loop.SetTimeout(wait, l.send)
		return
	}
	l.send()
}

// abandon reports what was not sent as skipped and closes the lane.
func (l *lane) abandon() {
	for ; l.next < len(l.items); l.next++ {
		res := &l.r.report.Results[l.items[l.next].result]
		res.Outcome = OutcomeSkipped
		res.Reason = fmt.Sprintf("not sent: the replay was cancelled (%v)", l.r.stopped)
	}
	l.agent.Destroy()
}

// attempt is one exchange in flight.
type attempt struct {
	l     *lane
	item  planned
	req   *httpcore.ClientRequest
	ended bool
}

func (l *lane) send() {
	l.timer = nil
	p := l.items[l.next]
	r := l.r
	a := &attempt{l: l, item: p}
	l.cur = a
	q := p.ex.Request
	req, err := httpcore.Request(r.rt, "", httpcore.RequestOptions{
		Agent: l.agent, Host: r.host, Port: r.port,
		Method: q.Head.Method, Path: q.Head.URL, RawHeaders: q.Head.RawHeaders,
	}, a.onResponse)
	if err != nil {
		a.fail(err, "the captured request cannot be sent")
		return
	}
	a.req = req
	req.Events.Error.On(func(err error) { a.fail(err, "") })
	req.Events.Upgrade().On(func(u httpcore.UpgradedResponse) {
		u.Socket.Destroy(nil)
		a.fail(&simnet.Error{Code: "ERR_HTTP_UPGRADE", Message: "the server switched protocols (101), which the capture did not show"}, "")
	})
	if r.timeout > 0 {
		d := r.timeout
		if err := req.SetTimeout(d, func() {
			req.Destroy(&simnet.Error{Code: "ETIMEDOUT", Message: fmt.Sprintf("nothing arrived for %v", d)})
		}); err != nil {
			a.fail(err, "")
			return
		}
	}
	if err := req.End(q.Body, nil); err != nil {
		a.fail(err, "the captured request cannot be sent")
	}
}

func (a *attempt) onResponse(res *httpcore.IncomingMessage) {
	var body []byte
	res.Events.Data.On(func(p []byte) { body = append(body, p...) })
	res.Events.Error.On(func(err error) { a.fail(err, "the response was cut short") })
	res.Events.End.On(func(struct{}) {
		if a.ended {
			return
		}
		x := a.result()
		x.Status = res.StatusCode
		rules := a.l.r.rules
		x.Diff = compare(a.item.ex.Response, res.StatusCode, res.RawHeaders, body, rules)
		for _, i := range rules.volatileDiffers(a.item.ex.Response, res.RawHeaders) {
			a.l.r.report.Volatile[i].Differed++
		}
		x.Outcome = OutcomeOK
		if x.Diff != "" {
			x.Outcome = OutcomeDiffered
		}
		a.end()
	})
}

func (a *attempt) result() *ExchangeResult { return &a.l.r.report.Results[a.item.result] }

// fail records that no whole response came back.
func (a *attempt) fail(err error, where string) {
	if a.ended {
		return
	}
	x := a.result()
	x.Outcome, x.Err = OutcomeFailed, err
	x.Reason = err.Error()
	if code := simnet.CodeOf(err); code != "" {
		x.Reason = code + ": " + x.Reason
	}
	if where != "" {
		x.Reason = where + ": " + x.Reason
	}
	if a.req != nil && !a.req.Destroyed() {
		a.req.Destroy(nil)
	}
	a.end()
}

// end moves the lane on, on a later turn of the loop, so the agent has
// taken the socket back before the next request asks for one.
func (a *attempt) end() {
	a.ended = true
	l := a.l
	l.cur = nil
	l.next++
	if r := l.r; r.progress != nil {
		r.ended++
		r.progress(r.ended, len(r.report.Results))
	}
	l.r.loop.SetImmediate(l.step)
}
