package httpcore

// Byte classes of llhttp's grammar (src/llhttp/constants.ts in Node v20's
// llhttp 9.3), as 256-entry tables so the hot loops index rather than branch.
// The tables are arrays held by value: indexed by a byte, a global array
// needs neither the load of a pointer nor a nil check, which a scan paid for
// every byte.
type byteClass [256]bool

func classOf(fns ...func(c byte) bool) byteClass {
	var t byteClass
	for i := range t {
		for _, f := range fns {
			if f(byte(i)) {
				t[i] = true
			}
		}
	}
	return t
}

func isAlpha(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isAlnum(c byte) bool { return isAlpha(c) || isDigit(c) }
func oneOf(s string) func(byte) bool {
	return func(c byte) bool {
		for i := 0; i < len(s); i++ {
			if s[i] == c {
				return true
			}
		}
		return false
	}
}

var (
	// tokenChars is RFC 7230's tchar: header names, chunk extension names
	// and unquoted values.
	tokenChars = classOf(isAlnum, oneOf("!#$%&'*+-.^_`|~"))

	// urlChars are the bytes llhttp lets through in a path, query or
	// fragment; Node's build is strict, so no control or 8-bit bytes.
	urlChars = classOf(isAlnum, oneOf("!\"$%&'()*+,-./:;<=>@[\\]^_`{|}~"))

	// userinfoChars may appear in the authority of an absolute URL.
	userinfoChars = classOf(isAlnum, oneOf("-_.!~*'()%;:&=+$,"))

	// headerChars are field-vchar, SP and HTAB: everything but controls and DEL.
	headerChars = classOf(func(c byte) bool { return c == '\t' || (c >= 0x20 && c != 0x7f) })

	// connectionTokenChars continue a Connection or Transfer-Encoding token.
	connectionTokenChars = classOf(func(c byte) bool { return c == '\t' || (c >= 0x20 && c != 0x7f && c != ',') })

	// quotedStringChars (qdtext) may appear unescaped inside a quoted chunk
	// extension value: HTAB, SP and every visible or 8-bit byte but '"'
	// and '\'.
	quotedStringChars = classOf(func(c byte) bool {
		return c == '\t' || c == ' ' || (c >= 0x21 && c != '"' && c != '\\' && c != 0x7f)
	})

	// quotedPairChars may follow a backslash in a quoted value.
	quotedPairChars = classOf(func(c byte) bool { return c == '\t' || c == ' ' || (c >= 0x21 && c != 0x7f) })
)

// hexValue is the value of a hex digit, or -1.
func hexValue(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// toLower is llhttp's safe lower-casing transform: A-Z only.
func toLower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c | 0x20
	}
	return c
}
