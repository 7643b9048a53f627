// Package realtcp runs simnet's sockets over the operating system's TCP
// stack, so the same HTTP core that runs in a simulated world can answer
// curl or call a real server.
//
// A [Runtime] owns one wall-clock [simnet.Loop]. Every callback runs on the
// goroutine that calls [Runtime.Run]; lookups, dials, accepts, reads and
// writes block on goroutines of their own and hand their results to the loop
// with [simnet.Loop.Post]. Open sockets and listeners hold loop handles, so
// Run returns when everything is closed or unref'd, as a Node process exits.
package realtcp
