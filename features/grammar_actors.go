package features

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/simhttp/simhttp/httpcore"
	"github.com/simhttp/simhttp/simnet"
)

// actorKind is what a grammar actor names.
type actorKind int

const (
	actorServer         actorKind = iota // the server, server "b": http.Server
	actorClient                          // the client: makes requests
	actorAgent                           // the agent: http.Agent
	actorRequest                         // request #N: ClientRequest
	actorResponse                        // response #N: the client's IncomingMessage
	actorServerRequest                   // server request #N: the server's IncomingMessage
	actorServerResponse                  // server response #N: ServerResponse
	actorRaw                             // raw client #N: a plain net.Socket
	actorNetwork                         // the network
	actorSocket                          // <actor>'s socket
)

var actorKindNames = [...]string{"the server", "the client", "the agent", "a request", "a response", "a server request", "a server response", "a raw client", "the network", "a socket"}

func (k actorKind) String() string { return actorKindNames[k] }

// actor is a grammar actor as written: its kind, its number for the
// numbered kinds, and whether the sentence means its socket.
type actor struct {
	kind   actorKind
	n      int    // 1-based; numbered kinds only
	server string // named server; "" for the default one
	socket bool   // "<actor>'s socket"
	every  bool   // every request, every response: each one, as it is made
	it     bool   // the one of every request (response) whose event triggered
}

// key names the object an actor refers to, without its socket.
type actorKey struct {
	kind   actorKind
	n      int
	server string
}

// key names the object an actor refers to; every request (response) is
// number 0.
func (a actor) key() actorKey { return actorKey{a.kind, a.n, a.server} }

// methodsKind is the method table an actor's calls go to.
func (a actor) methodsKind() actorKind {
	if a.socket || a.kind == actorRaw {
		return actorSocket
	}
	return a.kind
}

func (a actor) String() string {
	var s string
	switch a.kind {
	case actorServer:
		s = "the server"
		if a.server != "" {
			s = strconv.Quote(a.server)
			s = "server " + s
		}
	case actorClient:
		s = "the client"
	case actorAgent:
		s = "the agent"
	case actorNetwork:
		s = "the network"
	case actorRequest:
		s = "request #" + strconv.Itoa(a.n)
	case actorResponse:
		s = "response #" + strconv.Itoa(a.n)
	case actorServerRequest:
		s = "server request #" + strconv.Itoa(a.n)
	case actorServerResponse:
		s = "server response #" + strconv.Itoa(a.n)
	case actorRaw:
		s = "raw client #" + strconv.Itoa(a.n)
	}
	if a.every {
		s = "every " + strings.TrimPrefix(a.kind.String(), "a ")
	}
	if a.it {
		s = "it"
	}
	if a.socket {
		s += "'s socket"
	}
	return s
}

var actorAt = regexp.MustCompile(`^(?:the (server request|server response|raw client|server|client|agent|network|request|response)|server "([a-z][a-z0-9-]*)"|(server request|server response|raw client|request|response) #(\d+))('s socket)?`)

