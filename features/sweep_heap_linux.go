package features

import "syscall"

// canAdviseHugePages: Linux backs an advised range with huge pages.
const canAdviseHugePages = true

// adviseHugePages asks the kernel to back b's whole 2 MiB pages with huge
// pages as they are first touched.
func adviseHugePages(b []byte) {
	// An error leaves b in 4 KiB pages, which only costs the faults this
	// saves.
	_ = syscall.Madvise(b, syscall.MADV_HUGEPAGE)
}
