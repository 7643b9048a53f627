package features

import "sync"

// sentenceMemo keeps each grammar sentence parsed once. A sweep runs the
// same steps for every seed, and parsing their sentences again (a dozen
// regular expressions each, most of them the sugar steps' fixed ones) was
// a fifth of a seed's CPU. A parsed sentence is never written after
// parseSentence returns, so worlds running side by side share it.
type sentenceMemo struct {
	m sync.Map // text -> parsedSentence
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
	if p, ok := c.sentences.m.Load(text); ok {
		return p.(parsedSentence).s, p.(parsedSentence).err
	}
	s, err := parseSentence(text)
	c.sentences.m.Store(text, parsedSentence{s, err})
	return s, err
}
