// Package godogsuite is a team's own godog suite that imports simhttp's steps
// beside a step of its own; `go test ./examples/godogsuite/` runs it.
package godogsuite
