package simnet

import "testing"

// serverAndClient is a world made with opts holding a host "server" at
// 10.0.0.1 and a host "client", for the tests inside the package.
func serverAndClient(t *testing.T, opts ...Option) (w *World, srv, cli *Host) {
	t.Helper()
	w, err := NewWorld(1, opts...)
	if err != nil {
		t.Fatal(err)
	}
	if srv, err = w.AddHost("server", "10.0.0.1"); err != nil {
		t.Fatal(err)
	}
	if cli, err = w.AddHost("client"); err != nil {
		t.Fatal(err)
	}
	return w, srv, cli
}
