package simnet

const (
	arenaFirst   = 576      // a world's first chunk; each next one doubles
	arenaChunk   = 64 << 10 // the most bytes one arena allocation serves
	arenaLargest = 8 << 10  // a send buffer larger than this has its own array
)

// sendArena hands out the space of the world's TCP send buffers. Segments
// and receivers keep slices of the bytes an end sent, so those bytes are
// never written again; rather than each end keeping an array of its own
// for its next sends, which 100,000 idle connections would hold for
// nothing, ends take space from one shared chunk in turn, and an end with
// nothing left to send holds no space at all. A chunk is freed when no end,
// segment or reader refers to its bytes any more.
//
// Chunks start small and double up to arenaChunk: a world of a few
// exchanges, as a sweep runs thousands of, sends a few kilobytes, and a
// first chunk of arenaChunk would be most of what such a world allocates.
// The first is 576 bytes, a size class, as every world of the bundled
// sweep takes at most 558 bytes of it (the median 372), where a first
// chunk of 1 KiB left half of each world's unused; a world that sends more
// takes the next chunk at 1,152.
type sendArena struct {
	chunk []byte // handed out up to len
}

// grow returns a buffer holding snd's bytes with room for at least need
// bytes in all; the room past len belongs to the caller alone.
func (a *sendArena) grow(snd []byte, need int) []byte {
	size := max(need, 2*len(snd))
	var b []byte
	if size > arenaLargest {
		b = make([]byte, len(snd), size)
	} else {
		if len(a.chunk)+size > cap(a.chunk) {
			next := min(max(2*cap(a.chunk), arenaFirst), arenaChunk)
			a.chunk = make([]byte, 0, max(next, size))
		}
		off := len(a.chunk)
		a.chunk = a.chunk[:off+size]
		b = a.chunk[off : off+len(snd) : off+size]
	}
	copy(b, snd)
	return b
}
