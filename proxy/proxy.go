package proxy

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/simhttp/simhttp/record"
	"github.com/simhttp/simhttp/simnet"
)

// Options configure a Proxy.
type Options struct {
	Listen          string        // the address to accept on; "127.0.0.1:0" (a free loopback port) when empty
	Upstream        string        // HOST:PORT of the service behind the proxy
	Rules           []simnet.Rule // the rules in force from the start
	Seed            uint64        // seeds the draws of rules with a probability
	Record          io.Writer     // when set, both legs are written here as a capture
	RecordFormat    record.Format // PCAP (the zero value) or PCAPNG
	OnUpstreamError int           // 0: a client whose upstream cannot be reached is reset; 502: it gets a 502 response
	NoSpin          bool          // never poll a drained socket before parking (done only with GOMAXPROCS=1): saves CPU on a busy machine, costs latency on an idle one
	Log             *log.Logger   // fired faults, unreachable upstreams, malformed HTTP; nil discards
}

// Proxy forwards TCP connections to one upstream, byte for byte, and
// applies fault rules to them. Its methods are safe for concurrent use.
type Proxy struct {
	opts  Options
	ln    *net.TCPListener
	start time.Time
	log   *log.Logger
	cap   *capture // nil unless recording

	mu          sync.Mutex // guards what follows; taken after a conn.mu, never before
	rules       []*rule
	nextID      int
	rng         *rand.Rand
	conns       map[*conn]struct{}
	connections int
	faults      []Fired
	closed      bool

	requests atomic.Int64 // counted on every connection's hot path, so outside mu
	open     atomic.Int32 // open connections, read by every leg that may spin
	spin     spinGate     // the machine's load, shared by the legs that may spin

	wg sync.WaitGroup
}

// Counters are what a proxy has seen since it started or was last reset.
type Counters struct {
	Connections int     `json:"connections"` // client connections accepted
	Requests    int     `json:"requests"`    // HTTP requests begun, over all connections
	Faults      []Fired `json:"faults"`      // every fault fired, in order
}

// Fired is one fault a rule fired.
type Fired struct {
	Rule       int    `json:"rule"`              // the rule's id
	What       string `json:"what"`              // the fault
	Connection int    `json:"connection"`        // the client connection it hit, from 1
	Request    int    `json:"request,omitempty"` // the request it hit, from 1 over all connections; 0 before any
}

// RuleInfo is a rule in force with its id and how often it fired.
type RuleInfo struct {
	ID    int         `json:"id"`
	Rule  simnet.Rule `json:"rule"`
	Fired int         `json:"fired"`
}

// Start listens and forwards every accepted connection to the upstream
// until Close.
func Start(opts Options) (*Proxy, error) {
	if opts.Upstream == "" {
		return nil, fmt.Errorf("%w: Upstream is empty (want HOST:PORT)", ErrBadOptions)
	}
	if _, _, err := net.SplitHostPort(opts.Upstream); err != nil {
		return nil, fmt.Errorf("%w: Upstream %q: %w", ErrBadOptions, opts.Upstream, err)
	}
	if opts.OnUpstreamError != 0 && opts.OnUpstreamError != 502 {
		return nil, fmt.Errorf("%w: OnUpstreamError %d (want 0 to reset the client, or 502)", ErrBadOptions, opts.OnUpstreamError)
	}
	if opts.Listen == "" {
		opts.Listen = "127.0.0.1:0"
	}
	p := &Proxy{opts: opts, log: opts.Log, conns: map[*conn]struct{}{}, start: time.Now(),
		rng: rand.New(rand.NewPCG(opts.Seed, 0x5eed))}
	if p.log == nil {
		p.log = log.New(io.Discard, "", 0)
	}
	for i, r := range opts.Rules {
		if _, err := p.AddRule(r); err != nil {
			return nil, fmt.Errorf("%w: Rules[%d]: %w", ErrBadOptions, i, err)
		}
	}
	if opts.Record != nil {
		c, err := newCapture(opts.Record, opts.RecordFormat, p.start)
		if err != nil {
			return nil, err
		}
		p.cap = c
	}
	addr, err := net.ResolveTCPAddr("tcp", opts.Listen)
	if err != nil {
		return nil, fmt.Errorf("%w: Listen %q: %w", ErrBadOptions, opts.Listen, err)
	}
	ln, err := net.ListenTCP("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("proxy: %w", err)
	}
	p.ln = ln
	p.wg.Add(1)
	go p.acceptLoop()
	return p, nil
}

// Addr is the address the proxy accepts on.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Close stops accepting, ends every open connection and finishes the
// capture; it returns the capture's first error.
func (p *Proxy) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	open := p.openConns()
	p.mu.Unlock()
	err := p.ln.Close()
	for _, c := range open {
		c.abort()
	}
	p.wg.Wait()
	if p.cap != nil {
		return p.cap.close()
	}
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

// AddRule puts a rule in force and returns its id. Conn and Request count
// from this moment. Rules naming hosts, ports or host names, and faults of
// the simulated network only (partition, DNS), are refused.
func (p *Proxy) AddRule(r simnet.Rule) (int, error) {
	if err := CheckRule(r); err != nil {
		return 0, err
	}
	if r.Pattern != nil {
		r.Pattern = append([]byte(nil), r.Pattern...)
	}
	p.mu.Lock()
	p.nextID++
	x := &rule{Rule: r, id: p.nextID, gone: make(chan struct{})}
	p.rules = append(p.rules, x)
	// Open connections get the rule too, drawn in the order they were
	// accepted; their states are added outside mu, as conn.mu comes first.
	var to []*conn
	if r.Conn == 0 {
		for _, c := range p.openConns() {
			if p.draw(x) {
				to = append(to, c)
			}
		}
	}
	p.mu.Unlock()
	for _, c := range to {
		c.mu.Lock()
		c.rules = append(c.rules, &ruleState{r: x})
		c.mu.Unlock()
	}
	if (r.What == simnet.FaultReset || r.What == simnet.FaultClose) && timed(&r) {
		p.scheduleTimed(x)
	}
	return x.id, nil
}

