package diagram

import (
	"bytes"
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/simhttp/simhttp/simnet"
)

// resetTrace is a request whose server resets the connection after the
// response head: the network, a fault, an error and a data run.
func resetTrace() []simnet.Event {
	ms := time.Millisecond
	seg := func(t time.Duration, name, from, to string, n int) simnet.Event {
		return simnet.Event{T: t, Obj: "net", ID: 1, Name: name, Detail: map[string]any{"from": from, "to": to, "seq": 1, "len": n}}
	}
	return []simnet.Event{
		seg(0, "syn", "client", "server", 0),
		seg(ms, "synack", "server", "client", 0),
		{T: 2 * ms, Obj: "req", ID: 1, Name: "socket"},
		seg(2*ms, "seg", "client", "server", 58),
		{T: 3 * ms, Obj: "server", ID: 1, Name: "request"},
		seg(3*ms, "seg", "server", "client", 38),
		{T: 3 * ms, Obj: "net", ID: 1, Name: "fault", Detail: map[string]any{"fault": "reset", "from": "server", "to": "client"}},
		seg(3*ms, "rst", "server", "client", 0),
		{T: 4 * ms, Obj: "req", ID: 1, Name: "response", Status: 200},
		{T: 4 * ms, Obj: "res", ID: 1, Name: "data", Bytes: 3},
		{T: 4 * ms, Obj: "res", ID: 1, Name: "data", Bytes: 2},
		{T: 4 * ms, Obj: "res", ID: 1, Name: "error", Code: "ECONNRESET", Message: "aborted"},
		{T: 4 * ms, Obj: "req", ID: 1, Name: "close"},
		{T: 4 * ms, Obj: "res", ID: 1, Name: "close"},
	}
}

// svgDoc parses an SVG and counts elements by class.
func svgDoc(t *testing.T, b []byte) map[string]int {
	t.Helper()
	classes := map[string]int{}
	d := xml.NewDecoder(bytes.NewReader(b))
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return classes
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, b)
		}
		if se, ok := tok.(xml.StartElement); ok {
			for _, a := range se.Attr {
				if a.Name.Local == "class" {
					classes[se.Name.Local+"."+a.Value]++
				}
			}
		}
	}
}

func TestSVGDrawsLanesEventsSegmentsAndTheFault(t *testing.T) {
	var b bytes.Buffer
	if err := SVG(&b, Trace{Events: resetTrace(), FirstDiff: -1}); err != nil {
		t.Fatal(err)
	}
	c := svgDoc(t, b.Bytes())
	// Lanes: req#1, res#1, client, server, server#1.
	if c["text.lane"] != 3 || c["text.host"] != 2 {
		t.Errorf("lanes %d objects and %d hosts, want 3 and 2:\n%s", c["text.lane"], c["text.host"], b.String())
	}
	// syn, synack, two data segments and the RST: one arrow each.
	if c["path.seg"] != 5 || c["path.fault"] != 1 || c["circle.error"] != 1 {
		t.Errorf("%d segment arrows, %d faults, %d errors; want 5, 1, 1", c["path.seg"], c["path.fault"], c["circle.error"])
	}
	if c["rect.diff"] != 0 {
		t.Error("a passing run highlights a difference")
	}
	s := b.String()
	for _, want := range []string{">data ×2, 5 B<", ">response 200<", ">fault: reset<", ">error ECONNRESET<", ">3ms<", `xmlns="http://www.w3.org/2000/svg"`} {
		if !strings.Contains(s, want) {
			t.Errorf("the SVG lacks %q", want)
		}
	}
	lanes := lay(Trace{Events: resetTrace(), FirstDiff: -1}).lanes
	var order []string
	for _, l := range lanes {
		order = append(order, l.key)
	}
	if got := strings.Join(order, " "); got != "req#1 res#1 host:client host:server server#1" {
		t.Errorf("lane order %s", got)
	}
}

