package features

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"syscall"
	"testing"
)

// TestSweepAsksForHugePages checks that the heap a sweep asks huge pages
// for lies in a mapping marked for them ("hg" among its VmFlags).
func TestSweepAsksForHugePages(t *testing.T) {
	if err := syscall.Madvise(make([]byte, 1<<21), syscall.MADV_HUGEPAGE); err != nil {
		t.Skipf("SKIPPED: this kernel takes no MADV_HUGEPAGE (%v), so a sweep's heap stays in small pages", err)
	}
	start := hugePages(sweepHugeBytes)
	flags, err := vmFlags(start)
	if err != nil {
		t.Skipf("SKIPPED: %v", err)
	}
	if !bytes.Contains(append(flags, ' '), []byte(" hg ")) {
		t.Errorf("the sweep's heap at %#x lies in a mapping with VmFlags%s, without hg", start, flags)
	}
}

// vmFlags are the VmFlags of the mapping of this process holding addr.
func vmFlags(addr uintptr) ([]byte, error) {
	smaps, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		return nil, fmt.Errorf("no /proc/self/smaps to read the advice from: %w", err)
	}
	holds := false
	for line := range bytes.Lines(smaps) {
		f := bytes.Fields(line)
		if len(f) == 0 {
			continue
		}
		if lo, hi, ok := bytes.Cut(f[0], []byte("-")); ok {
			l, err1 := strconv.ParseUint(string(lo), 16, 64)
			h, err2 := strconv.ParseUint(string(hi), 16, 64)
			holds = err1 == nil && err2 == nil && uint64(addr) >= l && uint64(addr) < h
		} else if holds && bytes.HasPrefix(line, []byte("VmFlags:")) {
			return bytes.TrimSpace(line[len("VmFlags:"):]), nil
		}
	}
	return nil, fmt.Errorf("no mapping in /proc/self/smaps holds %#x", addr)
}
