package replay

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/simhttp/simhttp/internal/tsharktest"
)

const httpsDir = "../fixtures/captures/https"

// httpsFixtures are the HTTPS captures of fixtures/captures/https, each with
// the version and suite it forces.
var httpsFixtures = map[string]string{
	"tls13-aes128": "TLS 1.3, TLS_AES_128_GCM_SHA256",
	"tls13-aes256": "TLS 1.3, TLS_AES_256_GCM_SHA384",
	"tls13-chacha": "TLS 1.3, TLS_CHACHA20_POLY1305_SHA256",
	"tls12-aes128": "TLS 1.2, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
	"tls12-aes256": "TLS 1.2, TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
	"tls12-chacha": "TLS 1.2, TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
}

func readKeyLog(t testing.TB, path string) *KeyLog {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	k, err := ParseKeyLog(f)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func readFixture(t testing.TB, path string, opts ...ReadOption) *Capture {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	c, err := ReadCapture(bytes.NewReader(data), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// exchangeFacts is what must agree between an HTTPS capture and its plain
// twin: every exchange's messages, heads and bodies.
func exchangeFacts(c *Capture) []string {
	var out []string
	for _, cn := range c.Connections {
		for _, p := range cn.Problems {
			out = append(out, "problem "+p.Code)
		}
		for _, ex := range cn.Exchanges {
			line := "no request"
			if q := ex.Request; q != nil {
				line = fmt.Sprintf("%s %s body %d", q.Head.Method, q.Head.URL, len(q.Body))
			}
			if r := ex.Response; r != nil {
				line += fmt.Sprintf(" -> %d body %d", r.Head.StatusCode, len(r.Body))
			}
			line += fmt.Sprintf(" complete %v", ex.Complete)
			for _, p := range ex.Problems {
				line += " " + p.Code
			}
			out = append(out, line)
		}
	}
	for _, p := range c.Problems {
		out = append(out, "problem "+p.Code)
	}
	return out
}

// tsharkLines is how tshark lists a capture's HTTP messages (make.sh's
// fields): frame, then method and URL for a request or the status for a
// response.
func tsharkLines(c *Capture) string {
	var b strings.Builder
	for _, cn := range c.Connections {
		for _, ex := range cn.Exchanges {
			fmt.Fprintf(&b, "%d %s %s \n", ex.Request.LastPacket, ex.Request.Head.Method, ex.Request.Head.URL)
			fmt.Fprintf(&b, "%d   %d\n", ex.Response.LastPacket, ex.Response.Head.StatusCode)
		}
	}
	return b.String()
}

// checkTshark compares what c shows with tshark's reading of capture name,
// recorded by make.sh.
func checkTshark(t *testing.T, name string, c *Capture) {
	t.Helper()
	golden, err := os.ReadFile(filepath.Join(httpsDir, name+".tshark.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(golden), tsharkLines(c)); diff != "" {
		t.Errorf("differs from tshark's reading (-tshark +ours):\n%s", diff)
	}
}

// TestHTTPS decrypts each real HTTPS capture with its key log and checks
// it against its plain twin and against tshark's reading (the golden
// NAME.tshark.txt that make.sh records).
func TestHTTPS(t *testing.T) {
	for name, suite := range httpsFixtures {
		t.Run(name, func(t *testing.T) {
			keys := readKeyLog(t, filepath.Join(httpsDir, name+".keys"))
			c := readFixture(t, filepath.Join(httpsDir, name+".pcap"), WithKeyLog(keys))
			plain := readFixture(t, filepath.Join(httpsDir, name+"-plain.pcap"))
			if len(c.Connections) != 1 || c.Connections[0].TLS != suite {
				t.Fatalf("want one connection over %s, got %d: %+v", suite, len(c.Connections), c.Connections)
			}
			got := exchangeFacts(c)
			if len(got) < 2 {
				t.Fatalf("too few exchanges: %q", got)
			}
			if diff := cmp.Diff(exchangeFacts(plain), got); diff != "" {
				t.Errorf("HTTPS exchanges differ from the plain capture's (-plain +https):\n%s", diff)
			}
			for i, ex := range c.Connections[0].Exchanges {
				pex := plain.Connections[0].Exchanges[i]
				if !bytes.Equal(ex.Response.Body, pex.Response.Body) || !bytes.Equal(ex.Request.Body, pex.Request.Body) {
					t.Errorf("exchange %d: bodies differ from the plain capture's", i+1)
				}
			}
			checkTshark(t, name, c)
		})
	}
}

// TestHTTPSSecretsBlock reads the secrets a pcapng carries, with no key log.
func TestHTTPSSecretsBlock(t *testing.T) {
	c := readFixture(t, filepath.Join(httpsDir, "tls13-aes128-dsb.pcapng"))
	plain := readFixture(t, filepath.Join(httpsDir, "tls13-aes128-plain.pcap"))
	if diff := cmp.Diff(exchangeFacts(plain), exchangeFacts(c)); diff != "" {
		t.Errorf("(-plain +dsb):\n%s", diff)
	}
	checkTshark(t, "tls13-aes128-dsb", c)
}

// TestHTTPSWithoutKeys: a TLS connection without secrets is reported with
// what it cost, never passed over in silence.
func TestHTTPSWithoutKeys(t *testing.T) {
	other := readKeyLog(t, filepath.Join(httpsDir, "tls12-chacha.keys"))
	for _, tc := range []struct {
		name string
		opts []ReadOption
		want string
	}{
		{"no key log", nil, "no key log was given"},
		{"another connection's key log", []ReadOption{WithKeyLog(other)}, "the key log has no secrets for client random "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := readFixture(t, filepath.Join(httpsDir, "tls13-aes128.pcap"), tc.opts...)
			cn := c.Connections[0]
			if len(cn.Exchanges) != 0 || len(cn.Problems) != 1 {
				t.Fatalf("want no exchanges and one problem, got %d and %v", len(cn.Exchanges), cn.Problems)
			}
			p := cn.Problems[0]
			if !errors.Is(p, &Error{Code: CodeNoKeys}) || !strings.Contains(p.Error(), tc.want) || !strings.Contains(p.Error(), "bytes of the connection's TLS records were not decrypted") {
				t.Errorf("problem: %v", p)
			}
			if cn.TLS != "TLS 1.3, TLS_AES_128_GCM_SHA256" {
				t.Errorf("TLS = %q", cn.TLS)
			}
		})
	}
}

// TestHTTPSAgainstTshark runs tshark on every HTTPS capture with its key log
// and checks the golden files still say what tshark says.
func TestHTTPSAgainstTshark(t *testing.T) {
	tshark := tsharktest.Need(t, "the golden NAME.tshark.txt files", "TestHTTPS, which compares against them")
	type run struct {
		file string
		args []string
	}
	runs := map[string]run{"tls13-aes128-dsb": {file: filepath.Join(httpsDir, "tls13-aes128-dsb.pcapng")}}
	for name := range httpsFixtures {
		runs[name] = run{filepath.Join(httpsDir, name+".pcap"), []string{"-o", "tls.keylog_file:" + filepath.Join(httpsDir, name+".keys")}}
	}
	for name, r := range runs {
		args := append(r.args, "-Y", "http", "-T", "fields", "-E", "separator= ", "-e", "frame.number",
			"-e", "http.request.method", "-e", "http.request.uri", "-e", "http.response.code")
		out := tsharktest.Run(t, tshark, r.file, args...)
		golden, err := os.ReadFile(filepath.Join(httpsDir, name+".tshark.txt"))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(string(golden), out); diff != "" {
			t.Errorf("%s: tshark now says (-golden +tshark):\n%s", name, diff)
		}
	}
}

func TestHTTPSReportJSON(t *testing.T) {
	keys := readKeyLog(t, filepath.Join(httpsDir, "tls12-chacha.keys"))
	data, err := os.ReadFile(filepath.Join(httpsDir, "tls12-chacha.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := Inspect(bytes.NewReader(data), WithKeyLog(keys))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(r.Connections[0])
	if !strings.Contains(string(b), `"tls":"TLS 1.2, TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"`) {
		t.Errorf("report: %s", b)
	}
}

// BenchmarkInspectHTTPS decrypts and pairs the HTTPS fixtures, reporting
// packets per second; scripts/bench-inspect-https.sh compares a large
// capture with tshark.
func BenchmarkInspectHTTPS(b *testing.B) {
	path, keyPath := os.Getenv("SIMHTTP_HTTPS_CAPTURE"), os.Getenv("SIMHTTP_HTTPS_CAPTURE")+".keys"
	if path == "" {
		path, keyPath = filepath.Join(httpsDir, "tls13-aes128.pcap"), filepath.Join(httpsDir, "tls13-aes128.keys")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	keys := readKeyLog(b, keyPath)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	packets := 0
	for b.Loop() {
		r, err := Inspect(bytes.NewReader(data), WithKeyLog(keys))
		if err != nil {
			b.Fatal(err)
		}
		packets += r.Packets
	}
	b.ReportMetric(float64(packets)/b.Elapsed().Seconds(), "packets/s")
}

// withoutPacket returns a classic pcap file without its packet num, as
// `editcap in out num` writes it.
func withoutPacket(t *testing.T, data []byte, num int) []byte {
	t.Helper()
	if binary.LittleEndian.Uint32(data) != pcapMagicMicro {
		t.Fatal("want a little-endian microsecond pcap")
	}
	out := append([]byte{}, data[:24]...)
	for off, n := 24, 1; off < len(data); n++ {
		end := off + 16 + int(binary.LittleEndian.Uint32(data[off+8:]))
		if n != num {
			out = append(out, data[off:end]...)
		}
		off = end
	}
	return out
}

// TestHTTPSLossResumesAtTheNextRecord drops a segment from the middle of a
// 100,000-byte response: the response is counted short by exactly the
// plaintext lost, decryption resumes at the next record, and the exchange
// after it is read whole.
func TestHTTPSLossResumesAtTheNextRecord(t *testing.T) {
	for _, name := range []string{"tls13-aes128", "tls12-aes128"} {
		t.Run(name, func(t *testing.T) {
			keys := readKeyLog(t, filepath.Join(httpsDir, name+".keys"))
			data, err := os.ReadFile(filepath.Join(httpsDir, name+".pcap"))
			if err != nil {
				t.Fatal(err)
			}
			whole, err := ReadCapture(bytes.NewReader(data), WithKeyLog(keys))
			if err != nil {
				t.Fatal(err)
			}
			big := whole.Connections[0].Exchanges[1].Response
			// The first of the big response's later segments that the
			// server never retransmitted (loopback captures show some).
			rr, _, err := openCapture(bytes.NewReader(data), func(*Error) {})
			if err != nil {
				t.Fatal(err)
			}
			var nums []int
			seqs := map[int]uint32{}
			sent := map[uint32]int{}
			var rec record
			var seg segment
			for rr.next(&rec) == nil {
				if ok, _ := decode(rec.link, rec.data, &seg); ok && rec.num > big.FirstPacket && rec.num <= big.LastPacket && seg.src.Port() == 18443 && len(seg.payload) > 0 {
					nums = append(nums, rec.num)
					seqs[rec.num] = seg.seq
					sent[seg.seq]++
				}
			}
			drop := 0
			for _, n := range nums {
				if sent[seqs[n]] == 1 {
					drop = n
					break
				}
			}
			if drop == 0 {
				t.Fatal("no segment inside the big response to drop")
			}
			c, err := ReadCapture(bytes.NewReader(withoutPacket(t, data, drop)), WithKeyLog(keys))
			if err != nil {
				t.Fatal(err)
			}
			exs := c.Connections[0].Exchanges
			if len(exs) != 3 {
				t.Fatalf("%d exchanges: %v", len(exs), exchangeFacts(c))
			}
			if res := exs[1].Response; res == nil || res.MissingBytes == 0 || res.BodyBytes+res.MissingBytes != 100000 || exs[1].Complete {
				t.Errorf("the big response without packet %d: %v", drop, exchangeFacts(c))
			}
			if b := exs[2]; !b.Complete || b.Request.Head.URL != "/b" || string(b.Response.Body) != "second response body" {
				t.Errorf("the exchange after the loss: %v", exchangeFacts(c))
			}
			if !strings.Contains(fmt.Sprint(c.Connections[0].Problems), "decryption resumed") {
				t.Errorf("connection problems: %v", c.Connections[0].Problems)
			}
		})
	}
}
