// request_options.go: http.request's options, the URL form merged with them,
// their validation (Node's codes, in Node's order) and the AbortSignal.

package httpcore

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/simhttp/simhttp/simnet"
)

// RequestOptions are the options of http.request; a zero field is an option
// not given. Set fields win over the parts of a URL passed beside them.
type RequestOptions struct {
	// Agent pools the request's connection; nil means the runtime's global
	// agent, unless NoAgent or CreateConnection is set.
	Agent *Agent
	// NoAgent is agent: false: a one-off Agent with default options.
	NoAgent bool
	// Auth is "user:password" for an Authorization: Basic header.
	Auth string
	// CreateConnection replaces the agent (Node's createConnection option):
	// it returns the socket, or nil and later calls cb; an error it returns
	// becomes the request's 'error'.
	CreateConnection func(opts simnet.ConnectOptions, cb func(*simnet.Socket, error)) (*simnet.Socket, error)
	// DefaultPort is used when Port is zero; zero means the agent's (80).
	DefaultPort int
	// Family is the IP family to resolve Host to: 0 (either), 4 or 6.
	Family int
	// Headers are set in order, as with SetHeader, before anything is sent.
	Headers []HeaderField
	// RawHeaders is Node's array form [name, value, name, value...]: sent
	// as given, with no Host or Authorization header added.
	RawHeaders []string
	// Host is the server's name or address; "" means localhost.
	Host string
	// Hostname is an alias of Host that wins over it, as in Node.
	Hostname     string
	LocalAddress string // local interface to bind
	LocalPort    int    // local port to bind
	// Lookup replaces the runtime's name lookup.
	Lookup func(host string, family int, cb func(netip.Addr, error))
	// MaxHeaderSize caps the response head in bytes; zero means the parser's default.
	MaxHeaderSize int
	// Method defaults to GET; it is upper-cased.
	Method string
	// Path is the request target with its query; "" means "/".
	Path string
	// Port defaults to DefaultPort, then the agent's default port, then 80.
	Port int
	// Protocol must be "http:" when set.
	Protocol string
	// SetHost decides whether a Host header is added; nil means true.
	SetHost *bool
	// SocketPath is a Unix domain socket to connect to instead of Host:Port.
	SocketPath string
	// Timeout is the socket idle timeout set once a socket is assigned;
	// nil leaves the agent's.
	Timeout *time.Duration
	// Signal aborts the request when its controller aborts.
	Signal *AbortSignal
	// InsecureHTTPParser accepts invalid response heads; nil means false.
	InsecureHTTPParser *bool
	// JoinDuplicateHeaders joins repeated response headers with ", ".
	JoinDuplicateHeaders bool
	// UniqueHeaders are header names sent once, their values joined.
	UniqueHeaders []string
}

// HeaderField is one header given in RequestOptions.Headers: a name and its
// values (several values are sent as repeated lines).
type HeaderField struct {
	Name   string
	Values []string
}

// requestSpec is a validated request: options merged with the URL and the
// agent's defaults, everything Node computes in the ClientRequest
// constructor before it touches a header.
type requestSpec struct {
	agent         *Agent // nil when CreateConnection replaces it
	method        string
	path          string
	host          string // hostname || host || "localhost"
	port          int
	defaultPort   int
	protocol      string
	setHost       bool
	timeout       time.Duration
	hasTimeout    bool
	chunkedByDflt bool // useChunkedEncodingByDefault
}

