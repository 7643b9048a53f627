package features

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/simhttp/simhttp/replay"
)

// loadCapture reads a packet capture. A relative path is tried from the
// working directory, then from each parent, so
// "fixtures/captures/x.pcap" works from any package.
func loadCapture(path string) (*replay.Capture, error) {
	f, err := openUpward(path)
	if err != nil {
		return nil, fmt.Errorf("capture %q: %w", path, err)
	}
	defer f.Close()
	c, err := replay.ReadCapture(f)
	if err != nil {
		return nil, fmt.Errorf("capture %q: %w", path, err)
	}
	if replay.NewMock(c, replay.MockOptions{}).Len() == 0 {
		return nil, fmt.Errorf("capture %q holds no complete HTTP exchange", path)
	}
	return c, nil
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

// replayResponse answers each request as replay's mock of the capture
// does: the captured response of the captured request with the same
// method, URL and body (in captured order when several match, then the
// last again), with its headers as captured, Date included, so the bytes
// match the capture; a 404 naming the closest captured request otherwise.
func replayResponse(c *replay.Capture) serverAction {
	handle := replay.NewMock(c, replay.MockOptions{}).Handler()
	return func(x *exchange, next func()) {
		handle(x.req, x.res)
		next()
	}
}
