//go:build !unix

package cputime

import "time"

// Used is unknown here: zero, and benchmarks report no CPU figure.
func Used() time.Duration { return 0 }
