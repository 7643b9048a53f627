// Package proxy puts simnet's fault rules on real TCP: a Proxy accepts
// connections, forwards each to one upstream byte for byte, follows the
// HTTP/1.x messages in both directions with httpcore's parser (pipelining,
// chunked bodies, 1xx, upgrades and CONNECT tunnels pass through
// untouched), and applies the rules at the points they name.
//
// The rules are the ones a Gherkin "the fault rule" table and a JSON rules
// file write (simnet.ParseRule reads all of them), with the same meaning:
// "request" picks the N-th request through the proxy, "after" a point of
// its exchange, "conn" the k-th connection, "after bytes" and "pattern" a
// place in a direction's bytes. They select by counts, never by timing, so
// the same client run meets the same faults every time; a probability is
// drawn from the seed, once per connection, in the order connections are
// accepted. Only "at" (time since the proxy started) and "idle" read the
// clock.
//
// How each fault acts on a real connection:
//
//   - reset: RST to the client and to the upstream; close: FIN to both.
//   - close-on-reuse: when a request begins on a kept-alive connection
//     whose previous response was forwarded whole, the client's leg is
//     reset and the upstream's closed, so the client's request meets the
//     RST: Node's agent reports ECONNRESET with reusedSocket true.
//   - refuse: a listening socket cannot refuse, so the connection is
//     accepted and reset at once.
//   - black-hole-connect: accepted, never dialled upstream, never answered.
//   - black-hole-data, stall, delay, slice: as in simnet, on the bytes of
//     the rule's direction once it triggered.
//
// Partitions and DNS faults belong to the simulated network and are
// refused, as are the keys naming hosts (client, server, port, name).
package proxy
