//go:build !linux

package features

// canAdviseHugePages is false here: Linux is where the heap's faults were
// measured and where a range can be advised as huge pages, so elsewhere a
// sweep makes no room for its heap, which would cost a 56 MiB allocation
// and a collection to no end.
const canAdviseHugePages = false

func adviseHugePages([]byte) {}
