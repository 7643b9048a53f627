package httpcore

import (
	"slices"
	"strconv"
)

// STATUS_CODES is Node v20's http.STATUS_CODES.
var STATUS_CODES = map[int]string{
	100: "Continue",
	101: "Switching Protocols",
	102: "Processing",
	103: "Early Hints",
	200: "OK",
	201: "Created",
	202: "Accepted",
	203: "Non-Authoritative Information",
	204: "No Content",
	205: "Reset Content",
	206: "Partial Content",
	207: "Multi-Status",
	208: "Already Reported",
	226: "IM Used",
	300: "Multiple Choices",
	301: "Moved Permanently",
	302: "Found",
	303: "See Other",
	304: "Not Modified",
	305: "Use Proxy",
	307: "Temporary Redirect",
	308: "Permanent Redirect",
	400: "Bad Request",
	401: "Unauthorized",
	402: "Payment Required",
	403: "Forbidden",
	404: "Not Found",
	405: "Method Not Allowed",
	406: "Not Acceptable",
	407: "Proxy Authentication Required",
	408: "Request Timeout",
	409: "Conflict",
	410: "Gone",
	411: "Length Required",
	412: "Precondition Failed",
	413: "Payload Too Large",
	414: "URI Too Long",
	415: "Unsupported Media Type",
	416: "Range Not Satisfiable",
	417: "Expectation Failed",
	418: "I'm a Teapot",
	421: "Misdirected Request",
	422: "Unprocessable Entity",
	423: "Locked",
	424: "Failed Dependency",
	425: "Too Early",
	426: "Upgrade Required",
	428: "Precondition Required",
	429: "Too Many Requests",
	431: "Request Header Fields Too Large",
	451: "Unavailable For Legal Reasons",
	500: "Internal Server Error",
	501: "Not Implemented",
	502: "Bad Gateway",
	503: "Service Unavailable",
	504: "Gateway Timeout",
	505: "HTTP Version Not Supported",
	506: "Variant Also Negotiates",
	507: "Insufficient Storage",
	508: "Loop Detected",
	509: "Bandwidth Limit Exceeded",
	510: "Not Extended",
	511: "Network Authentication Required",
}

// StatusText returns http.STATUS_CODES[code] as Node v20 has it, or "" for a
// code Node does not name.
func StatusText(code int) string { return STATUS_CODES[code] }

// statusLine is a rendered "HTTP/1.1 code reason\r\n" and the reason in it.
type statusLine struct {
	reason, line string
}

// statusLines holds the status line of every code STATUS_CODES names at
// start-up, with its standard reason, so that a response sending one is
// not formatted each time; statusLineOf maps a code from 100 to 599 to its
// entry plus one (0: none). The index is kept apart from the strings so
// the collector scans 63 entries, not 500.
var statusLines, statusLineOf = renderStatusLines()

func renderStatusLines() ([]statusLine, *[500]uint8) {
	var index [500]uint8
	codes := make([]int, 0, len(STATUS_CODES))
	for code := range STATUS_CODES {
		codes = append(codes, code)
	}
	slices.Sort(codes)
	lines := make([]statusLine, 0, len(codes))
	for _, code := range codes {
		reason := STATUS_CODES[code]
		lines = append(lines, statusLine{reason: reason, line: "HTTP/1.1 " + strconv.Itoa(code) + " " + reason + "\r\n"})
		index[code-100] = uint8(len(lines))
	}
	return lines, &index
}

// renderStatusLine is the status line of code with reason, from statusLines
// when it holds that pair.
func renderStatusLine(code int, reason string) string {
	if code >= 100 && code < 600 {
		if i := statusLineOf[code-100]; i > 0 && statusLines[i-1].reason == reason {
			return statusLines[i-1].line
		}
	}
	return "HTTP/1.1 " + strconv.Itoa(code) + " " + reason + "\r\n"
}
