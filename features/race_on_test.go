//go:build race

package features

// raceDetector tells whether the tests run under the race detector, where
// sync.Pool drops a random quarter of what it is given back.
const raceDetector = true
