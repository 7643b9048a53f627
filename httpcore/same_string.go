package httpcore

import "unsafe"

// sameString is a == b that skips comparing the bytes of the same string.
// The names, header lines and values a keep-alive exchange checks its
// memos and lists against are nearly always the very strings they were
// kept from, and == calls into the runtime for any two of one length,
// where a call costs more than the bytes it then finds to be one string.
func sameString(a, b string) bool {
	return len(a) == len(b) && (unsafe.StringData(a) == unsafe.StringData(b) || a == b)
}
