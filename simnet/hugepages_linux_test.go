package simnet

import "testing"

// TestAnonymousRange checks which /proc/self/maps lines are advised, and
// that only whole huge pages inside a mapping are.
func TestAnonymousRange(t *testing.T) {
	for _, c := range []struct {
		line   string
		lo, hi uintptr
		ok     bool
	}{
		{"c000000000-c004000000 rw-p 00000000 00:00 0 ", 0xc000000000, 0xc004000000, true},
		{"c000000000-c004000000 rw-p 00000000 00:00 0    [anon: Go: heap]", 0xc000000000, 0xc004000000, true},
		{"7f5f9d63e000-7f5f9fa00001 rw-p 00000000 00:00 0", 0x7f5f9d800000, 0x7f5f9fa00000, true},
		{"7f5f9d63e000-7f5f9d800000 rw-p 00000000 00:00 0", 0, 0, false},
		{"c004000000-c008000000 ---p 00000000 00:00 0", 0, 0, false},
		{"c004000000-c008000000 rw-s 00000000 00:01 1234 /dev/zero (deleted)", 0, 0, false},
		{"00400000-00800000 rw-p 00000000 fd:01 4242 /usr/bin/simhttp", 0, 0, false},
		{"7ffde6800000-7ffde6c00000 rw-p 00000000 00:00 0      [stack]", 0, 0, false},
		{"zz-c004000000 rw-p 00000000 00:00 0", 0, 0, false},
		{"", 0, 0, false},
	} {
		lo, hi, ok := anonymousRange(c.line)
		if ok != c.ok || ok && (lo != c.lo || hi != c.hi) {
			t.Errorf("anonymousRange(%q) = %#x, %#x, %v; want %#x, %#x, %v", c.line, lo, hi, ok, c.lo, c.hi, c.ok)
		}
	}
}
