package proxy

import "errors"

// ErrBadOptions marks an Options value Start cannot use.
var ErrBadOptions = errors.New("proxy: bad options")
