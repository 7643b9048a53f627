package httpcore

import (
	"fmt"
	"strings"
	"testing"

	"github.com/simhttp/simhttp/simnet"
)

// followCase is a conversation written as alternating writes, with the
// marks a follower must find, as "point exchange offset" where the offset
// counts the bytes of that direction's stream.
type followCase struct {
	name   string
	writes []string // ">" client->server or "<" server->client, then the bytes
	want   string
}

var followCases = []followCase{
	{
		name:   "keep-alive with a chunked response",
		writes: []string{">GET /a HTTP/1.1\r\nHost: x\r\n\r\n", "<HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", ">GET /b HTTP/1.1\r\nHost: x\r\n\r\n", "<HTTP/1.1 204 No Content\r\n\r\n"},
		want:   "> begin 1 0; > request-headers 1 28; < response-headers 1 47; < response 1 60; > begin 2 28; > request-headers 2 56; < response-headers 2 87; < response 2 87",
	},
	{
		name:   "pipelining and a HEAD",
		writes: []string{">HEAD / HTTP/1.1\r\n\r\nPOST / HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi", "<HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx"},
		want:   "> begin 1 0; > request-headers 1 19; > begin 2 19; > request-headers 2 57; < response-headers 1 38; < response 1 38; < response-headers 2 76; < response 2 77",
	},
	{
		name:   "100 Continue is not the response",
		writes: []string{">PUT / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n", "<HTTP/1.1 100 Continue\r\n\r\n", ">z", "<HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"},
		want:   "> begin 1 0; > request-headers 1 59; < response-headers 1 63; < response 1 63",
	},
	{
		name:   "an upgrade passes through",
		writes: []string{">GET / HTTP/1.1\r\nConnection: upgrade\r\nUpgrade: ws\r\n\r\nGET / HTTP/1.1\r\n\r\n", "<HTTP/1.1 101 Switching\r\nConnection: upgrade\r\nUpgrade: ws\r\n\r\nHTTP/1.1 200 OK\r\n\r\n", ">GET / HTTP/1.1\r\n\r\n"},
		want:   "> begin 1 0; > request-headers 1 52; < response-headers 1 60; < response 1 60",
	},
	{
		name:   "CONNECT passes through",
		writes: []string{">CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n", "<HTTP/1.1 200 OK\r\n\r\n\x16\x03\x01", ">\x16\x03\x01GET / HTTP/1.1\r\n\r\n"},
		want:   "> begin 1 0; > request-headers 1 39; < response-headers 1 19; < response 1 19",
	},
}

// followAll feeds the case's writes cut into pieces of at most size bytes.
func followAll(t *testing.T, c followCase, size int) string {
	t.Helper()
	f := NewFollower()
	var out []string
	var pos [2]int
	for _, w := range c.writes {
		toServer := w[0] == '>'
		side := 1
		if toServer {
			side = 0
		}
		data := []byte(w[1:])
		for len(data) > 0 {
			n := min(size, len(data))
			marks, err := f.Feed(toServer, data[:n], nil)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			for _, m := range marks {
				name := strings.ReplaceAll(m.Point.String(), " ", "-")
				if m.Point == simnet.AfterNone {
					name = "begin"
				}
				out = append(out, fmt.Sprintf("%c %s %d %d", w[0], name, m.Exchange, pos[side]+m.Off))
			}
			pos[side] += n
			data = data[n:]
		}
	}
	return strings.Join(out, "; ")
}

func TestFollowerFindsTheSameMarksAtEverySplit(t *testing.T) {
	for _, c := range followCases {
		for _, size := range []int{1, 2, 3, 7, 1 << 20} {
			if got := followAll(t, c, size); got != c.want {
				t.Errorf("%s, pieces of %d bytes:\n got %s\nwant %s", c.name, size, got, c.want)
			}
		}
	}
}

func TestFollowerReportsMalformedHTTP(t *testing.T) {
	f := NewFollower()
	if _, err := f.Feed(true, []byte("GET / HTTP/1.1\r\nBad Header\r\n\r\n"), nil); err == nil {
		t.Fatal("a header line without a colon was followed without a complaint")
	}
}

func BenchmarkFollowKeepAlive(b *testing.B) {
	req := []byte("GET /bench HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: wrk\r\nAccept: */*\r\n\r\n")
	res := []byte("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nDate: Thu, 03 Dec 2026 09:00:00 GMT\r\nConnection: keep-alive\r\n\r\nhello")
	f := NewFollower()
	var marks []simnet.HTTPMark
	b.ReportAllocs()
	b.SetBytes(int64(len(req) + len(res)))
	for b.Loop() {
		marks, _ = f.Feed(true, req, marks[:0])
		marks, _ = f.Feed(false, res, marks[:0])
	}
}
