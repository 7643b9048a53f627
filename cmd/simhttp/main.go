// Command simhttp runs HTTP scenarios on a simulated network with Node's
// http semantics, records and inspects packet captures, and replays them.
//
// Every subcommand explains itself with `simhttp help CMD` or
// `simhttp CMD --help`. Exit status: 0 success, 1 a check failed, 2 a bad
// command line or input file, 3 the command could not run.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/spf13/pflag"
)

// command is one subcommand, registered by its cmd_*.go file.
type command struct {
	summary string // one line, for the list of commands
	usage   string // the arguments after the command's name
	about   string // optional: more than the summary says, as whole sentences
	example string // one or more whole command lines, one a line
	// setup declares the command's flags on fs and returns its body, which
	// runs once fs parsed the command line, with the positional arguments.
	setup func(fs *pflag.FlagSet) func(e *env, args []string) error
}

// commands is filled by the cmd_*.go files, one subcommand each.
var commands = map[string]command{}

func main() {
	if isWorker() {
		becomeWorker()
		os.Exit(serveWorker(os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(runIO(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run runs one command line with standard input left empty, as tests do.
func run(args []string, stdout, stderr io.Writer) int {
	return runIO(args, strings.NewReader(""), stdout, stderr)
}

// runIO runs one command line and returns its exit status.
func runIO(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{args: args, stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		fmt.Fprintln(stderr, "simhttp: say which command to run")
		fmt.Fprintln(stderr)
		printUsage(stderr)
		return exitUsage
	}
	switch args[0] {
	case "-h", "--help":
		printUsage(stdout)
		return exitOK
	case "help":
		return runHelp(args[1:], stdout, stderr)
	case "--version", "version":
		printVersion(stdout)
		return exitOK
	}
	name := args[0]
	cmd, ok := commands[name]
	if !ok {
		what := "unknown command"
		if strings.HasPrefix(name, "-") {
			what = "unknown flag (flags follow the command)"
		}
		fmt.Fprintf(stderr, "simhttp: %s %q\n\n", what, name)
		printUsage(stderr)
		return exitUsage
	}
	fs := newFlagSet(name)
	body := cmd.setup(fs)
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			printCommandHelp(stdout, name, cmd)
			return exitOK
		}
		fmt.Fprintf(stderr, "simhttp %s: %v\nusage: simhttp %s %s (see simhttp help %s)\n", name, err, name, cmd.usage, name)
		return exitUsage
	}
	return conclude(stderr, name, cmd, body(e, fs.Args()))
}

// newFlagSet makes the flag set of one command: GNU-style flags anywhere
// among the arguments, errors returned rather than printed, and flags
// listed in the order the command declares them.
func newFlagSet(name string) *pflag.FlagSet {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.SortFlags = false
	return fs
}

func runHelp(args []string, stdout, stderr io.Writer) int {
	switch {
	case len(args) == 0:
		printUsage(stdout)
		return exitOK
	case len(args) > 1:
		fmt.Fprintf(stderr, "simhttp help: want one command, got %d arguments\n", len(args))
		return exitUsage
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "simhttp help: unknown command %q\n\n", args[0])
		printUsage(stderr)
		return exitUsage
	}
	printCommandHelp(stdout, args[0], cmd)
	return exitOK
}

func sortedNames() []string {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "simhttp: HTTP simulation and record/replay with Node's http semantics")
	fmt.Fprintln(w, "\nusage: simhttp COMMAND [ARGS] [FLAGS]")
	fmt.Fprintln(w, "\ncommands:")
	for _, n := range sortedNames() {
		fmt.Fprintf(w, "  %-8s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nsimhttp help COMMAND (or simhttp COMMAND --help) explains one command and its flags;")
	fmt.Fprintln(w, "simhttp --version prints the version. A file argument of - means standard input or output.")
	fmt.Fprint(w, exitCodesHelp)
}

func printCommandHelp(w io.Writer, name string, cmd command) {
	fmt.Fprintf(w, "simhttp %s: %s\n\nusage: simhttp %s %s\n", name, cmd.summary, name, cmd.usage)
	if cmd.about != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(cmd.about))
	}
	fs := newFlagSet(name)
	cmd.setup(fs)
	fs.BoolP("help", "h", false, "print this help")
	fmt.Fprintf(w, "\nflags:\n%s", fs.FlagUsages())
	fmt.Fprintln(w, "\nexample:")
	for _, line := range strings.Split(strings.TrimSpace(cmd.example), "\n") {
		fmt.Fprintf(w, "  %s\n", strings.TrimSpace(line))
	}
	fmt.Fprint(w, exitCodesHelp)
}
