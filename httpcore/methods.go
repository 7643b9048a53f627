package httpcore

// METHODS is Node v20's http.METHODS: the request methods the parser
// accepts for HTTP/1.x, sorted.
var METHODS = []string{
	"ACL", "BIND", "CHECKOUT", "CONNECT", "COPY", "DELETE", "GET", "HEAD",
	"LINK", "LOCK", "M-SEARCH", "MERGE", "MKACTIVITY", "MKCALENDAR", "MKCOL",
	"MOVE", "NOTIFY", "OPTIONS", "PATCH", "POST", "PROPFIND", "PROPPATCH",
	"PURGE", "PUT", "QUERY", "REBIND", "REPORT", "SEARCH", "SOURCE",
	"SUBSCRIBE", "TRACE", "UNBIND", "UNLINK", "UNLOCK", "UNSUBSCRIBE",
}

// llhttp's method numbering: the parser reports methods by these indexes and
// checks them against the protocol of the request line.
const (
	methodGet     = 1
	methodHead    = 2
	methodConnect = 5
	methodPRI     = 34
	methodSource  = 33
)

// llhttpMethods is llhttp's whole method table, indexed by llhttp's method
// number; QUERY, the newest, comes after the RTSP block.
var llhttpMethods = [...]string{
	"DELETE", "GET", "HEAD", "POST", "PUT", "CONNECT", "OPTIONS", "TRACE",
	"COPY", "LOCK", "MKCOL", "MOVE", "PROPFIND", "PROPPATCH", "SEARCH",
	"UNLOCK", "BIND", "REBIND", "UNBIND", "ACL", "REPORT", "MKACTIVITY",
	"CHECKOUT", "MERGE", "M-SEARCH", "NOTIFY", "SUBSCRIBE", "UNSUBSCRIBE",
	"PATCH", "PURGE", "MKCALENDAR", "LINK", "UNLINK", "SOURCE", "PRI",
	"DESCRIBE", "ANNOUNCE", "SETUP", "PLAY", "PAUSE", "TEARDOWN",
	"GET_PARAMETER", "SET_PARAMETER", "REDIRECT", "RECORD", "FLUSH", "QUERY",
}

// rtspMethods are the methods llhttp allows with an RTSP/x.x version.
var rtspMethods = map[string]bool{
	"OPTIONS": true, "DESCRIBE": true, "ANNOUNCE": true, "SETUP": true,
	"PLAY": true, "PAUSE": true, "TEARDOWN": true, "GET_PARAMETER": true,
	"SET_PARAMETER": true, "REDIRECT": true, "RECORD": true, "FLUSH": true,
	"GET": true, "POST": true,
}

// methodAllowed reports whether llhttp accepts method number m with the
// protocol named in the request line (HTTP, RTSP or ICE).
func methodAllowed(proto string, m int) bool {
	switch proto {
	case "HTTP":
		return m <= methodPRI || m == len(llhttpMethods)-1
	case "RTSP":
		return rtspMethods[llhttpMethods[m]]
	default:
		return m == methodSource
	}
}

// methodTrie matches request methods as llhttp does: longest key first, a
// shorter key chosen without consuming when the input leaves the longer one.
var methodTrie = newTrie(llhttpMethods[:]...)
