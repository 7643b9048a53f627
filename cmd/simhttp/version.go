package main

import (
	"fmt"
	"io"
	"runtime/debug"
)

// printVersion prints the module version and the commit the binary was
// built from, as the Go toolchain stamped them.
func printVersion(w io.Writer) {
	version, commit, modified, goVersion := "(unknown)", "", false, ""
	if info, ok := debug.ReadBuildInfo(); ok {
		goVersion = info.GoVersion
		if info.Main.Version != "" {
			version = info.Main.Version
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				commit = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	fmt.Fprintf(w, "simhttp %s", version)
	switch {
	case commit == "":
		fmt.Fprint(w, ", commit unknown (built without version control information)")
	case modified:
		fmt.Fprintf(w, ", commit %s with uncommitted changes", commit)
	default:
		fmt.Fprintf(w, ", commit %s", commit)
	}
	if goVersion != "" {
		fmt.Fprintf(w, ", %s", goVersion)
	}
	fmt.Fprintln(w)
}
