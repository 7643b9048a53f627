// Package cputime reads the CPU time the process has used, for benchmarks
// on a shared machine: unlike wall time it leaves out the time spent
// waiting for a core, so it stays steady when other work runs.
package cputime
