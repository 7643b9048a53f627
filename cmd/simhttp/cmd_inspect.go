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
		usage:   "inspect CAPTURE [--json]",
		run:     runInspect,
	}
}

func runInspect(args []string, stdout, _ io.Writer) error {
	fs := flag.NewFlagSet("inspect", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print one compact JSON document")
	files, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(files) != 1 {
		return &usageError{msg: "want exactly one CAPTURE file"}
	}
	f, err := os.Open(files[0])
	if err != nil {
		return err
	}
	defer f.Close()
	rep, err := replay.Inspect(f)
	if err != nil {
		return fmt.Errorf("%s: %w", files[0], err)
	}
	if *asJSON {
		// Compact, for jq and other programs: indenting a large capture's
		// report took longer than reading the capture.
		return json.NewEncoder(stdout).Encode(rep)
	}
	return rep.WriteText(stdout)
}
