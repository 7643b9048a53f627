package features

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/simhttp/simhttp/httpcore"
	"github.com/simhttp/simhttp/simnet"
)

// world is one scenario's state: what the Given and When steps asked for,
// the simulated world built from it, and everything the run emitted. godog
// makes a fresh one per scenario, so nothing leaks between scenarios.
//
// Steps before the first assertion only describe the scenario; the first
// assertion builds the simulation, runs the described actions as a Node
// main script would, and runs the loop until it settles. A When step after
// that acts on the settled world and the next assertion settles it again.
type world struct {
	suite *suite
	uri   string // feature file
	line  int    // line of the Scenario keyword
	name  string // the scenario's name
	sweep bool   // the scenario is tagged @sweep
	seed  uint64

	sim       *simnet.World
	spares    *simnet.Spares // where sim takes its objects from, when the sweep's runner recycles them
	kept      keptObjects    // step objects of the world's last run, when the sweep's runner recycles it
	links     []linkSetting
	dnsDelay  time.Duration
	rules     []simnet.Rule // fault rules the scenario states
	drawn     []simnet.Rule // fault rules drawn from the seed by Sweep
	events    []simnet.Event
	recording bool
	stopAt    time.Duration // virtual time the run is cut at; 0 for the default

	servers []*serverState
	client  clientState
	service *serviceState // a real service the client talks to instead of the servers; nil on the simulated network
	gram    grammarState

	teardown teardown // when the servers close

	plan    []func() // actions of the main script, in step order
	started bool
	// failed collects errors raised inside loop callbacks (an action that
	// could not be done); the next assertion reports them.
	failed []error
	// failure is why the scenario failed, once it finished; nil if it passed.
	failure error
}

// linkSetting is one link between two hosts.
type linkSetting struct {
	a, b string
	link simnet.Link
}

// Host names every scenario uses; feature files name them too.
const (
	clientHost = "client"
	serverHost = "server"
)

// referenceLink joins the client and the server unless a scenario sets the
// link: Node's reference traces were recorded over 127.0.0.1, so no latency
// and loopback's segment size. (With latency the order across the two ends
// changes: the client hears of its connect a round trip before the server
// accepts.)
var referenceLink = simnet.Link{MSS: simnet.LoopbackMSS}

// withReferenceLink is the option of the reference link, made once: made
// for each world, its closure was garbage once the world passed.
var withReferenceLink = simnet.WithLink(referenceLink)

// maxVirtualTime is how long a scenario may run in virtual time before it
// is cut, so a world that never settles (a server left listening with its
// periodic checks) still ends; the assertions then judge what happened.
const maxVirtualTime = time.Hour

// maxCallbacks bounds the callbacks one settle may run: a livelock in the
// simulation fails the scenario instead of hanging the run.
const maxCallbacks = 5_000_000

func newWorld(s *suite) *world {
	return &world{suite: s, seed: s.seed, recording: true, client: newClientState()}
}

// keptObjects are what the steps of a recycled world's last run made
// before its simulated world existed, emptied, for the steps of its next
// run to fill again rather than allocate (worldNew serves the objects
// made once it exists).
type keptObjects struct {
	servers []*serverState
	specs   []*requestSpec
	text    []byte // sugarOf's scratch
}

// reuse returns an emptied object of kept in place of allocating one,
// with v in it, or a new one while kept is empty.
func reuse[T any](kept *[]*T, v T) *T {
	var p *T
	if n := len(*kept); n > 0 {
		p = (*kept)[n-1]
		(*kept)[n-1] = nil
		*kept = (*kept)[:n-1]
	} else {
		p = new(T)
	}
	*p = v
	return p
}

// empty makes w, whose simulated world was released, a world for the
// next run of the same scenario, which names its suite and seed: as
// newWorld makes it, but keeping the
// spares, the maps and arrays the run grew and the objects its steps
// made, emptied. Nothing of the run stays reachable from w: once its
// simulated world is released, nothing of the run is used again.
func (w *world) empty() {
	kept := w.kept
	for _, srv := range w.servers {
		clear(srv.perConn)
		*srv = serverState{perConn: srv.perConn, received: emptied(srv.received), bodies: emptied(srv.bodies), sent: emptied(srv.sent)}
		kept.servers = append(kept.servers, srv)
	}
	for _, sp := range w.client.specs {
		*sp = requestSpec{}
		kept.specs = append(kept.specs, sp)
	}
	reg := w.gram.reg
	clear(reg.objs)
	clear(reg.waiting)
	clear(reg.each)
	clear(w.gram.noListen)
	gram := grammarState{reg: reg, noListen: w.gram.noListen, values: emptied(w.gram.values)}
	client := clientState{specs: emptied(w.client.specs), requests: emptied(w.client.requests), raws: emptied(w.client.raws)}
	links, rules, servers, failed := emptied(w.links), emptied(w.rules), emptied(w.servers), emptied(w.failed)
	*w = world{
		recording: true, spares: w.spares, kept: kept,
		links: links, rules: rules, servers: servers, failed: failed, client: client, gram: gram,
	}
}

