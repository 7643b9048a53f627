package features

import (
	"embed"
	"io/fs"
)

// bundled holds the documented scenarios, so `simhttp run` with no argument
// runs them from any directory.
//
//go:embed agent client faults grammar node server service
var bundled embed.FS

// bundle is the bundled features with paths relative to this directory
// ("client/orders.feature"), as a failure report names them.
var bundle fs.FS = bundled
