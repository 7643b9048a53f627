// Package features runs simhttp's Gherkin scenarios: a world described in
// plain English (servers and their handlers, clients and agents, requests,
// the network and its faults) is built on the simulated network and the
// exact event sequence it produces is checked, without writing Go.
//
// The step library is in steps_server.go, steps_handlers.go,
// steps_client.go, steps_network.go and steps_assert.go, and the grammar
// that lets any object of the world call any method of the module at any
// moment ("[trigger,] actor action") in grammar*.go; [Vocabulary] lists
// them, and [InitializeScenario] adds them to a team's own godog suite. The
// documented behaviours of Node's http module are bundled as feature files
// whose expected sequences are those real Node v20 produces. [Run] runs
// scenarios (the bundle by default), [Trace] prints one scenario's trace,
// and [Sweep] runs the scenarios tagged @sweep under seeded random faults,
// shrinking each failure to its smallest fault schedule.
package features
