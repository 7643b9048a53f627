// Package simnet is simhttp's deterministic world: a one-threaded event loop
// with Node's task phases and a virtual clock, a seeded RNG, and a simulated
// TCP network of hosts, listeners and sockets with net.Socket semantics and
// fault rules.
//
// Everything that happens passes one observer (see [Event]); traces and pcap
// recording are consumers of that stream. The same Loop and Socket types back
// the real-TCP runtime in simnet/realtcp, so code written against [Runtime]
// runs unchanged on either.
package simnet
