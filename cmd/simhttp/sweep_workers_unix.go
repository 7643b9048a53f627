//go:build unix

package main

import (
	"os/exec"
	"syscall"
)

// inOwnGroup starts a worker in a process group of its own, so a Ctrl-C
// at the terminal reaches only the command, which stops its workers and
// says the sweep was interrupted, rather than also killing the workers
// first and reporting one of them as failed.
func inOwnGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}
