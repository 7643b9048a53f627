package features

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/simhttp/simhttp/httpcore"
	"github.com/simhttp/simhttp/simnet"
)

// paramKind is the type of a grammar call's parameter.
type paramKind int

const (
	pNumber  paramKind = iota // a number (milliseconds for durations)
	pString                   // a string (bytes for bodies)
	pBool                     // true or false
	pError                    // new Error("message") or {code, message}
	pHeaders                  // {name: value} or [[name, value], ...]
	pValue                    // a header value: string, number or array of strings
	pStatus                   // writeHead's message or headers: a string or an object
)

var paramKindNames = [...]string{"a number", "a string", "true or false", "new Error(\"message\") or {code, message}", "an object {name: value}", "a string, a number or an array of strings", "a string or an object"}

// param is one parameter of a method: its Node name and type.
type param struct {
	name     string
	kind     paramKind
	optional bool
}

// method is one method of Node's http module a grammar call can make.
type method struct {
	name   string
	params []param
	// run calls the method on a live target; it returns the method's result
	// when the method is a getter (marked in the trace) and the error the
	// call threw.
	run func(w *world, t *target, a []value) (result any, thrown error)
	// returns says the method's result goes into the trace.
	returns bool
}

func (m *method) signature() string {
	parts := make([]string, len(m.params))
	for i, p := range m.params {
		parts[i] = p.name
		if p.optional {
			parts[i] = "[" + p.name + "]"
		}
	}
	return m.name + "(" + strings.Join(parts, ", ") + ")"
}

// check validates a call's arguments against the method, naming the
// argument at fault.
func (m *method) check(c call) error {
	required := 0
	for _, p := range m.params {
		if !p.optional {
			required++
		}
	}
	if len(c.args) < required || len(c.args) > len(m.params) {
		want := fmt.Sprintf("%d", required)
		if required != len(m.params) {
			want = fmt.Sprintf("%d to %d", required, len(m.params))
		}
		return fmt.Errorf("%s takes %s argument(s), got %d: %s", m.name, want, len(c.args), m.signature())
	}
	for i, v := range c.args {
		p := m.params[i]
		if !fits(p.kind, v) {
			return fmt.Errorf("%s: argument %d (%s) must be %s, got %s", m.signature(), i+1, p.name, paramKindNames[p.kind], v.src)
		}
	}
	return nil
}

func fits(k paramKind, v value) bool {
	switch k {
	case pNumber:
		return v.kind == vNumber
	case pString:
		return v.kind == vString
	case pBool:
		return v.kind == vBool
	case pError:
		return v.kind == vError || v.kind == vObject || v.kind == vNull
	case pHeaders:
		return v.kind == vObject || v.kind == vArray
	case pValue:
		if v.kind == vArray {
			for _, it := range v.items {
				if it.kind != vString && it.kind != vNumber {
					return false
				}
			}
			return true
		}
		return v.kind == vString || v.kind == vNumber
	case pStatus:
		return v.kind == vString || v.kind == vObject || v.kind == vArray
	}
	return false
}

func ms(v value) time.Duration {
	return time.Duration(math.Round(v.num * float64(time.Millisecond)))
}

func optErr(a []value, i int) error {
	if i >= len(a) || a[i].kind == vNull {
		return nil
	}
	return a[i].asError()
}

func optBytes(a []value, i int) []byte {
	if i >= len(a) {
		return nil
	}
	return []byte(a[i].str)
}

func optBool(a []value, i int, def bool) bool {
	if i >= len(a) {
		return def
	}
	return a[i].b
}

var (
	nameP  = param{name: "name", kind: pString}
	valueP = param{name: "value", kind: pValue}
	msecsP = param{name: "msecs", kind: pNumber}
	chunkP = param{name: "chunk", kind: pString}
	errorP = param{name: "error", kind: pError, optional: true}
)

