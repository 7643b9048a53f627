// Package httpcore is simhttp's implementation of the Node.js http module:
// the HTTP/1.x parser, header validation, incoming and outgoing messages,
// the client, the agent and the server, over the runtime interface that
// simnet implements.
//
// The parser ([Parser]) is a pure push state machine that reproduces Node
// v20's llhttp build byte for byte: the same messages are accepted, the same
// failures carry the same HPE_* codes, reasons and positions, and the
// insecureHTTPParser option relaxes exactly what Node relaxes. It has no
// goroutines, clock or I/O; its owner feeds it bytes and it calls back
// synchronously.
//
// Strings that carry message bytes (header names and values, URLs, status
// messages) hold the bytes as received, one byte per character, which is how
// Node's latin1 strings map onto Go strings.
package httpcore
