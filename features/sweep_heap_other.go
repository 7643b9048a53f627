//go:build !linux

package features

// adviseHugePages does nothing here: Linux is where the heap's faults were
// measured and where a range can be advised as huge pages.
func adviseHugePages([]byte) {}
