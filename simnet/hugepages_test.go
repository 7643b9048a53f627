package simnet_test

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"github.com/simhttp/simhttp/simnet"
)

// TestBackHeapWithHugePages fills 64 MiB of heap and requires the mapping
// holding it to be backed by huge pages afterwards, where the kernel has
// them; elsewhere the call must say it is unsupported.
func TestBackHeapWithHugePages(t *testing.T) {
	if runtime.GOOS != "linux" {
		if _, err := simnet.BackHeapWithHugePages(); !errors.Is(err, errors.ErrUnsupported) {
			t.Fatalf("BackHeapWithHugePages on %s: %v, want errors.ErrUnsupported", runtime.GOOS, err)
		}
		return
	}
	if mode, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled"); err != nil || bytes.Contains(mode, []byte("[never]")) {
		t.Skipf("SKIPPED: this kernel gives no transparent huge pages (%q, %v)", mode, err)
	}
	const size = 64 << 20
	live := make([]byte, size)
	for i := 0; i < size; i += 4096 {
		live[i] = 1
	}
	got, err := simnet.BackHeapWithHugePages()
	if got.Backed < size/2 && err != nil {
		// Memory too fragmented for the kernel to find huge pages: it
		// said so, which is all the call promises.
		t.Skipf("SKIPPED: backed %d bytes with 64 MiB live; the kernel refused: %v", got.Backed, err)
	}
	if got.Advised < size || got.Backed < size/2 {
		t.Fatalf("advised %d and backed %d bytes with 64 MiB live, and no error", got.Advised, got.Backed)
	}
	if err != nil {
		t.Logf("some memory stays in small pages: %v", err)
	}
	from := uintptr(unsafe.Pointer(&live[0]))
	if huge := hugeBytesIn(t, from, from+size); huge < size/2 {
		t.Fatalf("the mappings holding 64 MiB of live heap have %d bytes in huge pages", huge)
	}
	runtime.KeepAlive(live)
}

// hugeBytesIn is the AnonHugePages of the mappings overlapping [from, to),
// from /proc/self/smaps.
func hugeBytesIn(t testing.TB, from, to uintptr) int64 {
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	inside, huge := false, int64(0)
	for sc.Scan() {
		line := sc.Text()
		if span, _, ok := strings.Cut(line, " "); ok && strings.Contains(span, "-") && !strings.HasSuffix(span, ":") {
			lo, hi, _ := strings.Cut(span, "-")
			a, err1 := strconv.ParseUint(lo, 16, 64)
			b, err2 := strconv.ParseUint(hi, 16, 64)
			inside = err1 == nil && err2 == nil && a < uint64(to) && uint64(from) < b
			continue
		}
		if rest, ok := strings.CutPrefix(line, "AnonHugePages:"); ok && inside {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				t.Fatalf("smaps: %q: %v", line, err)
			}
			huge += kb << 10
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return huge
}

// TestHugePagesKeepTraces runs seeded worlds before and after the heap is
// backed by huge pages and requires the same trace bytes.
func TestHugePagesKeepTraces(t *testing.T) {
	const seeds = 40
	before := make([][]byte, seeds)
	for seed := range uint64(seeds) {
		before[seed], _ = sweepRun(t, seed)
	}
	if _, err := simnet.BackHeapWithHugePages(); err != nil {
		t.Logf("huge pages: %v", err)
	}
	for seed := range uint64(seeds) {
		if after, _ := sweepRun(t, seed); !bytes.Equal(after, before[seed]) {
			t.Fatalf("seed %d: the trace changed once the heap was in huge pages:\n%s\nvs\n%s", seed, after, before[seed])
		}
	}
}
