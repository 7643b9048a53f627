package main

import (
	"os"
	"testing"
)

// TestSweepBatchesTheCollectorUnlessGOGCOrGOMEMLIMITIsSet checks that the
// command asks the sweep to drive the collector by a memory limit, and
// leaves a GOGC or GOMEMLIMIT the user set alone.
func TestSweepBatchesTheCollectorUnlessGOGCOrGOMEMLIMITIsSet(t *testing.T) {
	for _, env := range []string{"GOGC", "GOMEMLIMIT"} {
		t.Run(env, func(t *testing.T) {
			t.Setenv(env, "150")
			if batchGC() {
				t.Errorf("with %s=150 set the sweep still drives the collector itself", env)
			}
			os.Unsetenv(env)
			if !batchGC() {
				t.Errorf("without %s the sweep leaves the collector as it is", env)
			}
		})
	}
}
