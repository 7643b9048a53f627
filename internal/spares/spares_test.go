package spares

import "testing"

// TestListIsBounded keeps at most MaxArrays arrays and MaxBytes in all, and
// hands each back once, emptied.
func TestListIsBounded(t *testing.T) {
	var l List[byte]
	for range MaxArrays + 1 {
		l.Put(make([]byte, 3, 8))
	}
	if l.Len() != MaxArrays || l.bytes != MaxArrays*8 {
		t.Fatalf("kept %d arrays, %d bytes; want %d, %d", l.Len(), l.bytes, MaxArrays, MaxArrays*8)
	}
	for range MaxArrays {
		if b := l.Take(); len(b) != 0 || cap(b) != 8 {
			t.Fatalf("took len %d cap %d, want an empty array of 8", len(b), cap(b))
		}
	}
	if b := l.Take(); b != nil || l.bytes != 0 {
		t.Fatalf("took %v from no spares, %d bytes counted", b, l.bytes)
	}
	l.Put(make([]byte, 0, MaxBytes))
	l.Put(make([]byte, 0, 1))
	l.Put(nil)
	if l.Len() != 1 || l.bytes != MaxBytes {
		t.Fatalf("kept %d arrays, %d bytes; want the first only", l.Len(), l.bytes)
	}
}
