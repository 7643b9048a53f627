// fetch.go: the library side of `simhttp request`, a small curl over
// http.request that prints what it gets and, on request, the event trace.

package httpcore

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/simhttp/simhttp/simnet"
)

// FetchSpec is one `simhttp request` command line.
type FetchSpec struct {
	URL     string
	Method  string   // -X; "" means GET, or POST when Body is set
	Headers []string // -H 'Name: value', in order
	Body    []byte   // -d
	// KeepAlive sends every request through one keep-alive agent; without
	// it each request has its own connection (agent: false).
	KeepAlive bool
	Repeat    int           // sequential requests, reusing the agent; 0 means 1
	Timeout   time.Duration // a request idle this long is destroyed; 0 means none
	// Trace prints, after each request, "trace: " and the compact form of
	// its req and res events, numbered as if it were the only request.
	// Tracing listens to every event of both, as a Node client listening to
	// everything would.
	Trace bool
}

// Fetch runs spec's requests one after the other on rt, running the loop
// until they are done, and prints for each the status line, the raw header
// lines in order, a blank line and the body. It returns an error when an
// option is invalid or a request ended in an error.
func Fetch(rt simnet.Runtime, spec FetchSpec, out io.Writer) error {
	headers, err := parseHeaderLines(spec.Headers)
	if err != nil {
		return err
	}
	if spec.Repeat < 0 {
		return &Error{Code: "ERR_OUT_OF_RANGE", Message: fmt.Sprintf("--repeat must be 1 or more, got %d", spec.Repeat)}
	}
	n := max(spec.Repeat, 1)
	opts := RequestOptions{Method: spec.Method, Headers: headers, NoAgent: !spec.KeepAlive}
	if opts.Method == "" && spec.Body != nil {
		opts.Method = "POST"
	}
	if spec.KeepAlive {
		a, err := NewAgent(rt, AgentOptions{KeepAlive: true})
		if err != nil {
			return err
		}
		opts.Agent, opts.NoAgent = a, false
		defer a.Destroy()
	}
	w := bufio.NewWriter(out)
	f := &fetcher{rt: rt, spec: spec, opts: opts, out: w, total: n}
	if spec.Trace {
		rt.Loop().Events().Observe(f.observe)
	}
	if err := f.start(1); err != nil {
		return err
	}
	runErr := rt.Loop().Run()
	if err := w.Flush(); err != nil {
		return fmt.Errorf("writing output: %w", err)
	}
	if runErr != nil {
		return runErr
	}
	if f.failed != nil {
		return f.failed
	}
	if f.done < n {
		return &Error{Code: "ERR_STREAM_PREMATURE_CLOSE", Message: fmt.Sprintf("request %d of %d never finished", f.done+1, n)}
	}
	return nil
}

// parseHeaderLines reads -H arguments; a repeated name is sent as one
// header with several values, in the order given.
func parseHeaderLines(lines []string) ([]HeaderField, error) {
	var out []HeaderField
	index := map[string]int{}
	for _, l := range lines {
		name, value, ok := strings.Cut(l, ":")
		name = strings.TrimSpace(name)
		if !ok || name == "" {
			return nil, &Error{Code: "ERR_INVALID_ARG_VALUE", Message: fmt.Sprintf("-H %q: want 'Name: value'", l)}
		}
		value = strings.TrimSpace(value)
		key := strings.ToLower(name)
		if i, seen := index[key]; seen {
			out[i].Values = append(out[i].Values, value)
			continue
		}
		index[key] = len(out)
		out = append(out, HeaderField{Name: name, Values: []string{value}})
	}
	return out, nil
}

// fetcher runs the requests of one Fetch in turn.
type fetcher struct {
	rt     simnet.Runtime
	spec   FetchSpec
	opts   RequestOptions
	out    *bufio.Writer
	total  int
	done   int
	failed error

	req   *ClientRequest // the request under way
	trace []simnet.Event // its events, when tracing
	// midLine is set while a body that did not end in a newline was the
	// last thing printed, so an error goes on a line of its own.
	midLine bool
}

func (f *fetcher) observe(ev simnet.Event) {
	req := f.req
	if req == nil {
		return
	}
	if (ev.Obj == "req" && ev.ID == req.id) || (ev.Obj == "res" && req.res != nil && ev.ID == req.res.id) {
		// Numbered as the only request, so every line reads like the
		// documented orders.
		ev.ID = 1
		f.trace = append(f.trace, ev)
	}
}

// start sends request i; the next one starts once this one closed and its
// socket went back to the agent.
func (f *fetcher) start(i int) error {
	f.trace = nil
	req, err := Request(f.rt, f.spec.URL, f.opts, f.onResponse)
	if err != nil {
		return err
	}
	f.req = req
	if f.spec.Trace {
		listenAll(req, listenOpts{})
	}
	if f.spec.Timeout > 0 {
		d := f.spec.Timeout
		if err := req.SetTimeout(d, func() {
			req.Destroy(&simnet.Error{Code: "ETIMEDOUT", Message: "request idle for " + formatMs(d) + " ms"})
		}); err != nil {
			return err
		}
	}
	var failure error
	req.Events.Error.On(func(err error) { failure = err })
	req.Events.Close.On(func(struct{}) {
		res := req.res
		if failure == nil && res != nil && !res.Complete && !req.upgraded {
			// The response will report its own error once it is destroyed.
			res.Events.Close.On(func(struct{}) { f.finish(i, res.r.errored) })
			return
		}
		f.finish(i, failure)
	})
	return req.End(f.spec.Body, nil)
}

// finish reports request i on a later turn of the loop, once its response
// closed too and the agent took the socket back, then starts the next.
func (f *fetcher) finish(i int, err error) {
	f.done = i
	if err != nil && f.failed == nil {
		f.failed = fmt.Errorf("request %d of %d: %w", i, f.total, err)
	}
	f.rt.Loop().SetImmediate(func() {
		if err != nil {
			if f.midLine {
				f.out.WriteByte('\n')
				f.midLine = false
			}
			fmt.Fprintf(f.out, "error: %s %s\n", simnet.CodeOf(err), err.Error())
		}
		if f.spec.Trace {
			fmt.Fprintf(f.out, "trace: %s\n", simnet.Compact(f.trace, false))
		}
		if err == nil && i < f.total {
			if err := f.start(i + 1); err != nil && f.failed == nil {
				f.failed = err
			}
		}
	})
}

func (f *fetcher) onResponse(res *IncomingMessage) {
	fmt.Fprintf(f.out, "HTTP/%s %s %s\n", res.HTTPVersion, strconv.Itoa(res.StatusCode), res.StatusMessage)
	for i := 0; i+1 < len(res.RawHeaders); i += 2 {
		fmt.Fprintf(f.out, "%s: %s\n", res.RawHeaders[i], res.RawHeaders[i+1])
	}
	fmt.Fprintln(f.out)
	res.Events.Data.On(func(p []byte) {
		f.out.Write(p)
		f.midLine = p[len(p)-1] != '\n'
	})
	res.Events.End.On(func(struct{}) {
		// Keep the next line of output on a line of its own.
		if f.midLine {
			f.out.WriteByte('\n')
			f.midLine = false
		}
	})
}
