//go:build !linux

package proxy

import "net"

// spinGate is empty: only Linux legs spin.
type spinGate struct{}

// legReader reads one leg of a connection.
type legReader struct{ src *net.TCPConn }

func newLegReader(_ *Proxy, src, _ *net.TCPConn) (*legReader, error) {
	return &legReader{src: src}, nil
}

// read reads the next bytes of the leg, as net.Conn's Read does.
func (r *legReader) read(buf []byte) (int, error) { return r.src.Read(buf) }
