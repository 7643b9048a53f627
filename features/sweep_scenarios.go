package features

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/cucumber/godog"
	messages "github.com/cucumber/messages/go/v21"

	"github.com/simhttp/simhttp/simnet"
)

// sweepScenarios are the scenarios every seed of a sweep runs, each step
// already matched to its definition: made once per sweep and only read by
// the seeds, which may run side by side.
//
// A sweep runs them itself rather than through godog. Its report needs
// nothing godog's formatters give, and godog, run once per seed, parsed
// the files again, kept every step's result in a go-memdb store and
// matched and bound every step anew: two thirds of a seed's CPU and four
// fifths of its allocations. The runner follows godog's order and outcomes (see
// runScenario); TestSweepScenariosRunAsGodogDoes holds it to them.
type sweepScenarios struct {
	catalog   *catalog
	scenarios []matchedScenario
}

// matchedScenario is one pickle with its steps matched.
type matchedScenario struct {
	pickle *messages.Pickle
	steps  []matchedStep
	// events is how many events its last run recorded, the room its next
	// world's record starts with rather than growing to it by doubling (a
	// sixth of a seed's bytes). Seeds running side by side race to set it;
	// only the room depends on which wins.
	events atomic.Int64
	// spare holds event records (*[]simnet.Event) of finished runs that
	// nothing kept, for later runs to fill again instead of allocating and
	// zeroing a record per run (a sixth of a seed's bytes).
	spare sync.Pool
	// worlds holds *world: this scenario's last passing worlds, emptied,
	// with their simulated worlds' objects in their spares, for its next
	// run to reuse rather than allocate (a third of a seed's bytes). A
	// run takes one and gives it back when it passed and nothing keeps its
	// record, so nothing of it can reach the next run.
	worlds sync.Pool
}

// matchedStep is one step: its definition and what it is called with,
// converted once per sweep.
type matchedStep struct {
	def    *stepDef
	in     []reflect.Value // the pattern's captures, then the step's table or doc string
	args   []any           // in, as callDirect passes them
	argErr error           // why the step's text cannot give the definition's parameters
}

// matchScenarios prepares the scenarios godog would run for paths (FILE or
// FILE:LINE, as runnable gives them) in godog's order: path by path, a
// path named twice once, each file's scenarios as written; with tag set,
// only the scenarios carrying it. A scenario without steps is left out,
// as godog starts none of its hooks. Every step must match exactly one
// definition, as runnable has checked.
func matchScenarios(c *catalog, paths []string, tag string) (*sweepScenarios, error) {
	out := &sweepScenarios{catalog: c}
	seen := map[string]bool{}
	for _, p := range paths {
		if seen[p] {
			continue
		}
		seen[p] = true
		uri, line := splitRef(p)
		f := c.file(uri)
		if f == nil {
			return nil, fmt.Errorf("features: %s: no such feature among those loaded", p)
		}
		for _, pk := range f.scenariosAt(line) {
			if tag != "" && !pickleTagged(pk, tag) {
				continue
			}
			if len(pk.Steps) == 0 {
				continue
			}
			var steps []matchedStep
			for _, st := range pk.Steps {
				m, err := matchOne(f, st)
				if err != nil {
					return nil, err
				}
				steps = append(steps, m)
			}
			out.scenarios = append(out.scenarios, matchedScenario{pickle: pk, steps: steps})
		}
	}
	return out, nil
}

// pickleTagged reports whether the scenario carries tag.
func pickleTagged(p *messages.Pickle, tag string) bool {
	return slices.ContainsFunc(p.Tags, func(t *messages.PickleTag) bool { return t.Name == tag })
}

func matchOne(f *featureFile, st *messages.PickleStep) (matchedStep, error) {
	defs := matchStep(st.Text)
	if len(defs) != 1 {
		return matchedStep{}, &FeatureError{File: f.uri, Line: f.stepLine(st), Err: fmt.Errorf("step %q matches %d step definitions, want exactly one", st.Text, len(defs))}
	}
	var args []any
	for _, s := range defs[0].regexp().FindStringSubmatch(st.Text)[1:] {
		args = append(args, s)
	}
	if st.Argument != nil {
		args = append(args, st.Argument)
	}
	m := matchedStep{def: defs[0]}
	// A definition is a method of the world, so its type does not depend
	// on which world it is bound to.
	m.in, m.argErr = stepArgs(reflect.TypeOf(defs[0].bind(&world{})), args)
	for _, v := range m.in {
		m.args = append(m.args, v.Interface())
	}
	return m, nil
}

// run runs every scenario on s, one after another.
func (ss *sweepScenarios) run(s *suite) {
	for i := range ss.scenarios {
		s.runScenario(&ss.scenarios[i])
	}
}