// parseActor reads an actor at the start of text and returns the rest.
func parseActor(text string) (actor, string, error) {
	if a, rest, ok := parseEvery(text); ok {
		return a, rest, nil
	}
	if rest, ok := strings.CutPrefix(text, "it "); ok {
		return actor{it: true}, " " + rest, nil
	}
	m := actorAt.FindStringSubmatchIndex(text)
	if m == nil {
		return actor{}, text, fmt.Errorf("want an actor (the server, the client, the agent, request #N, response #N, server request #N, server response #N, raw client #N, the network, every request, every response, or one of them followed by 's socket) at %q", clip(text))
	}
	group := func(i int) string {
		if m[2*i] < 0 {
			return ""
		}
		return text[m[2*i]:m[2*i+1]]
	}
	a := actor{n: 1}
	name := group(1)
	if name == "" {
		name = group(3)
	}
	if group(2) != "" {
		name, a.server = "server", group(2)
	}
	a.kind = map[string]actorKind{
		"server": actorServer, "client": actorClient, "agent": actorAgent, "network": actorNetwork,
		"request": actorRequest, "response": actorResponse, "server request": actorServerRequest,
		"server response": actorServerResponse, "raw client": actorRaw,
	}[name]
	if n := group(4); n != "" {
		v, err := strconv.Atoi(n)
		if err != nil || v < 1 {
			return a, text, fmt.Errorf("%s #%s: objects are numbered from 1", name, n)
		}
		a.n = v
	}
	if group(5) != "" {
		switch a.kind {
		case actorClient, actorAgent, actorNetwork, actorServer:
			return a, text, fmt.Errorf("%s has no socket of its own (name a request, a response, a server request or response, or a raw client)", a)
		}
		a.socket = a.kind != actorRaw
	}
	if a.kind == actorServer || a.kind == actorClient || a.kind == actorAgent || a.kind == actorNetwork {
		a.n = 0
	}
	return a, text[m[1]:], nil
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// target is the live object an actor stands for, once it exists.
type target struct {
	server *serverState
	req    *reqState
	res    *httpcore.IncomingMessage // a client response
	x      *exchange                 // a server request and its response
	raw    *rawClient
	agent  *httpcore.Agent
	sock   *simnet.Socket
}

// socket is the socket under a target, or nil while it has none.
func (t *target) socket() *simnet.Socket {
	switch {
	case t.sock != nil:
		return t.sock
	case t.raw != nil:
		return t.raw.sock
	case t.x != nil:
		return t.x.req.Socket()
	case t.res != nil:
		return t.res.Socket()
	case t.req != nil && t.req.req != nil:
		return t.req.req.Socket()
	}
	return nil
}

// registry tracks the objects grammar actors name: each is "born" when
// the simulation creates it, and what waits for it runs then.
type registry struct {
	objs    map[actorKey]*target
	waiting map[actorKey][]waiter
	each    map[actorKind][]func(*target) // what every request or response does
}

// waiter is a sentence waiting for an object to exist.
type waiter struct {
	sentence string
	fn       func(*target)
}

// born records that the object of key exists and runs what waited for it.
func (w *world) born(k actorKey, t *target) {
	r := &w.gram.reg
	if r.objs == nil {
		r.objs = map[actorKey]*target{}
	}
	r.objs[k] = t
	for _, fn := range r.each[k.kind] {
		fn(t)
	}
	waiting := r.waiting[k]
	delete(r.waiting, k)
	for _, wt := range waiting {
		wt.fn(t)
	}
}

// await runs fn with the object of key as soon as it exists; sentence is
// what waits, for the error if it never does.
func (w *world) await(k actorKey, sentence string, fn func(*target)) {
	r := &w.gram.reg
	if t := r.objs[k]; t != nil {
		fn(t)
		return
	}
	if r.waiting == nil {
		r.waiting = map[actorKey][]waiter{}
	}
	r.waiting[k] = append(r.waiting[k], waiter{sentence, fn})
}

// neverCreated reports the objects sentences waited for that the run
// never created: a scenario naming request #3 when two requests are made
// is a mistake, not a quiet success.
func (w *world) neverCreated() error {
	var errs []string
	for k, ws := range w.gram.reg.waiting {
		errs = append(errs, fmt.Sprintf("%s never existed, so %q never ran", actor{kind: k.kind, n: k.n, server: k.server}, ws[0].sentence))
	}
	if len(errs) == 0 {
		return nil
	}
	sort.Strings(errs)
	return errors.New(strings.Join(errs, "; "))
}

// resolve returns the live target of an actor now, or an error saying it
// does not exist yet.
func (w *world) resolve(a actor) (*target, error) {
	switch a.kind {
	case actorClient:
		return worldNew(w, target{}), nil
	case actorNetwork:
		return worldNew(w, target{}), nil
	}
	t := w.gram.reg.objs[a.key()]
	if t == nil {
		return nil, fmt.Errorf("%s does not exist yet at %v", actor{kind: a.kind, n: a.n, server: a.server}, w.loop().Now())
	}
	if !a.socket {
		return t, nil
	}
	s := t.socket()
	if s == nil {
		return nil, fmt.Errorf("%s has no socket yet at %v", actor{kind: a.kind, n: a.n, server: a.server}, w.loop().Now())
	}
	return worldNew(w, target{sock: s}), nil
}

// emittedBy lists the events a trigger can wait for on each kind of actor.
var emittedBy = map[actorKind][]string{
	actorServer:         {"listening", "connection", "request", "checkContinue", "checkExpectation", "clientError", "connect", "upgrade", "dropRequest", "timeout", "close", "error"},
	actorAgent:          {"free"},
	actorRequest:        {"socket", "connect", "continue", "information", "response", "upgrade", "timeout", "prefinish", "finish", "abort", "drain", "error", "close"},
	actorResponse:       {"data", "end", "aborted", "timeout", "error", "close"},
	actorServerRequest:  {"data", "end", "aborted", "timeout", "error", "close"},
	actorServerResponse: {"prefinish", "finish", "drain", "timeout", "error", "close"},
	actorSocket:         {"lookup", "connect", "ready", "data", "end", "finish", "drain", "timeout", "error", "close"},
}

// listen adds a listener for event to a live target: fn runs at the first
// emission (every emission when every is set). A bare listener (fn nil)
// is the scenario choosing to listen, which changes what Node does.
func listen(t *target, kind actorKind, event string, every bool, fn func()) error {
	if fn == nil {
		fn = func() {}
	}
	var events any
	switch kind {
	case actorServer:
		if t.server.srv == nil {
			return fmt.Errorf("the raw server emits no '%s' a scenario can listen for", event)
		}
		events = &t.server.srv.Events
	case actorAgent:
		events = &t.agent.Events
	case actorRequest:
		events = &t.req.req.Events
	case actorResponse:
		events = &t.res.Events
	case actorServerRequest:
		events = &t.x.req.Events
	case actorServerResponse:
		events = &t.x.res.Events
	case actorSocket:
		s := t.socket()
		if s == nil {
			return fmt.Errorf("no socket yet")
		}
		events = &s.Events
	default:
		return fmt.Errorf("%s emits no events", kind)
	}
	if !contains(emittedBy[kind], event) {
		return fmt.Errorf("%s emits no '%s'", kind, event)
	}
	return addListener(events, event, every, fn)
}

// addListener adds fn to the emitter of event in an Events struct: each
// event is the field named after it (clientError is ClientError), or, for
// the rare events an emitter is made for on demand, the method of that
// name; every emitter has On and Once taking a func of its value.
func addListener(events any, event string, every bool, fn func()) error {
	emitter, err := emitterOf(events, event)
	if err != nil {
		return err
	}
	// The emitters a sweep listens to take a listener of their own type:
	// through reflect's MakeFunc and Call one costs five allocations.
	switch e := emitter.Interface().(type) {
	case *simnet.Emitter[error]:
		listenTo(e, every, fn)
		return nil
	case *simnet.Emitter[struct{}]:
		listenTo(e, every, fn)
		return nil
	case *simnet.Emitter[*simnet.Socket]:
		listenTo(e, every, fn)
		return nil
	}
	op := "Once"
	if every {
		op = "On"
	}
	m := methodIndex(emitter.Type(), op)
	if m < 0 {
		return fmt.Errorf("'%s' has no %s", event, op)
	}
	add := emitter.Method(m)
	listener := reflect.MakeFunc(add.Type().In(0), func([]reflect.Value) []reflect.Value {
		fn()
		return nil
	})
	add.Call([]reflect.Value{listener})
	return nil
}

// listenTo adds fn to e, for every event or the next.
func listenTo[T any](e *simnet.Emitter[T], every bool, fn func()) {
	listener := func(T) { fn() }
	if every {
		e.On(listener)
	} else {
		e.Once(listener)
	}
}

// emitterOf is the emitter of event in an Events struct.
func emitterOf(events any, event string) (reflect.Value, error) {
	name := goNameOf(event)
	v := reflect.ValueOf(events)
	if field := fieldIndex(v.Type().Elem(), name); field != nil {
		return v.Elem().FieldByIndex(field).Addr(), nil
	}
	if m := methodIndex(v.Type(), name); m >= 0 && v.Method(m).Type().NumIn() == 0 && v.Method(m).Type().NumOut() == 1 {
		return v.Method(m).Call(nil)[0], nil
	}
	return reflect.Value{}, fmt.Errorf("no emitter for '%s'", event)
}

// goNames keeps the Go name of each event addListener was given (error is
// Error), one of the few each actor emits: upper-casing it afresh cost two
// allocations a listener.
var goNames sync.Map // string -> string

// goNameOf is event's name as a Go field or method: its first letter upper-cased.
func goNameOf(event string) string {
	if name, ok := goNames.Load(event); ok {
		return name.(string)
	}
	name := strings.ToUpper(event[:1]) + event[1:]
	goNames.Store(event, name)
	return name
}

// memberKey names a field or method of a type.
type memberKey struct {
	t      reflect.Type
	name   string
	method bool
}

// members keeps where each field and method addListener looked up is:
// reflect finds them by name afresh on every call, allocating as it
// searches, and a sweep attaches listeners in every world of every seed.
var members sync.Map // memberKey -> []int (a field's index) or int (a method's, -1 for none)

// fieldIndex is the index of struct t's field name for FieldByIndex, or
// nil when it has none.
func fieldIndex(t reflect.Type, name string) []int {
	k := memberKey{t, name, false}
	if at, ok := members.Load(k); ok {
		return at.([]int)
	}
	var index []int
	if f, ok := t.FieldByName(name); ok {
		index = f.Index
	}
	members.Store(k, index)
	return index
}

// methodIndex is the index of t's method name for Method, or -1 when it
// has none.
func methodIndex(t reflect.Type, name string) int {
	k := memberKey{t, name, true}
	if at, ok := members.Load(k); ok {
		return at.(int)
	}
	index := -1
	if m, ok := t.MethodByName(name); ok {
		index = m.Index
	}
	members.Store(k, index)
	return index
}