func TestTheFirstDifferenceIsHighlighted(t *testing.T) {
	evs := resetTrace()
	var b bytes.Buffer
	if err := SVGElement(&b, Trace{Events: evs, FirstDiff: 11, Expected: "res:end"}); err != nil {
		t.Fatal(err)
	}
	c := svgDoc(t, b.Bytes())
	if c["rect.diff"] != 1 || !strings.Contains(b.String(), "first difference: expected res:end") {
		t.Errorf("no highlighted difference:\n%s", b.String())
	}
	if strings.Contains(b.String(), "<style>") {
		t.Error("an element for a page carries its own style")
	}
	b.Reset()
	if err := SVGElement(&b, Trace{Events: evs, FirstDiff: len(evs), Expected: "res:end"}); err != nil {
		t.Fatal(err)
	}
	if c := svgDoc(t, b.Bytes()); c["rect.diff"] != 1 || !strings.Contains(b.String(), "the run ended here: expected res:end") {
		t.Errorf("a run that ended early is not marked:\n%s", b.String())
	}
}

func TestMermaidHasAParticipantPerLaneAndAnArrowPerSegment(t *testing.T) {
	var b bytes.Buffer
	if err := Mermaid(&b, Trace{Events: resetTrace(), FirstDiff: 11, Expected: "res:end"}); err != nil {
		t.Fatal(err)
	}
	s := b.String()
	if !strings.HasPrefix(s, "sequenceDiagram\n") || strings.Count(s, "participant ") != 5 || strings.Count(s, "->>") != 5 {
		t.Errorf("mermaid:\n%s", s)
	}
	for _, want := range []string{"participant L0 as req#35;1", "L3->>L2: [1ms] synack", "rect rgb(255, 210, 210)", "Note over L4: [3ms] request", "first difference: expected res:end"} {
		if !strings.Contains(s, want) {
			t.Errorf("mermaid lacks %q:\n%s", want, s)
		}
	}
}

// TestATraceReadBackFromJSONDrawsTheSame: a trace file is enough to draw a
// run again, its numbers read back as JSON numbers.
func TestATraceReadBackFromJSONDrawsTheSame(t *testing.T) {
	var file bytes.Buffer
	tw := simnet.NewTraceWriter(&file, true)
	for _, ev := range resetTrace() {
		tw.Observe(ev)
	}
	back, err := simnet.ReadTrace(&file)
	if err != nil {
		t.Fatal(err)
	}
	var a, b bytes.Buffer
	if err := SVG(&a, Trace{Events: resetTrace(), FirstDiff: -1}); err != nil {
		t.Fatal(err)
	}
	if err := SVG(&b, Trace{Events: back, FirstDiff: -1}); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() {
		t.Errorf("the diagram of the trace read back differs:\n%s\n%s", a.String(), b.String())
	}
}

// TestNodeTracesDraw draws every recorded Node v20 trace: real traces of
// every shape parse and draw to well-formed SVG.
func TestNodeTracesDraw(t *testing.T) {
	files, err := filepath.Glob("../fixtures/node/traces/*.jsonl")
	if err != nil || len(files) == 0 {
		t.Fatalf("no Node traces: %v", err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		evs, err := simnet.ReadTrace(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		var b bytes.Buffer
		if err := SVG(&b, Trace{Events: evs, FirstDiff: -1}); err != nil {
			t.Fatal(err)
		}
		svgDoc(t, b.Bytes())
	}
}

func TestSeveralTracesStackInOneDocument(t *testing.T) {
	var b bytes.Buffer
	one := Trace{Events: resetTrace(), FirstDiff: -1}
	if err := SVG(&b, one, one); err != nil {
		t.Fatal(err)
	}
	c := svgDoc(t, b.Bytes())
	if c["svg.seq"] != 2 || c["path.seg"] != 10 || strings.Count(b.String(), "<style>") != 1 {
		t.Errorf("%d diagrams, %d arrows, want 2 and 10", c["svg.seq"], c["path.seg"])
	}
}
