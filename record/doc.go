// Package record writes what the simulation's observer sees to capture files:
// every simulated TCP segment becomes a real Ethernet, IPv4 or IPv6, and TCP
// frame in a pcap or pcapng file, with the simulation's sequence numbers and
// correct checksums, so Wireshark and tshark follow the streams as if they
// had been captured on a wire.
//
// A [Recorder] is an observer: hand its Observe method to the world, run the
// scenario, then Close it. Timestamps are virtual: time zero of the world maps
// to a fixed epoch, never to the wall clock, so the same seed always gives the
// same file, byte for byte.
package record
