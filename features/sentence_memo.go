package features

import "sync"

// sentenceMemo keeps each grammar sentence parsed once. A sweep runs the
// same steps for every seed, and parsing their sentences again (a dozen
// regular expressions each, most of them the sugar steps' fixed ones) was
// a fifth of a seed's CPU. A parsed sentence is never written after
// parseSentence returns, so worlds running side by side share it.
type sentenceMemo struct {
	mu sync.RWMutex
	m  map[string]parsedSentence // by the sentence's text
}

type parsedSentence struct {
	s   *sentence
	err error
}

// sentence parses text, or returns what parsing it gave before; a suite
// without a catalog (a team's godog suite) parses every time.
func (c *catalog) sentence(text string) (*sentence, error) {
	if c == nil {
		return parseSentence(text)
	}
	c.sentences.mu.RLock()
	p, ok := c.sentences.m[text]
	c.sentences.mu.RUnlock()
	if ok {
		return p.s, p.err
	}
	return c.parsed(text)
}

// sentenceOf is sentence for the text in b, which, once the sentence was
// parsed, it looks up without making a string of it: a sugar step's text
// is made of its arguments on every run.
func (c *catalog) sentenceOf(b []byte) (*sentence, error) {
	if c == nil {
		return parseSentence(string(b))
	}
	c.sentences.mu.RLock()
	p, ok := c.sentences.m[string(b)]
	c.sentences.mu.RUnlock()
	if ok {
		return p.s, p.err
	}
	return c.parsed(string(b))
}

// parsed parses text and keeps what it gave.
func (c *catalog) parsed(text string) (*sentence, error) {
	s, err := parseSentence(text)
	c.sentences.mu.Lock()
	if c.sentences.m == nil {
		c.sentences.m = map[string]parsedSentence{}
	}
	c.sentences.m[text] = parsedSentence{s, err}
	c.sentences.mu.Unlock()
	return s, err
}