// emptied is b's array, cleared so that it keeps nothing alive, for
// appending to again.
func emptied[T any](b []T) []T {
	clear(b)
	return b[:0]
}

// begin names the scenario before its first step.
func (w *world) begin(uri string, line int, sweep bool) {
	w.uri, w.line, w.sweep = uri, line, sweep
}

// ref is the FILE:LINE that runs this scenario alone.
func (w *world) ref() string { return w.uri + ":" + strconv.Itoa(w.line) }

// reproduce is the command that repeats this scenario exactly.
func (w *world) reproduce() string {
	if w.suite.faults != nil {
		return fmt.Sprintf("simhttp sweep %s --seeds %d-%d", w.ref(), w.seed, w.seed)
	}
	return fmt.Sprintf("simhttp trace %s --seed %d", w.ref(), w.seed)
}

// do runs fn as part of the main script: queued until the world starts,
// at once on a world that has already run.
func (w *world) do(fn func()) {
	if !w.started {
		w.plan = append(w.plan, fn)
		return
	}
	fn()
}

// fail records an error met inside the simulation; the scenario fails at
// its next assertion with it.
func (w *world) fail(err error) {
	w.failed = append(w.failed, err)
}

// start builds the simulated world from what the steps described.
func (w *world) start() error {
	if w.started {
		return nil
	}
	w.started = true
	// Room for every option: the array stays on the stack, where growing
	// it by append moved it to the heap twice for every world.
	opts := make([]simnet.Option, 0, 5)
	opts = append(opts, withReferenceLink)
	if w.dnsDelay != 0 {
		// The default is none: its option's closure was garbage per world.
		opts = append(opts, simnet.WithDNSLatency(w.dnsDelay))
	}
	if w.suite.bareNet {
		opts = append(opts, simnet.WithoutNetDetail(), simnet.WithoutUncaughtTrace())
	}
	if w.spares != nil {
		opts = append(opts, simnet.WithSpares(w.spares))
	}
	sim, err := simnet.NewWorld(w.seed, opts...)
	if err != nil {
		return err
	}
	w.sim = sim
	loop := sim.Loop()
	sim.FollowHTTP(func() simnet.HTTPFollower { return httpcore.NewFollowerIn(loop) })
	sim.Loop().Events().Observe(w.observe)
	if w.suite.onStart != nil {
		w.suite.onStart(w)
	}
	if _, err := sim.AddHost(clientHost); err != nil {
		return err
	}
	if _, err := sim.AddHost(serverHost); err != nil {
		return err
	}
	for _, s := range w.servers {
		if s.host != serverHost && sim.Host(s.host) == nil {
			if _, err := sim.AddHost(s.host); err != nil {
				return err
			}
		}
	}
	for _, l := range w.links {
		if err := sim.SetLink(l.a, l.b, l.link); err != nil {
			return err
		}
	}
	if w.suite.faults != nil && w.sweep {
		w.drawn = w.suite.faults.rules(w.seed)
	}
	if w.service != nil {
		if err := w.startServiceWorld(); err != nil {
			return err
		}
	}
	// The scenario's rules, then the drawn ones, each list read in place:
	// a joined copy cost every world an allocation. With a service, its
	// proxy carries them.
	if w.service == nil {
		for _, rules := range [...][]simnet.Rule{w.rules, w.drawn} {
			for _, r := range rules {
				if _, err := sim.AddRule(r); err != nil {
					return fmt.Errorf("fault rule %s: %w", r.String(), err)
				}
			}
		}
	}
	for _, s := range w.servers {
		if err := w.startServer(s); err != nil {
			return err
		}
	}
	if err := w.startClient(); err != nil {
		return err
	}
	plan := w.plan
	w.plan = nil
	// The reference scripts start each case inside a setImmediate, so that
	// a process and a worker thread agree on what runs before the loop's
	// first poll; the scenario's script starts there too.
	w.loop().SetImmediate(func() {
		for _, fn := range plan {
			fn()
		}
	})
	return nil
}

// worldNew returns a copy of v that belongs to the world: taken from the
// spares of its simulated world's loop (simnet.Alloc), so that the world's
// release hands it to the sweep's next world of the scenario rather than
// to the collector, as it does the world's own objects. Before the world
// starts there is no loop and v is allocated as usual. Nothing may keep
// what it returns past the world's release.
func worldNew[T any](w *world, v T) *T {
	var p *T
	if w.sim == nil {
		// Not &v, which would move v to the heap on every call.
		p = new(T)
	} else {
		p = simnet.Alloc[T](w.sim.Loop())
	}
	*p = v
	return p
}

