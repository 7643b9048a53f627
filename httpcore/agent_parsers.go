package httpcore

import (
	"github.com/simhttp/simhttp/simnet"
)

// maxFreeParsers is the size of Node's parser free list (FreeList('parsers', 1000)),
// which Node keeps once per process and simhttp once per agent: only memory
// tells them apart.
const maxFreeParsers = 1000

// freeParser is a response parser a finished request gave back, with the
// options it was made with.
type freeParser struct {
	p    *Parser
	opts ParserOptions
}

// allocParser is parsers.alloc() for the agent's requests: a freed parser
// made with the same options, reset, or a new one sharing the agent's
// spares.
func (a *Agent) allocParser(po ParserOptions) *Parser {
	for i := len(a.parsers) - 1; i >= 0; i-- {
		if a.parsers[i].opts == po {
			p := a.parsers[i].p
			a.parsers = deleteAt(a.parsers, i)
			p.Reset(ParseResponse)
			return p
		}
	}
	p := newParser(a.rt.Loop(), ParseResponse, po)
	p.spares = &a.parsed
	return p
}

// releaseParser is Node's freeParser for a parser that finished its
// response cleanly: it goes back to the free list unless that is full, as
// in Node, so a socket idling in the agent holds no parser. Its hooks
// go, so it keeps neither the request nor its response alive.
func (a *Agent) releaseParser(p *Parser, po ParserOptions) {
	p.hooks = nil
	if len(a.parsers) < maxFreeParsers {
		a.parsers = append(a.parsers, freeParser{p, po})
	}
}

// newParser is NewParser for a parser of loop's world, the agents' and the
// servers' alike, taken from the world's spares when it has them.
func newParser(loop *simnet.Loop, kind ParserKind, opts ParserOptions) *Parser {
	return initParser(simnet.Alloc[Parser](loop), kind, opts)
}
