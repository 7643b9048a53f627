package replay

import "testing"

func TestMessageStarts(t *testing.T) {
	for _, tc := range []struct {
		in       string
		requests bool
		want     int
	}{
		{"GET / HTTP/1.1\r\n", true, 0},
		{"body\r\nPOST /x HTTP/1.0\r\n", true, 6},
		{"lowercase bodyGET /b HTTP/1.1\r\n", true, 14},
		{"UPPERCASE BODYOPTIONS * HTTP/1.1\n", true, 14},
		{"GET / HTTP/1.1", true, -1},
		{"GET  HTTP/1.1\r\n", true, -1},
		{"see HTTP/1.1 200 in the text", true, -1},
		{"HTTP/1.1 200 OK\r\n", false, 0},
		{"tailHTTP/1.0 404\r\n", false, 4},
		{"HTTP/1.1 20", false, -1},
		{"HTTP/1.1 2x0 OK\r\nHTTP/1.1 204 \r\n", false, 17},
	} {
		got := statusStart([]byte(tc.in))
		if tc.requests {
			got = requestStart([]byte(tc.in))
		}
		if got != tc.want {
			t.Errorf("%q (requests %v): start %d, want %d", tc.in, tc.requests, got, tc.want)
		}
	}
}

func TestFinderCarriesAStartLineAcrossChunks(t *testing.T) {
	f := finder{requests: true}
	if _, ok := f.find([]byte("junk\r\nmore junkGET /lo")); ok {
		t.Fatal("found a start in an unfinished line")
	}
	rest, ok := f.find([]byte("ng HTTP/1.1\r\n\r\n"))
	if !ok || string(rest) != "GET /long HTTP/1.1\r\n\r\n" || f.skipped != 15 {
		t.Errorf("found %v at %q after skipping %d, want the request after 15 bytes", ok, rest, f.skipped)
	}
}
