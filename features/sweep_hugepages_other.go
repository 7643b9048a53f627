//go:build !linux

package features

// hugePages does nothing here: only Linux takes the advice to back a
// sweep's heap with huge pages (sweep_hugepages_linux.go says why).
func hugePages(int) uintptr { return 0 }