// outgoingMethods are OutgoingMessage's methods, shared by requests and
// server responses.
func outgoingMethods(out func(t *target) *httpcore.OutgoingMessage) []*method {
	return []*method{
		{name: "setHeader", params: []param{nameP, valueP}, run: func(_ *world, t *target, a []value) (any, error) {
			return nil, out(t).SetHeader(a[0].str, a[1].asAny())
		}},
		{name: "appendHeader", params: []param{nameP, valueP}, run: func(_ *world, t *target, a []value) (any, error) {
			return nil, out(t).AppendHeader(a[0].str, a[1].asAny())
		}},
		{name: "removeHeader", params: []param{nameP}, run: func(_ *world, t *target, a []value) (any, error) {
			return nil, out(t).RemoveHeader(a[0].str)
		}},
		{name: "getHeader", params: []param{nameP}, returns: true, run: func(_ *world, t *target, a []value) (any, error) {
			return out(t).GetHeader(a[0].str), nil
		}},
		{name: "getHeaders", returns: true, run: func(_ *world, t *target, a []value) (any, error) {
			return out(t).GetHeaders(), nil
		}},
		{name: "getHeaderNames", returns: true, run: func(_ *world, t *target, a []value) (any, error) {
			return out(t).GetHeaderNames(), nil
		}},
		{name: "getRawHeaderNames", returns: true, run: func(_ *world, t *target, a []value) (any, error) {
			return out(t).GetRawHeaderNames(), nil
		}},
		{name: "hasHeader", params: []param{nameP}, returns: true, run: func(_ *world, t *target, a []value) (any, error) {
			return out(t).HasHeader(a[0].str), nil
		}},
		{name: "flushHeaders", run: func(_ *world, t *target, a []value) (any, error) {
			return nil, out(t).FlushHeaders()
		}},
		{name: "addTrailers", params: []param{{name: "headers", kind: pHeaders}}, run: func(_ *world, t *target, a []value) (any, error) {
			return nil, out(t).AddTrailers(a[0].headerFields())
		}},
		{name: "cork", run: func(_ *world, t *target, a []value) (any, error) { out(t).Cork(); return nil, nil }},
		{name: "uncork", run: func(_ *world, t *target, a []value) (any, error) { out(t).Uncork(); return nil, nil }},
		{name: "pipe", run: func(_ *world, t *target, a []value) (any, error) { return nil, out(t).Pipe() }},
	}
}

// methodsOf is every method a grammar call can make, per kind of actor.
var methodsOf = compileMethods()

