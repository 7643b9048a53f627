package httpcore

import (
	"strconv"
	"testing"
)

func TestStatusCodesMatchNode(t *testing.T) {
	var m httpModule
	loadJSON(t, "http-module.json", &m)
	if len(STATUS_CODES) != len(m.StatusCodes) {
		t.Errorf("%d status codes, Node has %d", len(STATUS_CODES), len(m.StatusCodes))
	}
	for code, text := range m.StatusCodes {
		c, err := strconv.Atoi(code)
		if err != nil {
			t.Fatal(err)
		}
		if StatusText(c) != text || STATUS_CODES[c] != text {
			t.Errorf("%d: %q, Node %q", c, StatusText(c), text)
		}
	}
	if StatusText(299) != "" || StatusText(-1) != "" {
		t.Error("codes Node does not name have no text")
	}
}
