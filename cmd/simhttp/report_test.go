package main

import (
	"bytes"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// failingFeature holds one scenario whose expected sequence is wrong.
const failingFeature = `Feature: a failing sequence

  Scenario: the client expects the request to close right after its socket
    Given a server that responds with status 200 and body "hello"
    When the client sends GET /
    Then the client sees:
      """
      req:socket req:close
      """
`

// writeReport runs client/orders.feature (bundled) and a failing scenario
// with --report and returns the report's path.
func writeReport(t *testing.T) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "report.html")
	var stdout, stderr bytes.Buffer
	code := run([]string{"run", writeFeature(t, failingFeature), "client/orders.feature", "--format", "progress", "--report", out}, &stdout, &stderr)
	if code != 1 {
		t.Fatalf("exit %d, want 1 for the failing scenario: %s", code, stderr.String())
	}
	return out
}

// reportDOM is what a test checks of a report's document.
type reportDOM struct {
	scenarios, failed, diagrams, indexItems int
	failedWithDiff, passedWithDiff          int
	reproduce                               []string
	ready                                   bool // the page's script ran
}

func hasClass(n *html.Node, class string) bool {
	for _, a := range n.Attr {
		if a.Key == "class" && slices.Contains(strings.Fields(a.Val), class) {
			return true
		}
	}
	return false
}

func count(n *html.Node, match func(*html.Node) bool) int {
	c := 0
	if match(n) {
		c++
	}
	for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
		c += count(ch, match)
	}
	return c
}

func text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
			walk(ch)
		}
	}
	walk(n)
	return b.String()
}

func inspectDOM(t *testing.T, page []byte) reportDOM {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	var d reportDOM
	isDiff := func(n *html.Node) bool { return n.Data == "rect" && hasClass(n, "diff") }
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		switch {
		case n.Type == html.ElementNode && n.Data == "body":
			for _, a := range n.Attr {
				d.ready = d.ready || a.Key == "data-ready" && a.Val == "1"
			}
		case n.Data == "section" && hasClass(n, "scenario"):
			d.scenarios++
			d.diagrams += count(n, func(x *html.Node) bool { return x.Data == "svg" && hasClass(x, "seq") })
			diffs := count(n, isDiff)
			if hasClass(n, "failed") {
				d.failed++
				if diffs > 0 {
					d.failedWithDiff++
				}
			} else if diffs > 0 {
				d.passedWithDiff++
			}
		case n.Data == "code" && hasClass(n, "reproduce"):
			d.reproduce = append(d.reproduce, text(n))
		case n.Data == "ol":
			d.indexItems += count(n, func(x *html.Node) bool { return x.Data == "li" })
		}
		for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
			walk(ch)
		}
	}
	walk(doc)
	return d
}

// checkDOM: every scenario is listed and has its diagram, and the failure,
// and only it, is highlighted.
func checkDOM(t *testing.T, d reportDOM) {
	t.Helper()
	// client/orders.feature's scenarios and the failing one.
	if d.scenarios < 3 || d.diagrams != d.scenarios || d.indexItems != d.scenarios {
		t.Errorf("%d scenarios, %d diagrams, %d listed; want one diagram and one entry per scenario", d.scenarios, d.diagrams, d.indexItems)
	}
	if d.failed != 1 || d.failedWithDiff != 1 || d.passedWithDiff != 0 {
		t.Errorf("%d failed (%d highlighted), %d passed highlighted; want the one failure highlighted", d.failed, d.failedWithDiff, d.passedWithDiff)
	}
	if len(d.reproduce) != d.scenarios || !strings.HasPrefix(d.reproduce[0], "simhttp trace ") {
		t.Errorf("reproduction commands %q", d.reproduce)
	}
}

// TestReportDOMWithoutABrowser checks the report's document as written:
// the same properties the browser test checks, parsed by Go's HTML parser.
func TestReportDOMWithoutABrowser(t *testing.T) {
	page, err := os.ReadFile(writeReport(t))
	if err != nil {
		t.Fatal(err)
	}
	checkDOM(t, inspectDOM(t, page))
	// Self-contained: nothing to fetch (url(#arr) names a marker in the page).
	external := regexp.MustCompile(`(?i)(src=|<link|@import|url\(\s*['"]?[^#'"\s]|href="(https?:)?//)`)
	if m := external.Find(page); m != nil {
		t.Errorf("the report fetches something: %q", m)
	}
}

