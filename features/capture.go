package features

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/simhttp/simhttp/httpcore"
	"github.com/simhttp/simhttp/replay"
)

// loadCapture reads the HTTP exchanges of a packet capture, in capture
// order. A relative path is tried from the working directory, then from
// each parent, so "fixtures/captures/x.pcap" works from any package.
func loadCapture(path string) ([]*replay.Exchange, error) {
	f, err := openUpward(path)
	if err != nil {
		return nil, fmt.Errorf("capture %q: %w", path, err)
	}
	defer f.Close()
	c, err := replay.ReadCapture(f)
	if err != nil {
		return nil, fmt.Errorf("capture %q: %w", path, err)
	}
	var out []*replay.Exchange
	for _, conn := range c.Connections {
		for _, ex := range conn.Exchanges {
			if ex.Request != nil && ex.Response != nil {
				out = append(out, ex)
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("capture %q holds no complete HTTP exchange", path)
	}
	return out, nil
}

func openUpward(path string) (*os.File, error) {
	if filepath.IsAbs(path) {
		return os.Open(path)
	}
	dir, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	for {
		f, err := os.Open(filepath.Join(dir, path))
		if err == nil || !errors.Is(err, os.ErrNotExist) {
			return f, err
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return nil, err
		}
		dir = parent
	}
}

// replayResponse answers a request with the recorded response of the next
// unused exchange with the same method and URL: its status, its headers as
// captured (Date included, so the bytes match the capture) and its body.
func replayResponse(exchanges []*replay.Exchange) serverAction {
	used := make([]bool, len(exchanges))
	return func(x *exchange, next func()) {
		for i, ex := range exchanges {
			req := ex.Request.Head
			if used[i] || req.Method != x.req.Method || req.URL != x.req.URL {
				continue
			}
			used[i] = true
			res := ex.Response
			x.res.SendDate = false
			x.check(x.res.WriteHead(res.Head.StatusCode, res.Head.StatusMessage, rawFields(res.Head.RawHeaders)))
			if len(res.Trailers) > 0 {
				x.check(x.res.AddTrailers(rawFields(res.Trailers)))
			}
			x.end(res.Body)
			next()
			return
		}
		x.res.StatusCode = 404
		x.end([]byte(fmt.Sprintf("no recorded exchange for %s %s", x.req.Method, x.req.URL)))
		next()
	}
}

// rawFields turns [name, value, ...] into header fields, repeated names kept.
func rawFields(raw []string) []httpcore.HeaderField {
	out := make([]httpcore.HeaderField, 0, len(raw)/2)
	for i := 0; i+1 < len(raw); i += 2 {
		out = append(out, httpcore.HeaderField{Name: raw[i], Values: []string{raw[i+1]}})
	}
	return out
}
