package features

import "testing"

// TestCatalogParsesEachSentenceOnce checks that a catalog hands every run
// the sentence it parsed first, a failed parse included, and that a suite
// without a catalog still parses.
func TestCatalogParsesEachSentenceOnce(t *testing.T) {
	c := &catalog{}
	const text = "the client sends GET /1"
	first, err := c.sentence(text)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := c.sentence(text); again != first {
		t.Error("the same sentence was parsed twice")
	}
	_, bad := c.sentence("the client juggles")
	if _, again := c.sentence("the client juggles"); bad == nil || again != bad {
		t.Errorf("a sentence that does not parse gave %v, then %v", bad, again)
	}
	var none *catalog
	if s, err := none.sentence(text); err != nil || s == first || s.text != text {
		t.Errorf("without a catalog: %v, %v", s, err)
	}
}