// chromium finds a Chromium or Chrome to run headless, or skips loudly:
// TestReportDOMWithoutABrowser proves the DOM properties without one.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("SKIP: no chromium on PATH (.ci/run installs Debian's chromium); TestReportDOMWithoutABrowser checks the same DOM without a browser")
	return ""
}

func headless(t *testing.T, browser string, args ...string) []byte {
	t.Helper()
	// --no-sandbox: CI runs as root, where Chromium's sandbox refuses.
	base := []string{"--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
		"--user-data-dir=" + t.TempDir()}
	cmd := exec.CommandContext(t.Context(), browser, append(base, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %q: %v\n%s", browser, args, err, stderr.String())
	}
	return out
}

// TestReportInABrowser opens the report in headless Chromium, checks the
// document the browser built (its script ran), and checks a screenshot is
// not blank.
func TestReportInABrowser(t *testing.T) {
	browser := chromium(t)
	report := writeReport(t)
	url := "file://" + report
	dom := headless(t, browser, "--dump-dom", url)
	d := inspectDOM(t, dom)
	if !d.ready {
		t.Error("the page's script did not run in the browser")
	}
	checkDOM(t, d)

	shot := filepath.Join(t.TempDir(), "report.png")
	headless(t, browser, "--hide-scrollbars", "--window-size=1280,1600", "--screenshot="+shot, url)
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	colours := map[[3]uint32]int{}
	b := img.Bounds()
	inked, reddish := 0, 0
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, _ := img.At(x, y).RGBA()
			colours[[3]uint32{r >> 8, g >> 8, bl >> 8}]++
			if r>>8 < 200 || g>>8 < 200 || bl>>8 < 200 {
				inked++
			}
			if r>>8 > 180 && g>>8 < 120 && bl>>8 < 120 {
				reddish++
			}
		}
	}
	total := (b.Dx() / 2) * (b.Dy() / 2)
	if len(colours) < 16 || inked < total/50 || reddish == 0 {
		t.Errorf("the screenshot looks blank: %d colours, %d of %d pixels inked, %d red", len(colours), inked, total, reddish)
	}
}

// TestBundledReportIsUnderTwoMegabytes: the report of every bundled
// scenario stays small enough to mail and to keep as a CI artifact.
func TestBundledReportIsUnderTwoMegabytes(t *testing.T) {
	out := filepath.Join(t.TempDir(), "bundled.html")
	var stdout, stderr bytes.Buffer
	// The bundled scenarios' own verdicts are checked elsewhere: a failing
	// one is drawn all the same.
	if code := run([]string{"run", "--format", "progress", "--report", out}, &stdout, &stderr); code > 1 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	info, err := os.Stat(out)
	if err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	d := inspectDOM(t, page)
	t.Logf("the bundled report: %d scenarios, %d bytes", d.scenarios, info.Size())
	if info.Size() >= 2<<20 || d.scenarios < 100 || d.diagrams != d.scenarios {
		t.Errorf("%d bytes for %d scenarios (%d diagrams); want under 2 MB with every scenario drawn", info.Size(), d.scenarios, d.diagrams)
	}
}

func TestTraceDrawsSVGAndMermaid(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"trace", "faults/network.feature:7", "--format", "svg"}, &out, &errOut); code != 0 {
		t.Fatalf("svg: exit %d: %s", code, errOut.String())
	}
	svg := out.String()
	if !strings.HasPrefix(svg, `<svg class="seq"`) || !strings.Contains(svg, `class="fault"`) || !strings.HasSuffix(svg, "</svg>") {
		t.Errorf("not an SVG with the fault marked:\n%.400s", svg)
	}
	if _, err := html.Parse(strings.NewReader(svg)); err != nil {
		t.Error(err)
	}
	out.Reset()
	if code := run([]string{"trace", "faults/network.feature:7", "--format", "mermaid"}, &out, &errOut); code != 0 {
		t.Fatalf("mermaid: exit %d: %s", code, errOut.String())
	}
	if m := out.String(); !strings.HasPrefix(m, "sequenceDiagram\n") || !strings.Contains(m, "fault: reset") {
		t.Errorf("mermaid:\n%s", m)
	}
	out.Reset()
	f := writeFeature(t, failingFeature)
	if code := run([]string{"trace", f + ":3", "--format", "svg"}, &out, &errOut); code != 1 || !strings.Contains(out.String(), `class="diff"`) {
		t.Errorf("a failing scenario's diagram: exit %d, highlighted %v", code, strings.Contains(out.String(), `class="diff"`))
	}
}