func compileMethods() map[actorKind]map[string]*method {
	reqOut := func(t *target) *httpcore.OutgoingMessage { return &t.req.req.OutgoingMessage }
	resOut := func(t *target) *httpcore.OutgoingMessage { return &t.x.res.OutgoingMessage }
	incoming := func(in func(t *target) *httpcore.IncomingMessage) []*method {
		return []*method{
			{name: "destroy", params: []param{errorP}, run: func(_ *world, t *target, a []value) (any, error) {
				in(t).Destroy(optErr(a, 0))
				return nil, nil
			}},
			{name: "pause", run: func(_ *world, t *target, a []value) (any, error) { in(t).Pause(); return nil, nil }},
			{name: "resume", run: func(_ *world, t *target, a []value) (any, error) { in(t).Resume(); return nil, nil }},
			{name: "setTimeout", params: []param{msecsP}, run: func(_ *world, t *target, a []value) (any, error) {
				in(t).SetTimeout(ms(a[0]), nil)
				return nil, nil
			}},
		}
	}
	all := map[actorKind][]*method{
		actorServer: {
			{name: "close", run: func(w *world, t *target, a []value) (any, error) {
				w.closeServer(t.server)
				return nil, nil
			}},
			{name: "closeAllConnections", run: func(_ *world, t *target, a []value) (any, error) {
				t.server.srv.CloseAllConnections()
				return nil, nil
			}},
			{name: "closeIdleConnections", run: func(_ *world, t *target, a []value) (any, error) {
				t.server.srv.CloseIdleConnections()
				return nil, nil
			}},
			{name: "setTimeout", params: []param{msecsP}, run: func(_ *world, t *target, a []value) (any, error) {
				if a[0].num < 0 {
					return nil, outOfRange("msecs", int(a[0].num))
				}
				t.server.srv.SetTimeout(ms(a[0]), nil)
				return nil, nil
			}},
			{name: "listen", run: func(_ *world, t *target, a []value) (any, error) {
				return nil, t.server.srv.Listen(t.server.port, "", nil)
			}},
			{name: "ref", run: func(_ *world, t *target, a []value) (any, error) { t.server.srv.Ref(); return nil, nil }},
			{name: "unref", run: func(_ *world, t *target, a []value) (any, error) { t.server.srv.Unref(); return nil, nil }},
		},
		actorAgent: {
			{name: "destroy", run: func(_ *world, t *target, a []value) (any, error) { t.agent.Destroy(); return nil, nil }},
		},
		actorRequest: append([]*method{
			{name: "write", params: []param{chunkP}, run: func(_ *world, t *target, a []value) (any, error) {
				_, err := t.req.req.Write([]byte(a[0].str), nil)
				return nil, err
			}},
			{name: "end", params: []param{{name: "chunk", kind: pString, optional: true}}, run: func(_ *world, t *target, a []value) (any, error) {
				return nil, t.req.req.End(optBytes(a, 0), nil)
			}},
			{name: "destroy", params: []param{errorP}, run: func(w *world, t *target, a []value) (any, error) {
				t.req.req.Destroy(optErr(a, 0))
				return nil, nil
			}},
			{name: "abort", run: func(_ *world, t *target, a []value) (any, error) { t.req.req.Abort(); return nil, nil }},
			{name: "setTimeout", params: []param{msecsP}, run: func(_ *world, t *target, a []value) (any, error) {
				return nil, t.req.req.SetTimeout(ms(a[0]), nil)
			}},
			{name: "setNoDelay", params: []param{{name: "noDelay", kind: pBool, optional: true}}, run: func(_ *world, t *target, a []value) (any, error) {
				t.req.req.SetNoDelay(optBool(a, 0, true))
				return nil, nil
			}},
			{name: "setSocketKeepAlive", params: []param{{name: "enable", kind: pBool, optional: true}, {name: "initialDelay", kind: pNumber, optional: true}}, run: func(_ *world, t *target, a []value) (any, error) {
				var d time.Duration
				if len(a) > 1 {
					d = ms(a[1])
				}
				t.req.req.SetSocketKeepAlive(optBool(a, 0, false), d)
				return nil, nil
			}},
		}, outgoingMethods(reqOut)...),
		actorResponse:       incoming(func(t *target) *httpcore.IncomingMessage { return t.res }),
		actorServerRequest:  incoming(func(t *target) *httpcore.IncomingMessage { return t.x.req }),
		actorServerResponse: append(serverResponseMethods(), outgoingMethods(resOut)...),
		actorSocket:         socketMethods(),
	}
	out := map[actorKind]map[string]*method{}
	for k, ms := range all {
		out[k] = map[string]*method{}
		for _, m := range ms {
			out[k][m.name] = m
		}
	}
	return out
}

