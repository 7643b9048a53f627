package main

import (
	"os"
	"testing"
)

// TestSweepBatchesTheCollectorUnlessGOGCIsSet checks that the command asks
// the sweep to raise the collector's target, and leaves a GOGC the user
// set alone.
func TestSweepBatchesTheCollectorUnlessGOGCIsSet(t *testing.T) {
	t.Setenv("GOGC", "150")
	if batchGC() {
		t.Error("with GOGC=150 set the sweep still raises the collector's target")
	}
	os.Unsetenv("GOGC")
	if !batchGC() {
		t.Error("without GOGC the sweep leaves the collector's target as it is")
	}
}
