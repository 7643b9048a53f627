package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/simhttp/simhttp/features"
	"github.com/simhttp/simhttp/record"
)

func init() {
	commands["record"] = command{
		summary: "run scenarios (the bundled features when no path is given) and write their traffic as pcap or pcapng",
		usage:   "record --out FILE [FEATURES...] [--seed N] [--format pcap|pcapng] [--repeat N]",
		run:     runRecord,
	}
}

func runRecord(args []string, _, stderr io.Writer) error {
	fs := flag.NewFlagSet("record", flag.ContinueOnError)
	out := fs.String("out", "", "capture file to write")
	seed := fs.Uint64("seed", 1, "seed for the scenarios' worlds")
	format := fs.String("format", "", "pcap or pcapng (default: from the file name, pcap unless it ends in .pcapng)")
	repeat := fs.Int("repeat", 1, "run the scenarios N times, with seeds seed..seed+N-1, for a large capture")
	paths, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if *out == "" {
		return &usageError{msg: "--out FILE is required"}
	}
	if *repeat < 1 {
		return &usageError{msg: fmt.Sprintf("--repeat %d: want 1 or more", *repeat)}
	}
	f := record.PCAP
	switch {
	case *format == "pcapng" || *format == "" && strings.HasSuffix(*out, ".pcapng"):
		f = record.PCAPNG
	case *format != "" && *format != "pcap":
		return &usageError{msg: fmt.Sprintf("--format %q: want pcap or pcapng", *format)}
	}
	file, err := os.Create(*out)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(file, 1<<20)
	n, err := features.Record(features.RecordOptions{Paths: paths, Seed: *seed, Out: w, Format: f, Repeat: *repeat})
	err = errors.Join(err, w.Flush(), file.Close())
	if err != nil {
		// A half-written capture would mislead whoever opens it later.
		os.Remove(*out)
		return fmt.Errorf("%s: %w", *out, err)
	}
	fmt.Fprintf(stderr, "simhttp: wrote %d packets to %s\n", n, *out)
	return nil
}