// resolveRequest merges rawURL into opts, the caller's own copy of the
// options as given, and checks every option in the order Node's
// ClientRequest constructor does, so the first invalid option is the one
// reported. It works on opts in place, where taking opts by value copied
// the options once more, as keeping them in sp did: opts stays apart
// from sp, whose values the request keeps, so that the caller's copy does
// not move to the heap with them.
func resolveRequest(rt simnet.Runtime, rawURL string, opts *RequestOptions, sp *requestSpec) error {
	if rawURL != "" {
		u, err := parseRequestURL(rawURL)
		if err != nil {
			return err
		}
		*opts = mergeURL(u, *opts)
	}
	switch {
	case opts.NoAgent:
		sp.agent = oneOffAgent(rt)
	case opts.Agent != nil:
		sp.agent = opts.Agent
	case opts.CreateConnection == nil:
		sp.agent = GlobalAgent(rt)
	}
	// The global agent's protocol is the default and the expectation, as
	// in Node; it is always http:, so the agent itself need not exist yet.
	protocol := cmpOr(opts.Protocol, "http:")
	expected := "http:"
	if sp.agent != nil && sp.agent.protocol != "" {
		expected = sp.agent.protocol
	}
	if opts.Path != "" && !validRequestPath(opts.Path) {
		return &Error{Code: "ERR_UNESCAPED_CHARACTERS", Message: "Request path contains unescaped characters"}
	}
	if protocol != expected {
		return &Error{Code: "ERR_INVALID_PROTOCOL",
			Message: fmt.Sprintf("Protocol %q not supported. Expected %q", protocol, expected)}
	}
	sp.protocol = protocol
	sp.defaultPort = opts.DefaultPort
	if sp.defaultPort == 0 && sp.agent != nil {
		sp.defaultPort = sp.agent.defaultPort
	}
	sp.port = opts.Port
	if sp.port == 0 {
		sp.port = sp.defaultPort
	}
	if sp.port == 0 {
		sp.port = 80
	}
	sp.host = opts.Hostname
	if sp.host == "" {
		sp.host = opts.Host
	}
	if sp.host == "" {
		sp.host = "localhost"
	}
	sp.setHost = opts.SetHost == nil || *opts.SetHost
	if opts.Timeout != nil {
		d, err := timerDuration(*opts.Timeout, "timeout")
		if err != nil {
			return err
		}
		sp.timeout, sp.hasTimeout = d, true
	}
	sp.method = "GET"
	if opts.Method != "" {
		if !checkIsHTTPToken(opts.Method) {
			return &Error{Code: "ERR_INVALID_HTTP_TOKEN",
				Message: fmt.Sprintf("Method must be a valid HTTP token [%q]", opts.Method)}
		}
		sp.method = strings.ToUpper(opts.Method)
	}
	if opts.MaxHeaderSize < 0 {
		return outOfRange("maxHeaderSize", ">= 0 && <= 9007199254740991", strconv.Itoa(opts.MaxHeaderSize))
	}
	switch sp.method {
	case "GET", "HEAD", "DELETE", "OPTIONS", "TRACE", "CONNECT":
	default:
		sp.chunkedByDflt = true
	}
	sp.path = opts.Path
	if sp.path == "" {
		sp.path = "/"
	}
	return nil
}

// checkConnectOptions makes the checks net.connect makes synchronously,
// which Node reports from http.request once the headers are set.
func checkConnectOptions(opts *RequestOptions, sp *requestSpec) error {
	if sp.port < 0 || sp.port > 65535 {
		return &Error{Code: "ERR_SOCKET_BAD_PORT",
			Message: fmt.Sprintf("Port should be >= 0 and < 65536. Received type number (%d).", sp.port)}
	}
	if la := opts.LocalAddress; la != "" {
		if _, err := netip.ParseAddr(la); err != nil {
			return &Error{Code: "ERR_INVALID_IP_ADDRESS", Message: "Invalid IP address: " + la}
		}
	}
	if f := opts.Family; f != 0 && f != 4 && f != 6 {
		if _, err := netip.ParseAddr(sp.host); err != nil {
			return &Error{Code: "ERR_INVALID_ARG_VALUE",
				Message: fmt.Sprintf("The argument 'family' must be one of: 0, 4, 6. Received %d", f)}
		}
	}
	if opts.SocketPath != "" {
		return &Error{Code: "ERR_INVALID_ARG_VALUE",
			Message: fmt.Sprintf("The property 'options.socketPath' is invalid. Received %q: this runtime has no Unix domain sockets", opts.SocketPath)}
	}
	return nil
}