// RemoveRule ends a rule: it matches nothing more and a stall it holds
// releases its bytes.
func (p *Proxy) RemoveRule(id int) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, r := range p.rules {
		if r.id == id {
			p.dropRule(r)
			p.rules = append(p.rules[:i], p.rules[i+1:]...)
			return nil
		}
	}
	return fmt.Errorf("proxy: no rule %d", id)
}

func (p *Proxy) dropRule(r *rule) {
	r.removed.Store(true)
	close(r.gone)
}

// Reset removes every rule and zeroes the counters, between two tests.
func (p *Proxy) Reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, r := range p.rules {
		p.dropRule(r)
	}
	p.rules = nil
	p.connections, p.faults = 0, nil
	p.requests.Store(0)
}

// Rules lists the rules in force, oldest first.
func (p *Proxy) Rules() []RuleInfo {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]RuleInfo, 0, len(p.rules))
	for _, r := range p.rules {
		out = append(out, RuleInfo{ID: r.id, Rule: r.Rule, Fired: r.fired})
	}
	return out
}

// Counters returns a copy of the counters.
func (p *Proxy) Counters() Counters {
	p.mu.Lock()
	defer p.mu.Unlock()
	return Counters{Connections: p.connections, Requests: int(p.requests.Load()), Faults: append([]Fired{}, p.faults...)}
}

// Reproduce is the command line that starts this proxy with the rules in
// force and its seed, for the log line of a fired fault.
func (p *Proxy) Reproduce() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.reproduce()
}

func (p *Proxy) reproduce() string {
	rules := make([]simnet.Rule, 0, len(p.rules))
	for _, r := range p.rules {
		rules = append(rules, r.Rule)
	}
	js, _ := json.Marshal(rules) // Rule.MarshalJSON cannot fail
	listen := p.opts.Listen
	if p.ln != nil {
		listen = p.ln.Addr().String() // the port the client used, even when 0 asked for any
	}
	return fmt.Sprintf("simhttp proxy --listen %s --upstream %s --seed %d --rules '%s'",
		listen, p.opts.Upstream, p.opts.Seed, strings.ReplaceAll(string(js), "'", `'\''`))
}

// draw decides from the seed whether a rule applies to a connection; the
// caller holds mu.
func (p *Proxy) draw(r *rule) bool {
	return r.Probability == 0 || p.rng.Float64() < r.Probability
}

func (p *Proxy) acceptLoop() {
	defer p.wg.Done()
	for {
		tc, err := p.ln.AcceptTCP()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				p.log.Printf("accept: %v", err)
			}
			return
		}
		c := p.attach(tc)
		if c == nil {
			_ = tc.Close()
			continue
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			c.run()
		}()
	}
}

// attach numbers a new connection and gives it the state of every rule
// that applies to it; nil once the proxy is closed.
func (p *Proxy) attach(tc *net.TCPConn) *conn {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil
	}
	p.connections++
	c := newConn(p, p.connections, tc)
	for _, r := range p.rules {
		r.matched++
		if (r.Conn == 0 || r.matched == r.Conn) && p.draw(r) {
			c.rules = append(c.rules, &ruleState{r: r})
		}
	}
	p.conns[c] = struct{}{}
	p.open.Add(1)
	return c
}

func (p *Proxy) detach(c *conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.open.Add(-1)
	p.mu.Unlock()
}

// scheduleTimed fires a reset or close rule with no trigger but its time
// on every connection open then.
func (p *Proxy) scheduleTimed(r *rule) {
	fire := func() {
		p.mu.Lock()
		open := p.openConns()
		p.mu.Unlock()
		if r.removed.Load() {
			return
		}
		for _, c := range open {
			c.fireTimed(r)
		}
	}
	wait := r.At - time.Since(p.start)
	if wait <= 0 {
		fire()
		return
	}
	time.AfterFunc(wait, fire)
}

// openConns lists the open connections in the order they were accepted;
// the caller holds mu.
func (p *Proxy) openConns() []*conn {
	open := make([]*conn, 0, len(p.conns))
	for c := range p.conns {
		open = append(open, c)
	}
	slices.SortFunc(open, func(a, b *conn) int { return a.id - b.id })
	return open
}

// countRequest counts a request begun on a connection for the Request
// rules among its states, binding those whose request it is; the caller
// holds the connection's mu.
func (p *Proxy) countRequest(states []*ruleState, exchange int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, rs := range states {
		r := rs.r
		if !r.removed.Load() && r.Request != 0 && rs.target == 0 {
			r.requests++
			if r.requests == r.Request {
				rs.target = exchange
			}
		}
	}
}

// fired counts a fault and logs it with the command that reproduces it;
// the caller holds the connection's mu.
func (p *Proxy) fired(rs *ruleState, c *conn, request int) {
	rs.fired = true
	rs.firedAt = time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	rs.r.fired++
	f := Fired{Rule: rs.r.id, What: rs.r.What.String(), Connection: c.id, Request: request}
	p.faults = append(p.faults, f)
	where := "connection " + strconv.Itoa(c.id)
	if request > 0 {
		where += ", request " + strconv.Itoa(request)
	}
	p.log.Printf("fault %s (rule %d: %v) fired on %s; reproduce: %s", f.What, f.Rule, rs.r.Rule, where, p.reproduce())
}