func TestTraceDrawsATraceFile(t *testing.T) {
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	if code := run([]string{"run", "faults/network.feature:7", "--format", "progress", "--trace", dir}, &out, &errOut); code != 0 {
		t.Fatalf("run --trace: exit %d: %s", code, errOut.String())
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if err != nil || len(files) != 1 {
		t.Fatalf("traces %v: %v", files, err)
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if code := runIO([]string{"trace", "-", "--format", "svg"}, bytes.NewReader(data), &out, &errOut); code != 0 || !strings.Contains(out.String(), `class="fault"`) {
		t.Errorf("trace - --format svg: exit %d: %.300s %s", code, out.String(), errOut.String())
	}
	out.Reset()
	if code := run([]string{"trace", files[0]}, &out, &errOut); code != 0 || !strings.Contains(out.String(), "req:error(ECONNRESET)") {
		t.Errorf("trace FILE: exit %d: %s %s", code, out.String(), errOut.String())
	}
	errOut.Reset()
	if code := runIO([]string{"trace", "-"}, strings.NewReader("not json\n"), &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "standard input: ") {
		t.Errorf("a bad trace: exit %d: %s", code, errOut.String())
	}
}

// TestMermaidRendersInMermaid hands trace --format mermaid of a passing
// and a failing scenario to Mermaid itself, in headless Chromium, and
// wants both parsed and drawn. .ci/run fetches Mermaid's bundle and names
// it in SIMHTTP_MERMAID_JS; without it the test skips loudly, and
// TestTraceDrawsSVGAndMermaid and the diagram package's tests check the
// diagram's statements.
func TestMermaidRendersInMermaid(t *testing.T) {
	bundle := os.Getenv("SIMHTTP_MERMAID_JS")
	if bundle == "" {
		t.Skip("SKIP: SIMHTTP_MERMAID_JS is not set (.ci/run fetches Mermaid); the Mermaid statements are checked by TestTraceDrawsSVGAndMermaid")
	}
	browser := chromium(t)
	for _, ref := range []string{"faults/network.feature:18", writeFeature(t, failingFeature) + ":3"} {
		var out, errOut bytes.Buffer
		if code := run([]string{"trace", ref, "--format", "mermaid"}, &out, &errOut); code > 1 {
			t.Fatalf("%s: exit %d: %s", ref, code, errOut.String())
		}
		page := filepath.Join(t.TempDir(), "mermaid.html")
		src := `<!DOCTYPE html><html><body><pre class="mermaid" id="d">` + html.EscapeString(out.String()) + `</pre>
<script src="file://` + bundle + `"></script>
<script>
mermaid.initialize({startOnLoad: false});
mermaid.parse(document.getElementById("d").textContent)
  .then(function () { document.body.setAttribute("data-parsed", "ok"); return mermaid.run(); })
  .then(function () { document.body.setAttribute("data-rendered", "ok"); },
        function (e) { document.body.setAttribute("data-error", String(e && e.message || e)); });
</script></body></html>`
		if err := os.WriteFile(page, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		dom := string(headless(t, browser, "--allow-file-access-from-files", "--virtual-time-budget=10000", "--dump-dom", "file://"+page))
		if !strings.Contains(dom, `data-rendered="ok"`) || !strings.Contains(dom, "<svg") {
			i := strings.Index(dom, "data-error")
			t.Errorf("%s: Mermaid did not draw the diagram: %.300s", ref, dom[max(i, 0):])
		}
	}
}