// connectOptions are the net.connect options a request's socket is made with.
func (sp *requestSpec) connectOptions(opts *RequestOptions) simnet.ConnectOptions {
	return simnet.ConnectOptions{
		Host:         sp.host,
		Port:         sp.port,
		LocalAddress: opts.LocalAddress,
		LocalPort:    opts.LocalPort,
		Family:       opts.Family,
		Lookup:       opts.Lookup,
	}
}

// validRequestPath is Node's INVALID_PATH_REGEX turned around: every
// character must lie in U+0021..U+00FF.
func validRequestPath(p string) bool {
	for _, r := range p {
		if r < 0x21 || r > 0xff {
			return false
		}
	}
	return true
}

// timerDuration is Node's getTimerDuration: negative durations are out of
// range, and those past TIMEOUT_MAX are truncated to it.
func timerDuration(d time.Duration, name string) (time.Duration, error) {
	if d < 0 {
		return 0, outOfRange(name, "a non-negative finite number", formatMs(d))
	}
	const timeoutMax = (1<<31 - 1) * time.Millisecond
	return min(d, timeoutMax), nil
}

// formatMs prints a duration the way Node prints a millisecond count.
func formatMs(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', -1, 64)
}

func outOfRange(name, want, received string) *Error {
	return &Error{Code: "ERR_OUT_OF_RANGE",
		Message: fmt.Sprintf("The value of %q is out of range. It must be %s. Received %s", name, want, received)}
}

// AbortController is Node's AbortController: it owns one AbortSignal.
type AbortController struct{ signal *AbortSignal }

// NewAbortController returns a controller whose signal is not yet aborted.
func NewAbortController() *AbortController {
	return &AbortController{signal: &AbortSignal{}}
}

// Signal is controller.signal.
func (c *AbortController) Signal() *AbortSignal { return c.signal }

// Abort is controller.abort(reason): listeners run synchronously, once; a
// nil reason becomes an AbortError DOMException, as in Node.
func (c *AbortController) Abort(reason error) {
	s := c.signal
	if s.aborted {
		return
	}
	if reason == nil {
		reason = &Error{Code: "ABORT_ERR", Message: "This operation was aborted"}
	}
	s.aborted, s.reason = true, reason
	ls := s.listeners
	s.listeners = nil
	for _, l := range ls {
		if !l.dead {
			l.fn()
		}
	}
}

// AbortSignal is Node's AbortSignal, passed as RequestOptions.Signal.
type AbortSignal struct {
	aborted   bool
	reason    error
	listeners []*abortListener
}

type abortListener struct {
	fn   func()
	dead bool
}

// Aborted is signal.aborted.
func (s *AbortSignal) Aborted() bool { return s.aborted }

// Reason is signal.reason: nil until aborted.
func (s *AbortSignal) Reason() error { return s.reason }

// onAbort adds fn for the abort and returns a function that removes it.
func (s *AbortSignal) onAbort(fn func()) (off func()) {
	l := &abortListener{fn: fn}
	s.listeners = append(s.listeners, l)
	return func() {
		l.dead = true
		for i, x := range s.listeners {
			if x == l {
				s.listeners = append(s.listeners[:i:i], s.listeners[i+1:]...)
				return
			}
		}
	}
}

// abortError is the error a stream is destroyed with when its signal aborts.
func abortError(reason error) *Error {
	return &Error{Code: "ABORT_ERR", Message: "The operation was aborted", Err: reason}
}

// urlParts is what Node's urlToHttpOptions takes from a WHATWG URL.
type urlParts struct {
	protocol string
	hostname string // IPv6 without brackets
	port     int    // 0 when the URL names none (or its scheme's default)
	path     string // pathname and search
	auth     string // decoded "user:password", "" without userinfo
}

// mergeURL lays opts over the URL's parts, as Object.assign(url, options).
func mergeURL(u urlParts, opts RequestOptions) RequestOptions {
	if opts.Protocol == "" {
		opts.Protocol = u.protocol
	}
	if opts.Hostname == "" {
		opts.Hostname = u.hostname
	}
	if opts.Port == 0 {
		opts.Port = u.port
	}
	if opts.Path == "" {
		opts.Path = u.path
	}
	if opts.Auth == "" {
		opts.Auth = u.auth
	}
	return opts
}

