package httpcore

import (
	"fmt"
	"strings"
)

// Node's http.validateHeaderName and http.validateHeaderValue, and the two
// checks behind them that OutgoingMessage uses for every header it sets.
// Names and values are byte strings: each byte is one latin1 character, as
// Node writes header strings to the wire.

// ValidateHeaderName is Node's http.validateHeaderName: name must be a
// non-empty RFC 7230 token, or the error is ERR_INVALID_HTTP_TOKEN.
func ValidateHeaderName(name string) error {
	if !checkIsHTTPToken(name) {
		return newError("ERR_INVALID_HTTP_TOKEN", "Header name must be a valid HTTP token [%s]", jsQuote(name))
	}
	return nil
}

// ValidateHeaderValue is Node's http.validateHeaderValue: a nil value
// (Node's undefined) is ERR_HTTP_INVALID_HEADER_VALUE, and a value whose
// string form holds a control byte other than HTAB, or DEL, is
// ERR_INVALID_CHAR. Strings and string lists are checked as they are; other
// values by their fmt.Sprint form, as Node checks String(value).
func ValidateHeaderValue(name string, value any) error {
	var s string
	switch v := value.(type) {
	case nil:
		return newError("ERR_HTTP_INVALID_HEADER_VALUE", "Invalid value \"undefined\" for header %s", jsQuote(name))
	case string:
		s = v
	case []string:
		s = strings.Join(v, ",")
	default:
		s = fmt.Sprint(v)
	}
	return validateHeaderString(name, s)
}

// validateHeaderString is ValidateHeaderValue for a value that is already
// a string.
func validateHeaderString(name, s string) error {
	if checkInvalidHeaderChar(s) {
		return newError("ERR_INVALID_CHAR", "Invalid character in header content [%s]", jsQuote(name))
	}
	return nil
}

// checkIsHTTPToken is Node's checkIsHttpToken: s is a non-empty token.
func checkIsHTTPToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !tokenChars[s[i]] {
			return false
		}
	}
	return true
}

// checkInvalidHeaderChar is Node's checkInvalidHeaderChar: s holds a byte
// outside HTAB, SP to '~' and 0x80 to 0xFF.
func checkInvalidHeaderChar(s string) bool {
	for i := 0; i < len(s); i++ {
		if !headerChars[s[i]] {
			return true
		}
	}
	return false
}

// jsQuote wraps s in double quotes as Node's messages do: the text goes in
// as it is, unescaped.
func jsQuote(s string) string { return `"` + s + `"` }
