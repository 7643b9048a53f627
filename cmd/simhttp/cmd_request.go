package main

import (
	"strings"

	"github.com/spf13/pflag"

	"github.com/simhttp/simhttp/httpcore"
	"github.com/simhttp/simhttp/simnet"
	"github.com/simhttp/simhttp/simnet/realtcp"
)

func init() {
	commands["request"] = command{
		summary: "send real HTTP requests through httpcore and print the responses: curl with Node's semantics",
		usage:   "URL [flags]",
		about: `Prints each response's status line, raw headers, a blank line and the body;
a request that ends in an error prints "error: CODE message" on a line of
its own. Exit 1 when a request ended in an error, 3 when the server could
not be reached.`,
		example: `simhttp request http://127.0.0.1:8080/health
simhttp request -X PUT -H 'Content-Type: application/json' -d '{"a":1}' http://localhost:3000/items/1
simhttp request --keepalive --repeat 3 --trace http://127.0.0.1:8080/`,
		setup: setupRequest,
	}
}

func setupRequest(fs *pflag.FlagSet) func(*env, []string) error {
	method := fs.StringP("method", "X", "", "request `METHOD` (GET, or POST with -d)")
	headers := fs.StringArrayP("header", "H", nil, "a request header `'Name: value'` (repeatable)")
	body := fs.StringP("data", "d", "", "request `BODY`")
	keepAlive := fs.Bool("keepalive", false, "send every request through one keep-alive agent")
	repeat := fs.Int("repeat", 1, "send the request `N` times, one after the other")
	timeout := fs.Duration("timeout", 0, "destroy a request idle this `DURATION`, e.g. 5s or 150ms (0: never)")
	trace := fs.Bool("trace", false, "after each request print 'trace: ' and its req and res events")
	return func(e *env, urls []string) error {
		if len(urls) != 1 {
			return usagef("want exactly one URL, got %d arguments", len(urls))
		}
		if *repeat < 1 {
			return usagef("--repeat %d: want 1 or more", *repeat)
		}
		if *timeout < 0 {
			return usagef("--timeout %v: want 0 or more, such as 5s", *timeout)
		}
		for _, h := range *headers {
			if name, _, ok := strings.Cut(h, ":"); !ok || strings.TrimSpace(name) == "" {
				return usagef("-H %q: want 'Name: value'", h)
			}
		}
		spec := httpcore.FetchSpec{
			URL: urls[0], Method: *method, Headers: *headers, KeepAlive: *keepAlive,
			Repeat: *repeat, Timeout: *timeout, Trace: *trace,
		}
		if fs.Changed("data") {
			spec.Body = []byte(*body)
		}
		return requestError(urls[0], httpcore.Fetch(realtcp.New(), spec, e.stdout))
	}
}

// requestError gives a request's error its exit status: an argument Node
// rejects is a bad command line, a server that cannot be reached could not
// run, any other error ending a request a failed check.
func requestError(url string, err error) error {
	if err == nil {
		return nil
	}
	code := simnet.CodeOf(err)
	switch {
	case strings.HasPrefix(code, "ERR_INVALID_"), code == "ERR_UNESCAPED_CHARACTERS", code == "ERR_OUT_OF_RANGE":
		return usagef("%s: %v", url, err)
	case connectCodes[code]:
		return err
	}
	return &checkFailed{err: err}
}
