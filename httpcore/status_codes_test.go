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

// TestStatusLinesAreRenderedAsBefore: a line from the table is the line
// formatting would give, for every code and reason, and a reason other
// than the standard one is formatted, even after STATUS_CODES changed.
func TestStatusLinesAreRenderedAsBefore(t *testing.T) {
	format := func(code int, reason string) string {
		return "HTTP/1.1 " + strconv.Itoa(code) + " " + reason + "\r\n"
	}
	for code := 0; code < 1000; code++ {
		for _, reason := range []string{StatusText(code), "Fine", "", "unknown"} {
			if got, want := renderStatusLine(code, reason), format(code, reason); got != want {
				t.Errorf("renderStatusLine(%d, %q) = %q, want %q", code, reason, got, want)
			}
		}
	}
	STATUS_CODES[200] = "Okay"
	defer func() { STATUS_CODES[200] = "OK" }()
	if got, want := renderStatusLine(200, StatusText(200)), format(200, "Okay"); got != want {
		t.Errorf("after STATUS_CODES[200] changed: %q, want %q", got, want)
	}
}
