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

// TestSweepStopsItsWorkersOnSignals runs the command, as a user would, on
// a sweep far too long to finish, and once its two workers run (--jobs 3,
// as the command runs seeds too) sends SIGTERM to it, or SIGINT to its
// whole process group as a terminal's Ctrl-C does, and wants it to exit 3
// saying it was interrupted, its workers gone.
func TestSweepStopsItsWorkersOnSignals(t *testing.T) {
	for _, c := range []struct {
		name  string
		sig   syscall.Signal
		group bool
	}{
		{"SIGTERM to the command", syscall.SIGTERM, false},
		{"SIGINT to its process group", syscall.SIGINT, true},
	} {
		t.Run(c.name, func(t *testing.T) { sweepStopsOn(t, c.sig, c.group) })
	}
}

func sweepStopsOn(t *testing.T, sig syscall.Signal, group bool) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "sweep", "--seeds", "1-1000000", "--jobs", "3")
	cmd.Env = append(os.Environ(), asCLIEnv+"=1")
	// A group of its own, as a shell gives a command it runs, so the
	// group's signal does not reach this test.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	children(t) // skips where /proc does not list children
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// A test failing before its signal must not leave a million-seed
	// sweep running; its workers end with their input once it is gone.
	t.Cleanup(func() { _ = cmd.Process.Kill() })
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
	to := cmd.Process.Pid
	if group {
		to = -to
		// Only the command may take the terminal's signal: a worker it
		// reached would die before the command could stop it and say so.
		for _, w := range workers {
			pid, err := strconv.Atoi(w)
			if err != nil {
				t.Fatal(err)
			}
			// A worker is listed from its fork, and takes its own group
			// only before its exec, which the worker's variable in its
			// environment shows has happened.
			for !execedAsWorker(t, pid) {
				runtime.Gosched()
			}
			if pgid, err := syscall.Getpgid(pid); err == nil && pgid == cmd.Process.Pid {
				t.Errorf("worker %d is in the command's process group %d", pid, pgid)
			}
		}
	}
	if err := syscall.Kill(to, sig); err != nil {
		t.Fatal(err)
	}
	err = <-exited
	if code := cmd.ProcessState.ExitCode(); code != exitCannotRun || !strings.Contains(stderr.String(), "interrupted: the sweep workers were stopped") {
		t.Fatalf("after %v: %v, exit %d, stderr %q", sig, err, code, stderr.String())
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

// execedAsWorker reports whether process pid runs with the environment a
// worker is started with, that is whether its exec has happened.
func execedAsWorker(t *testing.T, pid int) bool {
	t.Helper()
	env, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/environ")
	if err != nil {
		t.Fatalf("worker %d: %v", pid, err)
	}
	return bytes.Contains(env, []byte("\x00"+workerEnv+"=1\x00")) || bytes.HasPrefix(env, []byte(workerEnv+"=1\x00"))
}
