package main

import (
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
)

// progress shows on standard error how far a long command got, when
// standard error is a terminal; elsewhere (files, pipes, CI logs) it is
// silent and only the command's final summary line is printed.
type progress struct {
	bar *progressbar.ProgressBar
}

// progress starts a bar counting to total (bytes when inBytes is set).
func (e *env) progress(what string, total int64, inBytes bool) *progress {
	if !isTerminal(e.stderr) {
		return &progress{}
	}
	return &progress{bar: progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(e.stderr),
		progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(),
		progressbar.OptionShowBytes(inBytes),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionEnableColorCodes(false),
	)}
}

// set moves the bar to done of total; a drawing error is dropped, since a
// progress bar must never fail the command it decorates.
func (p *progress) set(done, total int) {
	if p.bar == nil {
		return
	}
	if total > 0 && int64(total) != p.bar.GetMax64() {
		p.bar.ChangeMax(total)
	}
	_ = p.bar.Set(done)
}

// reader counts the bytes read through r on the bar.
func (p *progress) reader(r io.Reader) io.Reader {
	if p.bar == nil {
		return r
	}
	return io.TeeReader(r, p.bar)
}

// done clears the bar off the terminal.
func (p *progress) done() {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}

// sizeOf is the size of the file at path, or -1 when unknown (standard
// input, a pipe), which makes the bar a spinner.
func sizeOf(path string) int64 {
	if path == "-" {
		return -1
	}
	info, err := os.Stat(path)
	if err != nil || !info.Mode().IsRegular() {
		return -1
	}
	return info.Size()
}
