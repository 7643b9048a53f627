// Package samestr compares strings that are nearly always the very string
// they are compared with.
package samestr

import "unsafe"

// Equal is a == b that skips comparing the bytes of one string with
// itself. The kinds simnet numbers objects by, and the names, header lines
// and values a keep-alive exchange checks its memos and lists against, are
// nearly always the strings they were kept from, and == calls into the
// runtime for any two of one length, where the call costs more than the
// bytes it then finds to be one string.
func Equal(a, b string) bool {
	return len(a) == len(b) && (unsafe.StringData(a) == unsafe.StringData(b) || a == b)
}
