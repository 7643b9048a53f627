// Package diagram draws one run's trace as a sequence diagram: a lane per
// object (client request and response, agent, sockets, server, server
// request and response, and each host of the network), the events in order
// from top to bottom beside their virtual time, the network's segments as
// arrows between hosts, injected faults marked where they struck, and the
// first event that differs from an expectation highlighted.
//
// It reads nothing but the trace, so a trace file is enough to draw a run
// again: SVG for people and HTML reports, Mermaid for Markdown.
package diagram
