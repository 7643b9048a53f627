package features

import (
	"bufio"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// TestBatchGCAsksForTheHeapInHugePages checks, on Linux, that a sweep
// driving the collector leaves a mapping of at least sweepHeapMapped/2
// advised as huge pages ("hg" in /proc/self/smaps): if the runtime
// stopped mapping a large object in one piece, or mapped over the
// advice, the heap would be faulted 4 KiB at a time again.
func TestBatchGCAsksForTheHeapInHugePages(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("huge pages are asked for on Linux only")
	}
	if _, err := os.Stat("/sys/kernel/mm/transparent_hugepage"); err != nil {
		t.Skipf("this kernel has no transparent huge pages to ask for: %v", err)
	}
	defer batchGC()()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	var size int64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if fields := strings.Fields(line); len(fields) == 3 && fields[0] == "Size:" {
			kb, err := strconv.ParseInt(fields[1], 10, 64)
			if err != nil {
				t.Fatalf("/proc/self/smaps: %q: %v", line, err)
			}
			size = kb << 10
		}
		if flags, ok := strings.CutPrefix(line, "VmFlags:"); ok && size >= sweepHeapMapped/2 && strings.Contains(" "+flags+" ", " hg ") {
			return
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	t.Errorf("no mapping of %d bytes or more is advised as huge pages during a sweep", sweepHeapMapped/2)
}
