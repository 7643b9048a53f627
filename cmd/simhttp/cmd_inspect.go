package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/simhttp/simhttp/replay"
)

func init() {
	commands["inspect"] = command{
		summary: "list a capture's connections and HTTP exchanges, and every problem found",
		usage:   "inspect CAPTURE [--json] [--keylog FILE] [--har FILE]",
		run:     runInspect,
	}
}

func runInspect(args []string, stdout, _ io.Writer) error {
	fs := flag.NewFlagSet("inspect", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print one compact JSON document")
	keylog := fs.String("keylog", "", "decrypt TLS with this NSS key log (SSLKEYLOGFILE)")
	har := fs.String("har", "", "also write the exchanges as HAR 1.2 to this file, with timings from the capture")
	files, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(files) != 1 {
		return &usageError{msg: "want exactly one CAPTURE file"}
	}
	var rep *replay.Report
	if *har != "" {
		// A HAR holds the bodies, which a plain inspect only counts.
		c, err := readCapture(files[0], *keylog)
		if err != nil {
			return err
		}
		if err := writeFile(*har, c.WriteHAR); err != nil {
			return err
		}
		rep = c.Report()
	} else {
		opts, err := keyLogOption(*keylog)
		if err != nil {
			return err
		}
		f, err := os.Open(files[0])
		if err != nil {
			return err
		}
		defer f.Close()
		if rep, err = replay.Inspect(f, opts...); err != nil {
			return fmt.Errorf("%s: %w", files[0], err)
		}
	}
	if *asJSON {
		// Compact, for jq and other programs: indenting a large capture's
		// report took longer than reading the capture.
		return json.NewEncoder(stdout).Encode(rep)
	}
	return rep.WriteText(stdout)
}

// keyLogOption reads the key log named by --keylog, if any, naming the file
// in any error.
func keyLogOption(path string) ([]replay.ReadOption, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	k, err := replay.ParseKeyLog(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return []replay.ReadOption{replay.WithKeyLog(k)}, nil
}
