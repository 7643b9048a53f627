package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/pflag"

	"github.com/simhttp/simhttp/features"
	"github.com/simhttp/simhttp/record"
)

func init() {
	commands["record"] = command{
		summary: "run scenarios (the bundled features when no path is given) and write their traffic as pcap or pcapng",
		usage:   "--out FILE [FEATURES...] [flags]",
		about: `Every scenario's hosts get addresses of their own, so Wireshark follows
every connection as its own stream. --out - writes the capture to standard
output (pcap unless --format pcapng).`,
		example: `simhttp record --out run.pcapng
simhttp record --out - --repeat 200 | simhttp inspect -`,
		setup: setupRecord,
	}
}

func setupRecord(fs *pflag.FlagSet) func(*env, []string) error {
	out := fs.StringP("out", "o", "", "capture `FILE` to write, - for standard output (required)")
	seed := fs.Uint64("seed", 1, "seed `N` for the scenarios' worlds")
	format := fs.String("format", "", "`FORMAT`, pcap or pcapng (default: from the file name, pcap unless it ends in .pcapng)")
	repeat := fs.Int("repeat", 1, "run the scenarios `N` times, with seeds seed..seed+N-1, for a large capture")
	return func(e *env, paths []string) error {
		if *out == "" {
			return usagef("--out FILE is required")
		}
		if *repeat < 1 {
			return usagef("--repeat %d: want 1 or more", *repeat)
		}
		f := record.PCAP
		switch {
		case *format == "pcapng" || *format == "" && strings.HasSuffix(*out, ".pcapng"):
			f = record.PCAPNG
		case *format != "" && *format != "pcap":
			return usagef("--format %q: want pcap or pcapng", *format)
		}
		file, err := e.create(*out)
		if err != nil {
			return err
		}
		w := bufio.NewWriterSize(file, 1<<20)
		bar := e.progress("record", int64(*repeat), false)
		n, err := features.Record(features.RecordOptions{
			Paths: paths, Seed: *seed, Out: w, Format: f, Repeat: *repeat, Progress: bar.set, Stdin: e.stdin,
		})
		bar.done()
		if err != nil {
			file.Close()
			if *out != "-" {
				// A half-written capture would mislead whoever opens it later.
				os.Remove(*out)
			}
			return featuresError(err)
		}
		if err := errors.Join(w.Flush(), file.Close()); err != nil {
			if *out != "-" {
				os.Remove(*out)
			}
			return fmt.Errorf("%s: %w", *out, err)
		}
		where := *out
		if where == "-" {
			where = "standard output"
		}
		fmt.Fprintf(e.stderr, "simhttp record: wrote %d packets of %d runs to %s\n", n, *repeat, where)
		return nil
	}
}
