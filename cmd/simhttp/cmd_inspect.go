package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/pflag"

	"github.com/simhttp/simhttp/replay"
)

func init() {
	commands["inspect"] = command{
		summary: "list a capture's connections and HTTP exchanges, and every problem found",
		usage:   "CAPTURE [flags]",
		about: `CAPTURE is a pcap or pcapng file (tcpdump, Wireshark, simhttp record), or
- for standard input. A file that is not a capture exits 2; problems found
inside one are listed with their packet numbers and exit 0, unless --strict
is given: then any problem (a hole in a stream, a message cut short, a
response lost...) exits 1.`,
		example: `simhttp inspect traffic.pcapng
tcpdump -i any -w - port 8080 | simhttp inspect - --json | jq .connections`,
		setup: setupInspect,
	}
}

func setupInspect(fs *pflag.FlagSet) func(*env, []string) error {
	asJSON := fs.Bool("json", false, "print one compact JSON document")
	keylog := fs.String("keylog", "", "decrypt TLS with the NSS key log `FILE` (SSLKEYLOGFILE)")
	strict := fs.Bool("strict", false, "exit 1 when the capture shows any problem (by default problems are listed and inspect exits 0)")
	har := fs.String("har", "", "also write the exchanges as HAR 1.2 to `FILE` (- for standard output), with timings from the capture")
	return func(e *env, files []string) error {
		if len(files) != 1 {
			return usagef("want exactly one CAPTURE file, got %d arguments", len(files))
		}
		if *har == "-" && !*asJSON {
			// The text report would be mixed into the HAR document.
			return usagef("--har - writes the HAR to standard output; add --json, or give --har a file")
		}
		var rep *replay.Report
		var err error
		if *har != "" {
			// A HAR holds the bodies, which a plain inspect only counts.
			c, err := e.readCapture(files[0], *keylog)
			if err != nil {
				return err
			}
			if err := e.writeFile(*har, c.WriteHAR); err != nil {
				return err
			}
			rep = c.Report()
		} else {
			opts, err := e.keyLogOption(*keylog, files[0])
			if err != nil {
				return err
			}
			f, err := e.open(files[0])
			if err != nil {
				return err
			}
			defer f.Close()
			bar := e.progress("inspect", sizeOf(files[0]), true)
			rep, err = replay.Inspect(bar.reader(f), opts...)
			bar.done()
			if err != nil {
				return captureError(files[0], err)
			}
		}
		if *asJSON {
			// Compact, for jq and other programs: indenting a large capture's
			// report took longer than reading the capture.
			err = json.NewEncoder(e.stdout).Encode(rep)
		} else {
			err = rep.WriteText(e.stdout)
		}
		if err != nil {
			return err
		}
		if n := rep.ProblemCount(); *strict && n > 0 {
			return &checkFailed{err: fmt.Errorf("--strict: the capture shows %d problems", n)}
		}
		return nil
	}
}

// keyLogOption reads the key log named by --keylog, if any, naming the file
// in any error; capture is the capture's name, which cannot also be -.
func (e *env) keyLogOption(path, capture string) ([]replay.ReadOption, error) {
	if path == "" {
		return nil, nil
	}
	if path == "-" && capture == "-" {
		return nil, usagef("the capture and --keylog cannot both be standard input")
	}
	f, err := e.open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	k, err := replay.ParseKeyLog(f)
	if err != nil {
		return nil, captureError(path, err)
	}
	return []replay.ReadOption{replay.WithKeyLog(k)}, nil
}