// runScenario runs one scenario in a fresh world as godog runs it with
// Strict set: the scenario starts, its steps run until one fails, and it
// finishes with that step's error, a panic counting as an error of its
// message, a skip before the last step as none.
func (s *suite) runScenario(sc *matchedScenario) {
	var w *world
	if s.recycleEvents {
		if w, _ = sc.worlds.Get().(*world); w != nil {
			w.suite, w.seed = s, s.seed
		}
	}
	if w == nil {
		w = newWorld(s)
		if s.recycleEvents {
			w.spares = simnet.NewSpares()
		}
	}
	var record *[]simnet.Event
	if s.recycleEvents {
		record, _ = sc.spare.Get().(*[]simnet.Event)
	}
	if record != nil {
		w.events = (*record)[:0]
	} else {
		w.events = make([]simnet.Event, 0, sc.events.Load())
	}
	s.startScenario(w, sc.pickle)
	var err error
	for i := range sc.steps {
		if err = sc.steps[i].run(w); err != nil {
			// godog finishes a scenario with its last step's error, and
			// the steps it skips after a godog.ErrSkip have none.
			if errors.Is(err, godog.ErrSkip) && i < len(sc.steps)-1 {
				err = nil
			}
			break
		}
	}
	s.finishScenario(w, err)
	sc.events.Store(int64(len(w.events)))
	if s.recycleEvents {
		// Cleared so the spare record keeps no finished run's details
		// and payloads alive.
		clear(w.events)
		if record == nil {
			record = new([]simnet.Event)
		}
		*record, w.events = w.events, nil
		sc.spare.Put(record)
	}
	// A failed world's objects may be reached from its failure, which is
	// reported later: they go to the collector with it, as do those of a
	// world Release refuses.
	if w.spares != nil && w.failure == nil && w.sim != nil && w.service == nil && w.sim.Release() == nil {
		w.empty()
		sc.worlds.Put(w)
	}
}

// run calls the step's definition on w with the arguments matchOne
// converted as godog converts them, and wraps a failure as godog's steps
// are wrapped (world.stepFailed).
func (m *matchedStep) run(w *world) (err error) {
	defer func() {
		if e := recover(); e != nil {
			err = &stepPanic{value: e}
		}
	}()
	if m.argErr != nil {
		return m.argErr
	}
	fn := m.def.bind(w)
	called, err := callDirect(fn, m.args)
	if !called {
		err, _ = reflect.ValueOf(fn).Call(m.in)[0].Interface().(error)
	}
	if err != nil {
		return w.stepFailed(err)
	}
	return nil
}

// callDirect calls a definition of one of the shapes the bundled @sweep
// scenarios use with its arguments, and reports whether fn had one: a call
// through reflect costs about three allocations, and a seed makes 21.
func callDirect(fn any, a []any) (called bool, err error) {
	switch f := fn.(type) {
	case func() error:
		return true, f()
	case func(string) error:
		return true, f(a[0].(string))
	case func(string, string) error:
		return true, f(a[0].(string), a[1].(string))
	case func(string, string, string) error:
		return true, f(a[0].(string), a[1].(string), a[2].(string))
	case func(int, string) error:
		return true, f(a[0].(int), a[1].(string))
	case func(*messages.PickleTable) error:
		return true, f(a[0].(*messages.PickleTable))
	case func(string, string, *messages.PickleTable) error:
		return true, f(a[0].(string), a[1].(string), a[2].(*messages.PickleTable))
	}
	return false, nil
}

// stepArgs converts a step's arguments to the parameters of a definition
// of type fn, as godog does for the types the vocabulary uses.
func stepArgs(fn reflect.Type, args []any) ([]reflect.Value, error) {
	if len(args) < fn.NumIn() {
		return nil, &stepArgError{fmt.Sprintf("func expected more arguments than given: expected %d arguments, matched %d from step", fn.NumIn(), len(args))}
	}
	in := make([]reflect.Value, fn.NumIn())
	for i := range in {
		param := fn.In(i)
		if param == reflect.TypeFor[*messages.PickleTable]() || param == reflect.TypeFor[*messages.PickleDocString]() {
			arg, ok := args[i].(*messages.PickleStepArgument)
			if !ok {
				return nil, &stepArgError{fmt.Sprintf("cannot convert argument %d: %q to %s", i, args[i], param)}
			}
			if param == reflect.TypeFor[*messages.PickleTable]() {
				in[i] = reflect.ValueOf(arg.DataTable)
			} else {
				in[i] = reflect.ValueOf(arg.DocString)
			}
			continue
		}
		s, ok := args[i].(string)
		if !ok {
			return nil, &stepArgError{fmt.Sprintf("cannot convert argument %d: a table or doc string to %s", i, param)}
		}
		switch param.Kind() {
		case reflect.String:
			in[i] = reflect.ValueOf(s)
		case reflect.Int, reflect.Int64:
			n, err := strconv.ParseInt(s, 10, param.Bits())
			if err != nil {
				return nil, &stepArgError{fmt.Sprintf("cannot convert argument %d: %q to %s: %v", i, s, param, err)}
			}
			in[i] = reflect.ValueOf(n).Convert(param)
		default:
			return nil, &stepArgError{fmt.Sprintf("func has unsupported parameter type: the parameter %d type %s is not supported", i, param)}
		}
	}
	return in, nil
}

// stepArgError is a step whose text cannot give its definition's
// parameters, worded as godog words it; matching every step to one
// definition and a test over the vocabulary leave only overflowing
// numbers to meet it.
type stepArgError struct{ msg string }

func (e *stepArgError) Error() string { return e.msg }

// stepPanic is a step that panicked, reported by what it panicked with,
// as godog reports one.
type stepPanic struct{ value any }

func (e *stepPanic) Error() string { return fmt.Sprint(e.value) }

// Unwrap gives the panic's value when it was an error.
func (e *stepPanic) Unwrap() error {
	err, _ := e.value.(error)
	return err
}
