// Package replay reads captures of real HTTP/1.x traffic and pairs their
// requests with their responses.
//
// [ReadCapture] takes a pcap or pcapng file (Ethernet with VLAN tags, Linux
// cooked v1 and v2, BSD loopback, raw IPv4 and IPv6), puts every TCP
// connection back in order despite retransmitted, overlapping, reordered or
// missing segments, and parses each direction with httpcore's parser:
// keep-alive, pipelining, chunked and read-until-close bodies, 1xx
// responses, HEAD, and upgrades or CONNECT tunnels, whose bytes are counted
// but not parsed. [Inspect] summarises the same as a [Report] for `simhttp inspect`.
//
// TLS connections are decrypted between reassembly and parsing, with the
// secrets of an NSS key log ([ParseKeyLog], [WithKeyLog]) or of the pcapng's
// Decryption Secrets Blocks, so an HTTPS capture pairs as a plain one does.
// [ReadHAR] reads a HAR 1.2 file as a Capture and [Capture.WriteHAR] writes
// one, so a browser's export serves replay and the mock as a capture does.
//
// [Run] replays a capture's complete exchanges against a live server, one
// keep-alive connection per captured connection at the captured pace scaled
// by a speed, and compares every response with the captured one using
// go-cmp, under ignore rules for headers and JSON paths; its [ReplayReport]
// prints as text or JUnit XML. [NewMock] turns a capture into a request
// handler that answers with the captured responses, for a server on the
// simulated network (with faults) or, through [ServeMock], on a real port.
//
// Nothing is dropped silently. A file that is not a capture is an error; a
// corrupt packet, a hole in a stream, a message cut short or a request left
// unanswered is an [Error] recorded on the capture, connection or exchange it
// concerns, naming the packet, and reading goes on. Output depends only on
// the input bytes: reading the same file twice gives the same result.
package replay
