package httpcore

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// benchStreams is a corpus of realistic request streams, one per
// connection: a browser navigation, a pipelined batch of API calls, a
// chunked upload and a JSON POST.
var benchStreams = func() [][]byte {
	browser := "GET /search?q=http+parser&lang=en HTTP/1.1\r\n" +
		"Host: www.example.com\r\n" +
		"Connection: keep-alive\r\n" +
		"Cache-Control: max-age=0\r\n" +
		"sec-ch-ua: \"Chromium\";v=\"120\", \"Not?A_Brand\";v=\"24\"\r\n" +
		"sec-ch-ua-mobile: ?0\r\n" +
		"sec-ch-ua-platform: \"Linux\"\r\n" +
		"Upgrade-Insecure-Requests: 1\r\n" +
		"User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36\r\n" +
		"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8\r\n" +
		"Sec-Fetch-Site: none\r\n" +
		"Sec-Fetch-Mode: navigate\r\n" +
		"Sec-Fetch-User: ?1\r\n" +
		"Sec-Fetch-Dest: document\r\n" +
		"Accept-Encoding: gzip, deflate, br\r\n" +
		"Accept-Language: en-US,en;q=0.9\r\n" +
		"Cookie: session=8f14e45fceea167a5a36dedd4bea2543; theme=dark; _ga=GA1.1.1234567890.1700000000\r\n\r\n"
	var batch strings.Builder
	for i := 0; i < 10; i++ {
		fmt.Fprintf(&batch, "GET /api/v1/items/%d?fields=id,name,price HTTP/1.1\r\n"+
			"Host: api.example.com\r\nAccept: application/json\r\n"+
			"Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abc\r\n"+
			"User-Agent: simhttp-bench/1.0\r\n\r\n", i)
	}
	var upload strings.Builder
	upload.WriteString("POST /upload HTTP/1.1\r\nHost: files.example.com\r\n" +
		"Content-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n" +
		"Trailer: Checksum\r\n\r\n")
	for i := 0; i < 8; i++ {
		fmt.Fprintf(&upload, "200\r\n%s\r\n", strings.Repeat(string(rune('a'+i)), 512))
	}
	upload.WriteString("0\r\nChecksum: 0123456789abcdef\r\n\r\n")
	body := `{"items":[` + strings.Repeat(`{"id":1234,"name":"widget","price":9.99,"tags":["a","b"]},`, 15) + `{}]}`
	post := fmt.Sprintf("POST /api/v1/orders HTTP/1.1\r\nHost: api.example.com\r\n"+
		"Content-Type: application/json\r\nContent-Length: %d\r\nAccept: */*\r\n\r\n%s", len(body), body)
	return [][]byte{[]byte(browser), []byte(batch.String()), []byte(upload.String()), []byte(post)}
}()

func benchBytes() int {
	n := 0
	for _, s := range benchStreams {
		n += len(s)
	}
	return n
}

// reportMBs reports throughput from the measured time, as MB/s.
func reportMBs(b *testing.B) {
	if s := b.Elapsed().Seconds(); s > 0 {
		b.ReportMetric(float64(benchBytes())*float64(b.N)/s/1e6, "MB/s")
	}
}

// BenchmarkParseRequests parses the corpus with one reused Parser, as a
// server connection does, touching every head and body byte handed out.
func BenchmarkParseRequests(b *testing.B) {
	p := NewParser(ParseRequest, ParserOptions{})
	var heads, bodyBytes int
	p.SetCallbacks(func(h *MessageHead) BodyMode {
		heads += len(h.RawHeaders)
		return BodyNormal
	}, func(body []byte) {
		bodyBytes += len(body)
	}, nil)
	b.SetBytes(int64(benchBytes()))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, s := range benchStreams {
			p.Reset(ParseRequest)
			if _, err := p.Execute(s); err != nil {
				b.Fatal(err)
			}
		}
	}
	reportMBs(b)
	if heads == 0 || bodyBytes == 0 {
		b.Fatal("the corpus was not parsed")
	}
}

// BenchmarkNetHTTPReadRequest parses the same corpus with net/http's
// ReadRequest, reading every body to the end, for comparison.
func BenchmarkNetHTTPReadRequest(b *testing.B) {
	r := bytes.NewReader(nil)
	br := bufio.NewReader(r)
	b.SetBytes(int64(benchBytes()))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, s := range benchStreams {
			r.Reset(s)
			br.Reset(r)
			for {
				req, err := http.ReadRequest(br)
				if err == io.EOF {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
				if _, err := io.Copy(io.Discard, req.Body); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	reportMBs(b)
}
