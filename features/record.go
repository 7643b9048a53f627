package features

// Recording scenarios: the traffic of every scenario's simulated network,
// written into one capture file that Wireshark and replay can read.

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"time"

	"github.com/cucumber/godog"

	"github.com/simhttp/simhttp/record"
	"github.com/simhttp/simhttp/simnet"
)

// RecordOptions configure Record.
type RecordOptions struct {
	// Paths are feature files, FILE:LINE references or directories; none
	// means the bundled features.
	Paths []string
	// Seed seeds every scenario's world.
	Seed uint64
	// Out receives the capture file.
	Out io.Writer
	// Format is record.PCAP or record.PCAPNG; a pcapng file carries the
	// comment "simhttp seed=N features=...".
	Format record.Format
	// Repeat runs the scenarios this many times, the k-th time with seed
	// Seed+k, to make large captures; 0 means once.
	Repeat int
	// Progress, when set, learns after each repetition how many of how
	// many are done.
	Progress func(done, total int)
	// Stdin is read for the path -, a feature on standard input.
	Stdin io.Reader
}

// scenarioGap separates one scenario's traffic from the next in the
// capture's time line.
const scenarioGap = time.Second

// Record runs scenarios on the simulated network and writes the packets
// of all of them into one capture, returning how many it wrote. Every
// scenario's hosts get addresses of their own and the scenarios follow
// one another in time, so every TCP connection is a distinct stream.
// Scenarios whose assertions fail are recorded all the same; scenarios
// that cannot run are left out and returned in err as by Run.
func Record(opts RecordOptions) (packets int, err error) {
	return recordScenarios(opts, nil)
}

// recordScenarios is Record, with onWorld seeing each finished scenario.
func recordScenarios(opts RecordOptions, onWorld func(*world)) (int, error) {
	if opts.Out == nil {
		return 0, errors.New("features: RecordOptions.Out is nil: nowhere to write the capture")
	}
	if opts.Repeat < 0 {
		return 0, fmt.Errorf("features: RecordOptions.Repeat is %d; want 0 or more", opts.Repeat)
	}
	c, err := loadCatalog(opts.Paths, opts.Stdin)
	if err != nil {
		return 0, err
	}
	ropts := record.Options{Format: opts.Format}
	if opts.Format == record.PCAPNG {
		ropts.Comment = recordComment(opts)
	}
	rec, err := record.NewRecorder(opts.Out, ropts)
	if err != nil {
		return 0, fmt.Errorf("starting the capture: %w", err)
	}
	probe := &suite{catalog: c}
	paths := probe.runnable()
	sp := &splicer{rec: rec}
	total := max(opts.Repeat, 1)
	for k := range total {
		s := &suite{catalog: c, seed: opts.Seed + uint64(k), onStart: sp.begin, onWorld: onWorld}
		s.run(godog.Options{Format: "progress", Output: io.Discard}, paths)
		if s.ran == 0 {
			return 0, errors.Join(probe.problemsErr(), probe.nothingSelected(""), rec.Close())
		}
		if opts.Progress != nil {
			opts.Progress(k+1, total)
		}
	}
	closeErr := rec.Close()
	return rec.Packets(), errors.Join(probe.problemsErr(), closeErr)
}

func recordComment(opts RecordOptions) string {
	feats := "bundled"
	if len(opts.Paths) > 0 {
		feats = strings.Join(opts.Paths, ",")
	}
	s := fmt.Sprintf("simhttp seed=%d features=%s", opts.Seed, feats)
	if opts.Repeat > 1 {
		s += fmt.Sprintf(" repeat=%d", opts.Repeat)
	}
	return s
}

// splicer lays scenarios end to end in one capture: each scenario's
// packets are shifted past the last packet of the one before, and each of
// its addresses is replaced by one no earlier scenario used.
type splicer struct {
	rec   *record.Recorder
	base  time.Duration // added to the current scenario's virtual times
	last  time.Duration // latest capture time written
	addrs map[netip.Addr]netip.Addr
	next  uint32 // hosts handed out so far
}

// firstHost is 10.0.0.0: the spliced IPv4 addresses count up from it
// through 10.0.0.0/8; IPv6 addresses are fd00::N.
const (
	firstHost = 10 << 24
	hostSpace = 1<<24 - 2
)

// begin starts a scenario: it observes the new world's packets.
func (sp *splicer) begin(w *world) {
	sp.base = sp.last + scenarioGap
	sp.addrs = map[netip.Addr]netip.Addr{}
	w.loop().Events().Observe(sp.observe)
}

func (sp *splicer) observe(ev simnet.Event) {
	if ev.Packet == nil {
		return
	}
	p := *ev.Packet
	p.Src = netip.AddrPortFrom(sp.addr(p.Src.Addr()), p.Src.Port())
	p.Dst = netip.AddrPortFrom(sp.addr(p.Dst.Addr()), p.Dst.Port())
	ev.Packet = &p
	ev.T += sp.base
	sp.last = max(sp.last, ev.T)
	sp.rec.Observe(ev)
}

// addr is the capture's address for a's host in the current scenario.
// After 16 million hosts the IPv4 addresses come round again; the
// scenarios that share them are still apart in time.
func (sp *splicer) addr(a netip.Addr) netip.Addr {
	if b, ok := sp.addrs[a]; ok {
		return b
	}
	sp.next++
	n := (sp.next-1)%hostSpace + 1
	var b netip.Addr
	if a.Unmap().Is4() {
		v := uint32(firstHost) + n
		b = netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
	} else {
		b = netip.AddrFrom16([16]byte{0: 0xfd, 12: byte(sp.next >> 24), 13: byte(sp.next >> 16), 14: byte(sp.next >> 8), 15: byte(sp.next)})
	}
	sp.addrs[a] = b
	return b
}