// specialPorts are the WHATWG special schemes and their default ports.
var specialPorts = map[string]int{"http": 80, "https": 443, "ws": 80, "wss": 443, "ftp": 21}

func invalidURL(input, why string) *Error {
	return &Error{Code: "ERR_INVALID_URL", Message: "Invalid URL", Err: fmt.Errorf("%q: %s", input, why)}
}

// parseRequestURL reads a URL string the way new URL() followed by
// urlToHttpOptions does in Node, for the schemes http.request can meet.
// Non-ASCII host names are refused rather than converted to punycode.
func parseRequestURL(input string) (urlParts, error) {
	s := strings.TrimFunc(input, func(r rune) bool { return r <= 0x20 })
	s = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, s)
	colon := strings.IndexByte(s, ':')
	if colon <= 0 || !validScheme(s[:colon]) {
		return urlParts{}, invalidURL(input, "no scheme")
	}
	scheme := strings.ToLower(s[:colon])
	rest := s[colon+1:]
	if i := strings.IndexByte(rest, '#'); i >= 0 {
		rest = rest[:i]
	}
	u := urlParts{protocol: scheme + ":"}
	defPort, special := specialPorts[scheme]
	if !special {
		if !strings.HasPrefix(rest, "//") {
			u.path = rest
			return u, nil
		}
		rest = rest[2:]
	} else {
		rest = strings.TrimLeft(rest, `/\`)
	}
	end := strings.IndexAny(rest, `/?`)
	if special {
		end = strings.IndexAny(rest, `/\?`)
	}
	if end < 0 {
		end = len(rest)
	}
	authority, tail := rest[:end], rest[end:]
	if at := strings.LastIndexByte(authority, '@'); at >= 0 {
		user, pass, _ := strings.Cut(authority[:at], ":")
		if user != "" || pass != "" {
			u.auth = percentDecode(user) + ":" + percentDecode(pass)
		}
		authority = authority[at+1:]
	}
	host, port, err := splitHostPort(authority)
	if err != nil {
		return urlParts{}, invalidURL(input, err.Error())
	}
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n > 65535 || strings.TrimLeft(port, "0123456789") != "" {
			return urlParts{}, invalidURL(input, "bad port")
		}
		if !special || n != defPort {
			u.port = n
		}
	}
	if host == "" && special {
		return urlParts{}, invalidURL(input, "empty host")
	}
	if u.hostname, err = parseURLHost(host); err != nil {
		return urlParts{}, invalidURL(input, err.Error())
	}
	pathPart, query, hasQuery := strings.Cut(tail, "?")
	u.path = normalizeURLPath(pathPart, special)
	if hasQuery && query != "" {
		u.path += "?" + percentEncode(query, queryEncodes)
	}
	return u, nil
}

func validScheme(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		alpha := c|0x20 >= 'a' && c|0x20 <= 'z'
		if !alpha && (i == 0 || !(c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return false
		}
	}
	return true
}

// splitHostPort splits an authority's host from its port; an IPv6 host
// keeps its brackets here.
func splitHostPort(a string) (host, port string, err error) {
	if strings.HasPrefix(a, "[") {
		end := strings.IndexByte(a, ']')
		if end < 0 {
			return "", "", fmt.Errorf("unclosed IPv6 address")
		}
		host, rest := a[:end+1], a[end+1:]
		if rest == "" {
			return host, "", nil
		}
		if rest[0] != ':' {
			return "", "", fmt.Errorf("junk after IPv6 address")
		}
		return host, rest[1:], nil
	}
	host, port, _ = strings.Cut(a, ":")
	return host, port, nil
}

// parseURLHost is the WHATWG host parser for ASCII hosts: IPv6 in
// brackets, IPv4 in any of its numeric forms, or a lower-cased domain.
func parseURLHost(h string) (string, error) {
	if strings.HasPrefix(h, "[") {
		a, err := netip.ParseAddr(h[1 : len(h)-1])
		if err != nil || !a.Is6() || a.Zone() != "" {
			return "", fmt.Errorf("bad IPv6 address")
		}
		return a.String(), nil
	}
	h = percentDecode(h)
	for i := 0; i < len(h); i++ {
		c := h[i]
		if c >= utf8.RuneSelf {
			return "", fmt.Errorf("non-ASCII host names are not supported")
		}
		if c <= 0x20 || c == 0x7f || strings.IndexByte("#%/:<>?@[\\]^|", c) >= 0 {
			return "", fmt.Errorf("forbidden host code point %q", c)
		}
	}
	h = strings.ToLower(h)
	labels := strings.Split(strings.TrimSuffix(h, "."), ".")
	if last := labels[len(labels)-1]; last != "" && isIPv4Number(last) {
		return parseIPv4Host(labels)
	}
	return h, nil
}

func isIPv4Number(s string) bool {
	if strings.HasPrefix(s, "0x") {
		return strings.TrimLeft(s[2:], "0123456789abcdef") == ""
	}
	return strings.TrimLeft(s, "0123456789") == ""
}

// parseIPv4Host reads 1 to 4 decimal, octal or hex parts, the last filling
// the remaining bytes, as the WHATWG IPv4 parser does.
func parseIPv4Host(parts []string) (string, error) {
	if len(parts) > 4 {
		return "", fmt.Errorf("too many IPv4 parts")
	}
	nums := make([]uint64, len(parts))
	for i, p := range parts {
		base := 10
		switch {
		case strings.HasPrefix(p, "0x"):
			p, base = p[2:], 16
		case len(p) > 1 && p[0] == '0':
			p, base = p[1:], 8
		}
		n := uint64(0)
		if p != "" {
			var err error
			if n, err = strconv.ParseUint(p, base, 64); err != nil {
				return "", fmt.Errorf("bad IPv4 part %q", parts[i])
			}
		}
		nums[i] = n
	}
	last := len(nums) - 1
	v := nums[last]
	if v >= 1<<(8*(4-last)) {
		return "", fmt.Errorf("IPv4 address out of range")
	}
	for i, n := range nums[:last] {
		if n > 255 {
			return "", fmt.Errorf("IPv4 part out of range")
		}
		v += n << (8 * (3 - i))
	}
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}).String(), nil
}

// normalizeURLPath splits the path into segments, resolves "." and ".."
// (also percent-encoded) and percent-encodes what the path set requires.
func normalizeURLPath(p string, special bool) string {
	if special {
		p = strings.ReplaceAll(p, `\`, "/")
	}
	if p == "" {
		if special {
			return "/"
		}
		return ""
	}
	segs := strings.Split(strings.TrimPrefix(p, "/"), "/")
	var out []string
	for i, seg := range segs {
		lastSeg := i == len(segs)-1
		switch strings.ToLower(seg) {
		case ".", "%2e":
			if lastSeg {
				out = append(out, "")
			}
		case "..", ".%2e", "%2e.", "%2e%2e":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
			if lastSeg {
				out = append(out, "")
			}
		default:
			out = append(out, percentEncode(seg, pathEncodes))
		}
	}
	return "/" + strings.Join(out, "/")
}

// The WHATWG percent-encode sets beyond C0 controls and non-ASCII.
const (
	pathEncodes  = " \"#<>?`{}"
	queryEncodes = " \"#<>'"
)

func percentEncode(s, set string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e || strings.IndexByte(set, c) >= 0 {
			fmt.Fprintf(&b, "%%%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// percentDecode decodes %XX escapes, leaving malformed ones as they are.
func percentDecode(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			v, _ := strconv.ParseUint(s[i+1:i+3], 16, 8)
			b = append(b, byte(v))
			i += 2
			continue
		}
		b = append(b, s[i])
	}
	return string(b)
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'f'
}
