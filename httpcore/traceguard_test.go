package httpcore

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/simhttp/simhttp/simnet"
)

// guardTrace, when $SIMHTTP_TRACE_DUMP is set, appends the events the
// test's world recorded, network included, to a file named after the
// test once it ends, for scripts/trace-guard.sh, which proves a change
// leaves every trace byte-identical.
func guardTrace(t testing.TB, events *[]simnet.Event) {
	dir := os.Getenv("SIMHTTP_TRACE_DUMP")
	if dir == "" {
		return
	}
	t.Cleanup(func() {
		var b bytes.Buffer
		tw := simnet.NewTraceWriter(&b, true)
		for _, ev := range *events {
			tw.Observe(ev)
		}
		b.WriteString("--\n")
		name := "httpcore-" + strings.ReplaceAll(t.Name(), "/", "_") + ".jsonl"
		f, err := os.OpenFile(filepath.Join(dir, name), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err == nil {
			_, err = f.Write(b.Bytes())
			err = errors.Join(err, f.Close())
		}
		if err := errors.Join(err, tw.Err()); err != nil {
			t.Errorf("trace guard: %v", err)
		}
	})
}
