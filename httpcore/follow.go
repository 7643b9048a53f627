package httpcore

// A follower reads both directions of one connection with the parser, to
// find the HTTP points fault rules act at (simnet.HTTPMark). It never
// changes or keeps the bytes: the parser reads them in place.

import (
	"math"

	"github.com/simhttp/simhttp/simnet"
)

// follower tracks one connection's exchanges: requests on the client's
// stream, their responses on the server's, paired in order.
type follower struct {
	req, res *Parser
	marks    []simnet.HTTPMark // the Feed call's output, while it runs
	methods  []int             // llhttp method of each request, from methods[next] on those whose response has not begun
	next     int
	requests int     // requests begun
	finals   int     // final (non-1xx) response heads seen
	interim  bool    // the response being read is a 1xx
	tunnel   [2]bool // the direction carries an upgraded protocol, not HTTP
}

// NewFollower returns a follower for one connection, for
// simnet.World.FollowHTTP and the proxy. It parses leniently and without a
// header size limit: it follows what the peers accept, it does not judge.
func NewFollower() simnet.HTTPFollower { return initFollower(&follower{}, new(Parser), new(Parser)) }

// NewFollowerIn is NewFollower for a connection of loop's world: the
// follower and its two parsers come from the world's spares when it has
// them and go back with the world's other objects (see simnet.Alloc).
func NewFollowerIn(loop *simnet.Loop) simnet.HTTPFollower {
	return initFollower(simnet.Alloc[follower](loop), simnet.Alloc[Parser](loop), simnet.Alloc[Parser](loop))
}

// followerParsing is how a follower's parsers read.
var followerParsing = ParserOptions{MaxHeaderSize: math.MaxInt, Lenient: true, SkipStrings: true}

// initFollower readies the zero follower f with the zero parsers req and
// res, and is their hooks itself: closures for them cost an allocation
// each, every connection.
func initFollower(f *follower, req, res *Parser) *follower {
	f.req, f.res = initParser(req, ParseRequest, followerParsing), initParser(res, ParseResponse, followerParsing)
	f.req.SetOnBegin(func() {
		f.requests++
		f.mark(simnet.AfterNone, f.requests, f.req.Offset())
	})
	f.req.hooks, f.res.hooks = f, f
	return f
}

// onHead is a head on either stream, as messageHooks.
func (f *follower) onHead(p *Parser, h *MessageHead) BodyMode {
	if p == f.req {
		return f.onRequestHead(h)
	}
	return f.onResponseHead(h)
}

// onBody ignores a body: only heads and ends are HTTP points.
func (f *follower) onBody(*Parser, []byte) {}

// onComplete is a message's end on either stream, as messageHooks: a
// request's end marks nothing.
func (f *follower) onComplete(p *Parser, _ []string) {
	if p == f.res {
		f.onResponseComplete()
	}
}

func (f *follower) mark(p simnet.HTTPPoint, exchange, off int) {
	f.marks = append(f.marks, simnet.HTTPMark{Point: p, Exchange: exchange, Off: off})
}

func (f *follower) onRequestHead(*MessageHead) BodyMode {
	f.methods = append(f.methods, f.req.method)
	f.mark(simnet.AfterRequestHeaders, f.requests, f.req.Offset())
	return BodyNormal
}

// onResponseHead tells the parser what the response's request implies
// about its body, as Node's client does.
func (f *follower) onResponseHead(h *MessageHead) BodyMode {
	f.interim = h.StatusCode/100 == 1 && h.StatusCode != 101
	if f.interim {
		return BodyNormal
	}
	f.finals++
	method := -1
	if f.next < len(f.methods) {
		method = f.methods[f.next]
		f.next++
		if f.next == len(f.methods) {
			f.methods, f.next = f.methods[:0], 0
		}
	}
	f.mark(simnet.AfterResponseHeaders, f.finals, f.res.Offset())
	switch {
	case method == methodConnect && h.StatusCode/100 == 2:
		return BodyUpgrade
	case method == methodHead:
		return BodySkip
	}
	return BodyNormal
}

func (f *follower) onResponseComplete() {
	if f.interim {
		f.interim = false
		return
	}
	f.mark(simnet.AfterResponse, f.finals, f.res.Offset())
}

// Feed implements simnet.HTTPFollower.
func (f *follower) Feed(toServer bool, data []byte, marks []simnet.HTTPMark) ([]simnet.HTTPMark, error) {
	side, p := 1, f.res
	if toServer {
		side, p = 0, f.req
	}
	if f.tunnel[side] {
		return marks, nil
	}
	f.marks = marks
	_, err := p.Execute(data)
	marks, f.marks = f.marks, nil
	if p.Upgraded() {
		// Whatever follows the upgrade (or the CONNECT) is another
		// protocol, both ways once the response agreed.
		f.tunnel[side] = true
		if !toServer {
			f.tunnel[0] = true
		}
	}
	if err != nil {
		return marks, err
	}
	return marks, nil
}
