//go:build unix

package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// TestSweepStopsItsWorkersOnSIGTERM runs the command, as a user would, on
// a sweep far too long to finish, sends it SIGTERM once its two workers
// run, and wants it to exit 3 saying it was interrupted, its workers gone.
func TestSweepStopsItsWorkersOnSIGTERM(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "sweep", "--seeds", "1-1000000", "--jobs", "2")
	cmd.Env = append(os.Environ(), asCLIEnv+"=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	children(t) // skips where /proc does not list children
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	// The workers start after the command catches SIGTERM, so once both
	// are listed the signal reaches the command's handler.
	var workers []string
	for len(workers) < 2 {
		select {
		case err := <-exited:
			t.Fatalf("the sweep ended before both its workers were seen: %v\n%s", err, stderr.String())
		default:
		}
		workers = childrenOf(t, cmd.Process.Pid)
		runtime.Gosched()
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	err = <-exited
	if code := cmd.ProcessState.ExitCode(); code != exitCannotRun || !strings.Contains(stderr.String(), "interrupted: the sweep workers were stopped") {
		t.Fatalf("after SIGTERM: %v, exit %d, stderr %q", err, code, stderr.String())
	}
	for _, w := range workers {
		pid, err := strconv.Atoi(w)
		if err != nil {
			t.Fatal(err)
		}
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("worker %d still there after the sweep ended: %v", pid, err)
		}
	}
}
