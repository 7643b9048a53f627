package httpcore

// trie matches one of a fixed set of words byte by byte, across Execute
// calls, with llparse's semantics: bytes are consumed as they match and never
// given back, a word that is a prefix of another is chosen without consuming
// when the next byte leaves the longer word, and a mismatch stops at the
// offending byte.
type trie struct {
	nodes []trieNode
}

type trieNode struct {
	next  []trieEdge
	value int // index of the word ending here, or -1
}

type trieEdge struct {
	c  byte
	to int
}

// trieStep is the outcome of feeding one byte.
type trieStep uint8

const (
	trieMore   trieStep = iota // consumed; the word is not finished
	trieDone                   // consumed; the word ends with this byte
	trieChoose                 // not consumed; a word ended before this byte
	trieMiss                   // not consumed; no word continues with this byte
)

func newTrie(words ...string) *trie {
	t := &trie{nodes: []trieNode{{value: -1}}}
	for w, word := range words {
		n := 0
		for i := 0; i < len(word); i++ {
			n = t.child(n, word[i], true)
		}
		t.nodes[n].value = w
	}
	return t
}

func (t *trie) child(n int, c byte, grow bool) int {
	for _, e := range t.nodes[n].next {
		if e.c == c {
			return e.to
		}
	}
	if !grow {
		return -1
	}
	t.nodes = append(t.nodes, trieNode{value: -1})
	to := len(t.nodes) - 1
	t.nodes[n].next = append(t.nodes[n].next, trieEdge{c, to})
	return to
}

// step feeds c at node *n. On trieDone and trieChoose it returns the word's
// index and resets *n to the root for the next match.
func (t *trie) step(n *int, c byte) (trieStep, int) {
	if to := t.child(*n, c, false); to >= 0 {
		if len(t.nodes[to].next) == 0 {
			*n = 0
			return trieDone, t.nodes[to].value
		}
		*n = to
		return trieMore, -1
	}
	v := t.nodes[*n].value
	*n = 0
	if v >= 0 {
		return trieChoose, v
	}
	return trieMiss, -1
}