func serverResponseMethods() []*method {
	return []*method{
		{name: "write", params: []param{chunkP}, run: func(_ *world, t *target, a []value) (any, error) {
			t.x.write([]byte(a[0].str))
			return nil, nil
		}},
		{name: "end", params: []param{{name: "chunk", kind: pString, optional: true}}, run: func(_ *world, t *target, a []value) (any, error) {
			t.x.end(optBytes(a, 0))
			return nil, nil
		}},
		{name: "writeHead", params: []param{{name: "statusCode", kind: pNumber}, {name: "statusMessage", kind: pStatus, optional: true}, {name: "headers", kind: pHeaders, optional: true}}, run: func(_ *world, t *target, a []value) (any, error) {
			msg, i := "", 1
			if len(a) > 1 && a[1].kind == vString {
				msg, i = a[1].str, 2
			}
			var headers any
			if i < len(a) {
				headers = a[i].headerFields()
			}
			return nil, t.x.res.WriteHead(int(a[0].num), msg, headers)
		}},
		{name: "writeContinue", run: func(_ *world, t *target, a []value) (any, error) {
			t.x.res.WriteContinue(nil)
			return nil, nil
		}},
		{name: "writeProcessing", run: func(_ *world, t *target, a []value) (any, error) {
			t.x.res.WriteProcessing(nil)
			return nil, nil
		}},
		{name: "writeEarlyHints", params: []param{{name: "hints", kind: pHeaders}}, run: func(_ *world, t *target, a []value) (any, error) {
			return nil, t.x.res.WriteEarlyHints(a[0].headerFields(), nil)
		}},
		{name: "destroy", params: []param{errorP}, run: func(_ *world, t *target, a []value) (any, error) {
			t.x.res.Destroy(optErr(a, 0))
			return nil, nil
		}},
		{name: "setTimeout", params: []param{msecsP}, run: func(_ *world, t *target, a []value) (any, error) {
			t.x.res.SetTimeout(ms(a[0]), nil)
			return nil, nil
		}},
	}
}

func socketMethods() []*method {
	return []*method{
		{name: "write", params: []param{{name: "data", kind: pString}}, run: func(_ *world, t *target, a []value) (any, error) {
			t.socket().Write([]byte(a[0].str), nil)
			return nil, nil
		}},
		{name: "end", params: []param{{name: "data", kind: pString, optional: true}}, run: func(_ *world, t *target, a []value) (any, error) {
			t.socket().End(optBytes(a, 0), nil)
			return nil, nil
		}},
		{name: "destroy", params: []param{errorP}, run: func(_ *world, t *target, a []value) (any, error) {
			t.socket().Destroy(optErr(a, 0))
			return nil, nil
		}},
		{name: "resetAndDestroy", run: func(_ *world, t *target, a []value) (any, error) {
			t.socket().ResetAndDestroy()
			return nil, nil
		}},
		{name: "setTimeout", params: []param{{name: "timeout", kind: pNumber}}, run: func(_ *world, t *target, a []value) (any, error) {
			t.socket().SetTimeout(ms(a[0]))
			return nil, nil
		}},
		{name: "setNoDelay", params: []param{{name: "noDelay", kind: pBool, optional: true}}, run: func(_ *world, t *target, a []value) (any, error) {
			t.socket().SetNoDelay(optBool(a, 0, true))
			return nil, nil
		}},
		{name: "setKeepAlive", params: []param{{name: "enable", kind: pBool, optional: true}, {name: "initialDelay", kind: pNumber, optional: true}}, run: func(_ *world, t *target, a []value) (any, error) {
			var d time.Duration
			if len(a) > 1 {
				d = ms(a[1])
			}
			t.socket().SetKeepAlive(optBool(a, 0, false), d)
			return nil, nil
		}},
		{name: "pause", run: func(_ *world, t *target, a []value) (any, error) { t.socket().Pause(); return nil, nil }},
		{name: "resume", run: func(_ *world, t *target, a []value) (any, error) { t.socket().Resume(); return nil, nil }},
		{name: "cork", run: func(_ *world, t *target, a []value) (any, error) { t.socket().Cork(); return nil, nil }},
		{name: "uncork", run: func(_ *world, t *target, a []value) (any, error) { t.socket().Uncork(); return nil, nil }},
		{name: "ref", run: func(_ *world, t *target, a []value) (any, error) { t.socket().Ref(); return nil, nil }},
		{name: "unref", run: func(_ *world, t *target, a []value) (any, error) { t.socket().Unref(); return nil, nil }},
	}
}

// property is a property of a Node object a grammar sentence can set or
// read.
type property struct {
	kind paramKind
	set  func(t *target, v value) error // nil: read-only
	get  func(t *target) any
}

