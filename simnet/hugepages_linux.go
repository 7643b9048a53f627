package simnet

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// madvCollapse is Linux 6.1's MADV_COLLAPSE, which package syscall lacks:
// it backs a range's touched memory with huge pages now, where
// MADV_HUGEPAGE only lets new faults and the kernel's background scan do so.
const madvCollapse = 25

const hugePage = 2 << 20

func backWithHugePages() (HugePages, error) {
	var got HugePages
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		return got, fmt.Errorf("simnet: huge pages: %w", err)
	}
	var errs []error
	failed, firstFailure := 0, error(nil)
	sc := bufio.NewScanner(bytes.NewReader(maps))
	for sc.Scan() {
		lo, hi, ok := anonymousRange(sc.Text())
		if !ok {
			continue
		}
		if err := madvise(lo, hi, syscall.MADV_HUGEPAGE); err != nil {
			if errors.Is(err, syscall.EINVAL) {
				// The kernel has no transparent huge pages at all.
				return got, fmt.Errorf("simnet: huge pages: madvise(MADV_HUGEPAGE) %#x-%#x: %w", lo, hi, err)
			}
			errs = append(errs, fmt.Errorf("madvise(MADV_HUGEPAGE) %#x-%#x: %w", lo, hi, err))
			continue
		}
		got.Advised += int64(hi - lo)
		// One huge page at a time: the kernel stops collapsing a range at
		// the first huge page never touched, which has no page table,
		// with EINVAL. EINVAL is no failure here, for that reason and as
		// kernels before 6.1 give it for an advice they do not know,
		// leaving the range to MADV_HUGEPAGE.
		for at := lo; at < hi; at += hugePage {
			if err := madvise(at, at+hugePage, madvCollapse); err != nil && !errors.Is(err, syscall.EINVAL) {
				if failed++; firstFailure == nil {
					firstFailure = fmt.Errorf("madvise(MADV_COLLAPSE) %#x: %w", at, err)
				}
			}
		}
	}
	if failed > 0 {
		errs = append(errs, fmt.Errorf("%d huge pages left in small ones, the first: %w", failed, firstFailure))
	}
	got.Backed, err = anonHugePages()
	if err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return got, fmt.Errorf("simnet: huge pages: %w", errors.Join(errs...))
	}
	return got, nil
}

// anonymousRange is the part of a /proc/self/maps line's mapping that whole
// huge pages can cover, if the mapping is private, anonymous and writable
// (the Go heap, its metadata, goroutine stacks), named or not ("[anon: Go:
// heap]" where the kernel keeps the names Go gives); a file or a special
// mapping ([stack], [vdso]) is left alone.
func anonymousRange(line string) (lo, hi uintptr, ok bool) {
	f := strings.Fields(line)
	if len(f) < 5 || f[1] != "rw-p" || f[4] != "0" || len(f) > 5 && !strings.HasPrefix(f[5], "[anon:") {
		return 0, 0, false
	}
	from, to, found := strings.Cut(f[0], "-")
	a, err1 := strconv.ParseUint(from, 16, 64)
	b, err2 := strconv.ParseUint(to, 16, 64)
	if !found || err1 != nil || err2 != nil {
		return 0, 0, false
	}
	lo, hi = uintptr((a+hugePage-1)&^(hugePage-1)), uintptr(b&^(hugePage-1))
	return lo, hi, lo < hi
}

func madvise(lo, hi uintptr, advice uintptr) error {
	if _, _, e := syscall.Syscall(syscall.SYS_MADVISE, lo, hi-lo, advice); e != 0 {
		return e
	}
	return nil
}

// anonHugePages is the process's anonymous memory in huge pages, from
// /proc/self/smaps_rollup.
func anonHugePages() (int64, error) {
	const key = "AnonHugePages:"
	rollup, err := os.ReadFile("/proc/self/smaps_rollup")
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(rollup)) {
		if rest, ok := strings.CutPrefix(line, key); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("/proc/self/smaps_rollup: %q: %w", line, err)
			}
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("/proc/self/smaps_rollup has no %s line", key)
}