// loop is the loop the client runs on: the simulated world's, or the
// real-TCP runtime's when the scenario talks to a real service.
func (w *world) loop() *simnet.Loop {
	if w.service != nil && w.service.rt != nil {
		return w.service.rt.Loop()
	}
	return w.sim.Loop()
}

// clientRuntime is where the client's sockets live.
func (w *world) clientRuntime() simnet.Runtime {
	if w.service != nil && w.service.rt != nil {
		return w.service.rt
	}
	return w.sim.Host(clientHost)
}

// observe records an event. As in the reference scripts, the global
// agent's events are left out unless the scenario asks for them.
func (w *world) observe(ev simnet.Event) {
	if !w.recording || (ev.Obj == "agent" && w.client.agentOpts == nil && !w.client.traceGlobal) {
		return
	}
	w.events = append(w.events, ev)
}

// mark puts a test:mark:NAME event in the trace, as the reference scripts'
// T.mark does.
func (w *world) mark(name string, detail map[string]any) {
	w.loop().Events().Emit(simnet.Event{Obj: "test", ID: 1, Name: "mark:" + name, Detail: detail})
}

// settle starts the world if needed and runs the loop until nothing is
// left to run, the stop time, or the bounds.
func (w *world) settle() error {
	if err := w.start(); err != nil {
		return w.scenarioErr(err)
	}
	if w.service != nil {
		if err := w.runService(); err != nil {
			return w.scenarioErr(fmt.Errorf("the run stopped: %w", err))
		}
		if len(w.failed) > 0 {
			return w.scenarioErr(errors.Join(w.failed...))
		}
		return nil
	}
	loop := w.sim.Loop()
	limit := w.stopAt
	if limit == 0 {
		limit = maxVirtualTime
	}
	for n := 0; ; n++ {
		if n == maxCallbacks {
			return w.scenarioErr(fmt.Errorf("the simulation ran %d callbacks without settling (at virtual time %v)", maxCallbacks, loop.Now()))
		}
		ran, err := loop.StepUntil(limit)
		if err != nil {
			return w.scenarioErr(fmt.Errorf("the simulation stopped: %w", err))
		}
		if !ran {
			break
		}
	}
	if w.stopAt == 0 {
		// The world went idle: whatever a sentence still waits for will
		// never come.
		if err := w.neverCreated(); err != nil {
			w.fail(err)
		}
	}
	if len(w.failed) > 0 {
		return w.scenarioErr(errors.Join(w.failed...))
	}
	return nil
}

// scenarioErr marks an error of the simulation itself.
func (w *world) scenarioErr(err error) error {
	return fmt.Errorf("the scenario's world: %w", err)
}

// reproducible wraps a step function so that the error it returns tells
// the seed and the command that repeats the scenario: step functions have
// many signatures, so the wrapper is built by reflection.
func (w *world) reproducible(fn any) any {
	v := reflect.ValueOf(fn)
	return reflect.MakeFunc(v.Type(), func(args []reflect.Value) []reflect.Value {
		out := v.Call(args)
		last := out[len(out)-1]
		if err, ok := last.Interface().(error); ok && err != nil {
			out[len(out)-1] = reflect.ValueOf(w.stepFailed(err))
		}
		return out
	}).Interface()
}

// stepFailed is a step's error err telling the seed and the command that
// repeats the scenario, for godog's steps (reproducible) and the sweep's
// (matchedStep.run) alike.
func (w *world) stepFailed(err error) *stepFailure {
	return &stepFailure{err: err, seed: w.seed, reproduce: w.reproduce()}
}

// stepFailure is a failed step's error with what repeats it.
type stepFailure struct {
	err       error
	seed      uint64
	reproduce string
}

func (e *stepFailure) Error() string {
	return fmt.Sprintf("%v\n  seed %d; reproduce with: %s", e.err, e.seed, e.reproduce)
}

func (e *stepFailure) Unwrap() error { return e.err }

// finish writes the scenario's trace when the run asked for them.
func (w *world) finish() error {
	w.stopService()
	if w.suite.traceDir == "" || !w.started {
		return nil
	}
	name := strings.NewReplacer("/", "_", "\\", "_", ":", "-").Replace(w.uri) + "-" + strconv.Itoa(w.line) + ".jsonl"
	f, err := os.Create(filepath.Join(w.suite.traceDir, name))
	if err != nil {
		return fmt.Errorf("writing the trace: %w", err)
	}
	bw := bufio.NewWriter(f)
	tw := simnet.NewTraceWriter(bw, true)
	for _, ev := range w.events {
		tw.Observe(ev)
	}
	err = errors.Join(tw.Err(), bw.Flush(), f.Close())
	if err != nil {
		return fmt.Errorf("writing the trace %s: %w", name, err)
	}
	return nil
}