// propertiesOf is every property the grammar can set or read, per kind.
var propertiesOf = map[actorKind]map[string]*property{
	actorServer: {
		"timeout": {kind: pNumber, set: func(t *target, v value) error {
			t.server.srv.Timeout = ms(v)
			return nil
		}, get: func(t *target) any { return t.server.srv.Timeout.Milliseconds() }},
		"keepAliveTimeout": {kind: pNumber, set: func(t *target, v value) error {
			t.server.srv.KeepAliveTimeout = ms(v)
			return nil
		}, get: func(t *target) any { return t.server.srv.KeepAliveTimeout.Milliseconds() }},
		"headersTimeout": {kind: pNumber, set: func(t *target, v value) error {
			t.server.srv.HeadersTimeout = ms(v)
			return nil
		}, get: func(t *target) any { return t.server.srv.HeadersTimeout.Milliseconds() }},
		"requestTimeout": {kind: pNumber, set: func(t *target, v value) error {
			t.server.srv.RequestTimeout = ms(v)
			return nil
		}, get: func(t *target) any { return t.server.srv.RequestTimeout.Milliseconds() }},
		"maxHeadersCount": {kind: pNumber, set: func(t *target, v value) error {
			t.server.srv.MaxHeadersCount = int(v.num)
			return nil
		}, get: func(t *target) any { return t.server.srv.MaxHeadersCount }},
		"maxRequestsPerSocket": {kind: pNumber, set: func(t *target, v value) error {
			t.server.srv.MaxRequestsPerSocket = int(v.num)
			return nil
		}, get: func(t *target) any { return t.server.srv.MaxRequestsPerSocket }},
		"listening": {get: func(t *target) any { return t.server.srv.Listening() }},
	},
	actorServerResponse: {
		"statusCode": {kind: pNumber, set: func(t *target, v value) error {
			t.x.res.StatusCode = int(v.num)
			return nil
		}, get: func(t *target) any { return t.x.res.StatusCode }},
		"statusMessage": {kind: pString, set: func(t *target, v value) error {
			t.x.res.StatusMessage = v.str
			return nil
		}, get: func(t *target) any { return t.x.res.StatusMessage }},
		"sendDate": {kind: pBool, set: func(t *target, v value) error {
			t.x.res.SendDate = v.b
			return nil
		}, get: func(t *target) any { return t.x.res.SendDate }},
		"strictContentLength": {kind: pBool, set: func(t *target, v value) error {
			t.x.res.StrictContentLength = v.b
			return nil
		}, get: func(t *target) any { return t.x.res.StrictContentLength }},
		"headersSent":           {get: func(t *target) any { return t.x.res.HeadersSent() }},
		"finished":              {get: func(t *target) any { return t.x.res.Finished() }},
		"writableEnded":         {get: func(t *target) any { return t.x.res.WritableEnded() }},
		"writableFinished":      {get: func(t *target) any { return t.x.res.WritableFinished() }},
		"writableCorked":        {get: func(t *target) any { return t.x.res.WritableCorked() }},
		"writableLength":        {get: func(t *target) any { return t.x.res.WritableLength() }},
		"writableHighWaterMark": {get: func(t *target) any { return t.x.res.WritableHighWaterMark() }},
		"writableObjectMode":    {get: func(t *target) any { return t.x.res.WritableObjectMode() }},
		"destroyed":             {get: func(t *target) any { return t.x.res.Destroyed() }},
	},
	actorRequest: {
		"maxHeadersCount": {kind: pNumber, set: func(t *target, v value) error {
			t.req.req.MaxHeadersCount = int(v.num)
			return nil
		}, get: func(t *target) any { return t.req.req.MaxHeadersCount }},
		"strictContentLength": {kind: pBool, set: func(t *target, v value) error {
			t.req.req.StrictContentLength = v.b
			return nil
		}, get: func(t *target) any { return t.req.req.StrictContentLength }},
		"aborted":               {get: func(t *target) any { return t.req.req.Aborted() }},
		"writableCorked":        {get: func(t *target) any { return t.req.req.WritableCorked() }},
		"writableLength":        {get: func(t *target) any { return t.req.req.WritableLength() }},
		"writableHighWaterMark": {get: func(t *target) any { return t.req.req.WritableHighWaterMark() }},
		"writableObjectMode":    {get: func(t *target) any { return t.req.req.WritableObjectMode() }},
		"destroyed":             {get: func(t *target) any { return t.req.req.Destroyed() }},
		"finished":              {get: func(t *target) any { return t.req.req.Finished() }},
		"headersSent":           {get: func(t *target) any { return t.req.req.HeadersSent() }},
		"writableEnded":         {get: func(t *target) any { return t.req.req.WritableEnded() }},
		"writableFinished":      {get: func(t *target) any { return t.req.req.WritableFinished() }},
		"reusedSocket":          {get: func(t *target) any { return t.req.req.ReusedSocket() }},
		"path":                  {get: func(t *target) any { return t.req.req.Path() }},
		"method":                {get: func(t *target) any { return t.req.req.Method() }},
		"host":                  {get: func(t *target) any { return t.req.req.Host() }},
		"protocol":              {get: func(t *target) any { return t.req.req.Protocol() }},
		// Not Node's: the request's number in the scenario and the trace (req#n).
		"number": {get: func(t *target) any { return t.req.n }},
	},
	actorResponse:      incomingProperties(func(t *target) *httpcore.IncomingMessage { return t.res }),
	actorServerRequest: incomingProperties(func(t *target) *httpcore.IncomingMessage { return t.x.req }),
	actorAgent: {
		"maxSockets":       {get: func(t *target) any { return t.agent.MaxSockets() }},
		"maxFreeSockets":   {get: func(t *target) any { return t.agent.MaxFreeSockets() }},
		"maxTotalSockets":  {get: func(t *target) any { return t.agent.MaxTotalSockets() }},
		"totalSocketCount": {get: func(t *target) any { return t.agent.TotalSocketCount() }},
		"sockets":          {get: func(t *target) any { return socketCounts(t.agent.Sockets()) }},
		"freeSockets":      {get: func(t *target) any { return socketCounts(t.agent.FreeSockets()) }},
		"requests": {get: func(t *target) any {
			n := 0
			for _, v := range t.agent.Requests() {
				n += len(v)
			}
			return n
		}},
	},
	actorSocket: {
		"destroyed":     {get: func(t *target) any { return t.socket().Destroyed() }},
		"readyState":    {get: func(t *target) any { return t.socket().ReadyState() }},
		"bytesRead":     {get: func(t *target) any { return t.socket().BytesRead() }},
		"bytesWritten":  {get: func(t *target) any { return t.socket().BytesWritten() }},
		"writableEnded": {get: func(t *target) any { return t.socket().WritableEnded() }},
		// Not Node's: the socket's number in the trace (socket#id).
		"id": {get: func(t *target) any { return t.socket().ID() }},
	},
}

