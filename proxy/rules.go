package proxy

// The proxy's rule engine: the rules of simnet's language, acted on at
// the bytes and HTTP points of real TCP connections. Triggers are counts
// (the k-th connection, the N-th request, a byte offset, a pattern, an HTTP
// point); only "at" and "idle" read the clock.

import (
	"bytes"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/simhttp/simhttp/simnet"
)

// Sides of a proxied connection: whose bytes, as simnet names them.
const (
	client = 0 // bytes the client sends: client->server
	server = 1 // bytes the upstream sends: server->client
)

// CheckRule refuses a rule the proxy cannot apply: simnet's checks, and
// what a proxy with one upstream cannot do (hosts, ports, partitions, DNS).
func CheckRule(r simnet.Rule) error {
	switch r.What {
	case simnet.FaultPartition, simnet.FaultDNSFail, simnet.FaultDNSDelay:
		return &simnet.Error{Code: "ERR_INVALID_ARG_VALUE", Field: "What",
			Message: fmt.Sprintf("What: %v is a fault of the simulated network; the proxy cannot apply it", r.What)}
	}
	for _, k := range []struct {
		field string
		set   bool
	}{{"Client", r.Client != ""}, {"Server", r.Server != ""}, {"Port", r.Port != 0}, {"Name", r.Name != ""}} {
		if k.set {
			return &simnet.Error{Code: "ERR_INVALID_ARG_VALUE", Field: k.field,
				Message: fmt.Sprintf("%s: is not used by the proxy: it has one client side and one upstream", k.field)}
		}
	}
	return r.Check()
}

// CheckRules reads a JSON rules file and checks every rule as the proxy
// will apply it; errors name the file, the rule's index and the key.
func CheckRules(source string, data []byte) ([]simnet.Rule, error) {
	return simnet.ParseRulesJSON(source, data, CheckRule)
}

// rule is an added rule and its bookkeeping; the counts are guarded by
// Proxy.mu.
type rule struct {
	simnet.Rule
	id       int
	matched  int // connections accepted since added, for Conn
	requests int // requests begun on the connections it acts on, for Request
	fired    int
	removed  atomic.Bool
	gone     chan struct{} // closed when removed: ends a stall with no Duration
}

// timed reports whether the rule has no byte, pattern, idle or HTTP
// trigger: it holds from its time ("at") on.
func timed(r *simnet.Rule) bool {
	return r.AfterBytes == 0 && r.Pattern == nil && r.Idle == 0 && !r.NeedsHTTP()
}

// dirHas reports whether bytes from side travel in d.
func dirHas(d simnet.Dir, side int) bool {
	return d == simnet.AnyDir || (d == simnet.ClientToServer) == (side == client)
}

// onData reports whether the fault acts on the bytes of a direction.
func onData(f simnet.Fault) bool {
	return f == simnet.FaultBlackHoleData || f == simnet.FaultStall || f == simnet.FaultDelay || f == simnet.FaultSlice
}

// ruleState is a rule's progress on one connection; guarded by conn.mu.
type ruleState struct {
	r       *rule
	fired   bool
	firedAt time.Time
	bytes   int64     // bytes seen in the rule's direction
	tail    [2][]byte // the last len(Pattern)-1 bytes of each side, for a match across reads
	target  int       // the exchange a Request rule acts on, once its request has begun
}

// wants reports whether rs acts at mark m; respDone is how many responses
// have been forwarded whole on the connection.
func (rs *ruleState) wants(m *simnet.HTTPMark, respDone int) bool {
	r := rs.r
	return !r.removed.Load() && !rs.fired && r.NeedsHTTP() && r.ActsAt(*m, rs.target, respDone)
}

// patternCut returns how many bytes of data end the first match of the
// rule's pattern, counting the side's earlier bytes, or -1.
func (rs *ruleState) patternCut(side int, data []byte) int {
	p := rs.r.Pattern
	tail := rs.tail[side]
	if len(tail) > 0 {
		// A match may start in the tail: look at the tail and at most
		// len(p)-1 new bytes together, without copying data.
		head := data[:min(len(data), len(p)-1)]
		joined := append(append(make([]byte, 0, len(tail)+len(head)), tail...), head...)
		if i := bytes.Index(joined, p); i >= 0 {
			return i + len(p) - len(tail)
		}
	}
	if i := bytes.Index(data, p); i >= 0 {
		return i + len(p)
	}
	return -1
}

// keepTail remembers the end of the bytes that passed, for patternCut.
func (rs *ruleState) keepTail(side int, passed []byte) {
	k := len(rs.r.Pattern) - 1
	t := append(rs.tail[side], passed[max(0, len(passed)-k):]...)
	rs.tail[side] = append(t[:0:0], t[max(0, len(t)-k):]...)
}
