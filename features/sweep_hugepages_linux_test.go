package features

import (
	"bytes"
	"os"
	"strconv"
	"syscall"
	"testing"
)

// TestSweepAsksForHugePages checks that a sweep driving the collector
// leaves a stretch of heap marked for transparent huge pages ("hg" among
// a mapping's VmFlags), which the seeds' objects then fault in.
func TestSweepAsksForHugePages(t *testing.T) {
	if err := syscall.Madvise(make([]byte, 1<<21), syscall.MADV_HUGEPAGE); err != nil {
		t.Skipf("SKIPPED: this kernel takes no MADV_HUGEPAGE (%v), so a sweep's heap stays in small pages", err)
	}
	programsCollector(t)
	before := hugeAdvised(t)
	restore := batchGC()
	after := hugeAdvised(t)
	restore()
	if after < before+sweepHugeBytes/2 {
		t.Errorf("a sweep marked %d bytes for huge pages (%d before it, %d after), want at least %d", after-before, before, after, sweepHugeBytes/2)
	}
}

// hugeAdvised is how many bytes of this process's mappings are marked
// MADV_HUGEPAGE.
func hugeAdvised(t *testing.T) int {
	smaps, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		t.Skipf("SKIPPED: no /proc/self/smaps to read the advice from: %v", err)
	}
	total, size := 0, 0
	for line := range bytes.Lines(smaps) {
		f := bytes.Fields(line)
		switch {
		case len(f) == 3 && string(f[0]) == "Size:":
			kb, err := strconv.Atoi(string(f[1]))
			if err != nil {
				t.Fatalf("/proc/self/smaps: %q is no size", line)
			}
			size = kb << 10
		case len(f) > 0 && string(f[0]) == "VmFlags:":
			for _, flag := range f[1:] {
				if string(flag) == "hg" {
					total += size
				}
			}
		}
	}
	return total
}