// socketCounts is an agent's socket lists as the number of sockets across
// origins: an origin names a port, which a trace never holds.
func socketCounts(m map[string][]*simnet.Socket) int {
	n := 0
	for _, v := range m {
		n += len(v)
	}
	return n
}

func incomingProperties(in func(t *target) *httpcore.IncomingMessage) map[string]*property {
	return map[string]*property{
		"aborted":       {get: func(t *target) any { return in(t).Aborted }},
		"complete":      {get: func(t *target) any { return in(t).Complete }},
		"destroyed":     {get: func(t *target) any { return in(t).Destroyed() }},
		"httpVersion":   {get: func(t *target) any { return in(t).HTTPVersion }},
		"method":        {get: func(t *target) any { return in(t).Method }},
		"url":           {get: func(t *target) any { return in(t).URL }},
		"statusCode":    {get: func(t *target) any { return in(t).StatusCode }},
		"statusMessage": {get: func(t *target) any { return in(t).StatusMessage }},
		"headers":       {get: func(t *target) any { return headerMap(in(t).Headers()) }},
		"rawHeaders":    {get: func(t *target) any { return in(t).RawHeaders }},
		"trailers":      {get: func(t *target) any { return headerMap(in(t).Trailers()) }},
		"rawTrailers":   {get: func(t *target) any { return in(t).RawTrailers }},
	}
}

// names lists a table's keys in order, for messages and documentation.
func names[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
