package httpcore

import (
	"slices"
	"testing"
)

// FuzzParser feeds arbitrary bytes, whole and cut in two at a fuzzed
// place, to each kind of parser. The parser must never panic or hang,
// never consume more than it was given, consume everything unless it
// failed or upgraded, and log the same events however the input is cut.
func FuzzParser(f *testing.F) {
	for _, c := range loadCorpus(f) {
		mode := uint8(0)
		if c.Meta.Type == "response" {
			mode |= 1
		}
		if c.Meta.Lenient {
			mode |= 2
		}
		f.Add(c.Input, mode, uint16(len(c.Input)/2))
	}
	f.Fuzz(func(t *testing.T, data []byte, mode uint8, cut uint16) {
		meta := caseMeta{Type: "request", Lenient: mode&2 != 0}
		if mode&1 != 0 {
			meta.Type = "response"
		}
		meta.OnHead = [...]string{"normal", "normal", "skip", "upgrade"}[mode>>2&3]
		whole := runCase(meta, [][]byte{data})
		checkConsumption(t, meta, data, int(cut))
		if len(data) >= defaultMaxHeaderSize {
			return // Node itself counts size limits per input, so cuts may differ
		}
		k := int(cut) % (len(data) + 1)
		if got := runCase(meta, [][]byte{data[:k], data[k:]}); !slices.Equal(got.Log, whole.Log) {
			t.Fatalf("cut at %d of %q:\n%s", k, data, diffLogs(whole.Log, got.Log))
		}
	})
}

// checkConsumption drives a parser directly and checks what Execute
// returns and what the state queries say.
func checkConsumption(t *testing.T, meta caseMeta, data []byte, cut int) {
	kind := ParseRequest
	if meta.Type == "response" {
		kind = ParseResponse
	}
	p := NewParser(kind, ParserOptions{Lenient: meta.Lenient})
	k := cut % (len(data) + 1)
	seen := 0
	for _, chunk := range [][]byte{data[:k], data[k:]} {
		n, err := p.Execute(chunk)
		if n < 0 || n > len(chunk) {
			t.Fatalf("Execute(%q) consumed %d", chunk, n)
		}
		seen += n
		if p.HeaderBytes() > seen {
			t.Fatalf("HeaderBytes %d after %d bytes", p.HeaderBytes(), seen)
		}
		if err != nil || p.Upgraded() {
			if p.Pending() {
				t.Fatal("a stopped parser reports a pending message")
			}
			return
		}
		if n != len(chunk) {
			t.Fatalf("Execute(%q) consumed %d without error or upgrade", chunk, n)
		}
	}
	if pending := p.Pending(); p.Finish() != nil && !pending {
		t.Fatal("Finish failed between messages")
	}
}
