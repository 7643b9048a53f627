// Package gonet puts Go programs on simnet's simulated network: a
// net.Listener ([Listen]), a dialer whose DialContext fits
// http.Transport ([Dialer]) and connections ([TCPConn]) with the
// behaviour of *net.TCPConn, over the hosts of a [simnet.World]. An
// unmodified http.Server, http.Client, reverse proxy or retry loop runs on
// it, next to simhttp's Node-like servers and clients, under the same fault
// rules, and shows up in the same traces and captures.
//
// # Time
//
// [Run] runs a test body inside a testing/synctest bubble whose clock is
// the world's virtual clock: time.Now, time.Sleep, timers, context
// deadlines and connection deadlines in the body and in every goroutine it
// starts follow the world's time, and a test of an hour-long idle timeout
// takes microseconds. One goroutine of the bubble, the driver, owns the
// world's loop; the loop advances only when every other goroutine of the
// bubble is durably blocked (a quiescent point), so Go code always sees the
// network at rest and reacts at the same virtual instant. simnet stays
// single-threaded: the driver is the only place goroutines meet it.
//
// # What is deterministic
//
// With the same seed and the same program:
//
//   - every decision the network makes (sequence numbers, faults drawn by
//     probability, latencies, segment boundaries) is the same;
//   - every instant is the same: what the loop does at virtual time T, and
//     the virtual time at which a Go timer, sleep or deadline fires;
//   - socket operations that goroutines submit between two quiescent points
//     are applied at the second one in a fixed order, by connection number
//     and then by each connection's own sequence, never by which goroutine
//     the scheduler ran first; new listeners and dials are ordered by host
//     and address;
//   - a goroutine woken by a timer at instant T runs before the network's
//     events at T are applied, and a goroutine woken by the network runs
//     before the loop moves past that instant;
//   - a goroutine the driver wakes (data, an end of stream, an error, an
//     accepted connection, a dial's outcome, Do returning) runs only once
//     the driver's work at that quiescent point is done, so it finds the
//     network as that work left it, never half-way through.
//
// Not controlled: the interleaving of goroutines between two quiescent
// points, which the Go scheduler picks. A program whose network behaviour
// depends on it (two goroutines racing to write on one connection, a
// select between two ready channels deciding what to send, identical dials
// from two goroutines at one instant) can differ between runs.
// [CheckDeterminism] runs a test twice and reports the first trace event
// where the runs differ, so such a test is caught instead of flaking.
//
// # Rules of use
//
//   - Listen, Dialer and Do work only inside the body of Run, from the
//     bubble's goroutines; elsewhere they return a *UseError saying so.
//   - The body must not call synctest.Wait itself: the driver does.
//   - A goroutine waiting on a sync.Mutex is not durably blocked, so a
//     program that holds a mutex while it waits on the network (a full
//     send buffer, a read) stops the world; Run's watchdog then panics
//     naming the bubble (see [StuckAfter]) instead of hanging the test.
//     Close, CloseWrite and the socket options never wait, so they are
//     safe under a mutex, as http.Transport calls them.
//   - Node-side objects on the same world (httpcore servers and clients)
//     belong to the loop: create them before Run, from loop callbacks, or
//     through [Do]. Observers run on the driver goroutine too: read what
//     they collect through Do, or after Run returns.
//
// # Differences from Linux
//
//   - Write returns once its bytes are in the connection's 64 KiB send
//     buffer; bytes still queued when a write deadline passes are sent
//     anyway, as those a kernel had taken would be.
package gonet
