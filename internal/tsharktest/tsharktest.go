// Package tsharktest runs tshark, Wireshark's command-line dissector, over
// captures in tests, so Wireshark's own engine judges the pcap and pcapng
// files simhttp writes.
package tsharktest

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

// Need returns tshark's path, or skips tb loudly when tshark is absent,
// naming what goes unchecked by Wireshark and what checks it instead.
func Need(tb testing.TB, unchecked, instead string) string {
	tb.Helper()
	path, err := exec.LookPath("tshark")
	if err != nil {
		tb.Skipf("!!! tshark not installed: %s is NOT checked by Wireshark's dissectors, only by %s. "+
			"Install it with: DEBIAN_FRONTEND=noninteractive apt-get install -y tshark", unchecked, instead)
	}
	return path
}

// Run runs tshark over file with args and returns what it printed; tb
// fails with tshark's own complaint when tshark fails.
func Run(tb testing.TB, tshark, file string, args ...string) string {
	tb.Helper()
	args = append([]string{"-n", "-r", file}, args...)
	cmd := exec.Command(tshark, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		tb.Fatalf("tshark %q: %v\n%s", args, err, stderr.String())
	}
	return string(out)
}

// Fields runs tshark over file with args, printing fields, and returns a
// row of those fields for each frame it printed.
func Fields(tb testing.TB, tshark, file string, args []string, fields ...string) [][]string {
	tb.Helper()
	args = append(args[:len(args):len(args)], "-T", "fields")
	for _, f := range fields {
		args = append(args, "-e", f)
	}
	var rows [][]string
	for _, line := range strings.Split(Run(tb, tshark, file, args...), "\n") {
		if line != "" {
			rows = append(rows, strings.Split(line, "\t"))
		}
	}
	return rows
}
