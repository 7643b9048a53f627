package main

import (
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/simhttp/simhttp/httpcore"
	"github.com/simhttp/simhttp/simnet/realtcp"
)

func init() {
	commands["request"] = command{
		summary: "send real HTTP requests through httpcore and print the responses: curl with Node's semantics",
		usage:   "request [-X METHOD] [-H 'K: V']... [-d BODY] [--keepalive] [--repeat N] [--timeout MS] [--trace] URL",
		run:     runRequest,
	}
}

// requestFailed is the exit status when a request ended in an error.
const requestFailed = 1

func runRequest(args []string, stdout, _ io.Writer) error {
	fs := flag.NewFlagSet("request", flag.ContinueOnError)
	method := fs.String("X", "", "request method (GET, or POST with -d)")
	var headers multiFlag
	fs.Var(&headers, "H", "a request header 'Name: value' (repeatable)")
	body := fs.String("d", "", "request body")
	keepAlive := fs.Bool("keepalive", false, "send every request through one keep-alive agent")
	repeat := fs.Int("repeat", 1, "send the request N times, one after the other")
	timeoutMS := fs.Int("timeout", 0, "destroy a request idle for this many milliseconds (0: none)")
	trace := fs.Bool("trace", false, "after each request print 'trace: ' and its req and res events")
	urls, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(urls) != 1 {
		return &usageError{msg: "want exactly one URL"}
	}
	if *repeat < 1 {
		return &usageError{msg: fmt.Sprintf("--repeat %d: want 1 or more", *repeat)}
	}
	if *timeoutMS < 0 {
		return &usageError{msg: fmt.Sprintf("--timeout %d: want 0 or more milliseconds", *timeoutMS)}
	}
	spec := httpcore.FetchSpec{
		URL: urls[0], Method: *method, Headers: headers, KeepAlive: *keepAlive,
		Repeat: *repeat, Timeout: time.Duration(*timeoutMS) * time.Millisecond, Trace: *trace,
	}
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "d" {
			spec.Body = []byte(*body)
		}
	})
	if err := httpcore.Fetch(realtcp.New(), spec, stdout); err != nil {
		return &exitError{code: requestFailed, err: err}
	}
	return nil
}
