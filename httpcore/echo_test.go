package httpcore

import (
	"encoding/json"
	"os"
	"testing"
)

// latin1Bytes turns a string Node decoded as latin1 back into its bytes.
func latin1Bytes(s string) string {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		b = append(b, byte(r))
	}
	return string(b)
}

// TestEchoAnswersAsTheNodeEchoServer replays the requests of
// fixtures/node/server-extra/echo.js (duplicate headers of every kind,
// chunked trailers, Latin-1 and escapes) and wants the very response Node's
// echo server gave, Date aside.
func TestEchoAnswersAsTheNodeEchoServer(t *testing.T) {
	raw, err := os.ReadFile("../fixtures/node/server-extra/echo.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct{ Name, Request, Response string }
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatal("echo.json has no cases")
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			e := newServerWorld(t)
			srv, port := e.server(ServerOptions{}, EchoHandler)
			peer := e.raw(srv, port, latin1Bytes(c.Request), nil)
			e.run()
			if got, want := peer.received(), latin1Bytes(c.Response); got != want {
				t.Errorf("echo response\n got %q\nwant %q", got, want)
			}
		})
	}
}
