package replay

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// gotRecord is a record copied out of the reader's buffer.
type gotRecord struct {
	Num  int
	Len  int
	Wire int
	At   time.Duration
	Link uint32
}

// readAll reads every record of a capture file, returning the records, the
// problems reported along the way, and the error that stopped reading (nil
// at a clean end).
func readAll(t *testing.T, file []byte) (string, []gotRecord, []string, error) {
	t.Helper()
	var problems []string
	warn := func(e *Error) { problems = append(problems, e.Code+" "+e.Error()) }
	rr, format, err := openCapture(bytes.NewReader(file), warn)
	if err != nil {
		return "", nil, nil, err
	}
	var recs []gotRecord
	for {
		var rec record
		err := rr.next(&rec)
		if err == io.EOF {
			return format, recs, problems, nil
		}
		if err != nil {
			return format, recs, problems, err
		}
		recs = append(recs, gotRecord{rec.num, len(rec.data), rec.wireLen, time.Duration(rec.ts - baseTime.UnixNano()), rec.link})
	}
}

func TestPcapByteOrdersAndResolutions(t *testing.T) {
	recs := []trec{
		{at: 1234567 * time.Nanosecond, data: make([]byte, 60)},
		{at: 2*time.Second + 7*time.Nanosecond, data: make([]byte, 70), wire: 1500},
	}
	for _, tc := range []struct {
		name  string
		order binary.ByteOrder
		nanos bool
		want  []time.Duration
	}{
		{"little-endian microseconds", binary.LittleEndian, false, []time.Duration{1234 * time.Microsecond, 2 * time.Second}},
		{"big-endian microseconds", binary.BigEndian, false, []time.Duration{1234 * time.Microsecond, 2 * time.Second}},
		{"little-endian nanoseconds", binary.LittleEndian, true, []time.Duration{1234567, 2*time.Second + 7}},
		{"big-endian nanoseconds", binary.BigEndian, true, []time.Duration{1234567, 2*time.Second + 7}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			format, got, problems, err := readAll(t, pcapFile(tc.order, tc.nanos, linkSLL2, 262144, recs))
			if err != nil || format != "pcap" || len(problems) != 0 {
				t.Fatalf("format %q, problems %q, err %v", format, problems, err)
			}
			want := []gotRecord{{1, 60, 60, tc.want[0], linkSLL2}, {2, 70, 1500, tc.want[1], linkSLL2}}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("records (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPcapngInterfacesAndSections(t *testing.T) {
	file := pcapngFile(
		ngSection{
			order:  binary.LittleEndian,
			ifaces: []ngIfaceSpec{{link: linkEthernet}, {link: linkSLL2, resol: 9}, {link: linkRaw, resol: 0x80 | 10}},
			recs: []trec{
				{at: 1500 * time.Microsecond, data: make([]byte, 54), iface: 0},
				{at: 2*time.Second + 123456789, data: make([]byte, 61), iface: 1},
				{at: 3 * time.Second, data: make([]byte, 40), iface: 2},
			},
		},
		ngSection{
			order:  binary.BigEndian,
			ifaces: []ngIfaceSpec{{link: linkLoop, resol: 3}},
			recs:   []trec{{at: 4*time.Second + 5*time.Millisecond, data: make([]byte, 44), iface: 0}},
		},
	)
	format, got, problems, err := readAll(t, file)
	if err != nil || format != "pcapng" || len(problems) != 0 {
		t.Fatalf("format %q, problems %q, err %v", format, problems, err)
	}
	want := []gotRecord{
		{1, 54, 54, 1500 * time.Microsecond, linkEthernet},
		{2, 61, 61, 2*time.Second + 123456789, linkSLL2},
		{3, 40, 40, 3 * time.Second, linkRaw},
		{4, 44, 44, 4*time.Second + 5*time.Millisecond, linkLoop},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
}

func TestPcapngSkipsInterfacesWithUnsupportedLinkTypes(t *testing.T) {
	file := pcapngFile(ngSection{
		order:  binary.LittleEndian,
		ifaces: []ngIfaceSpec{{link: 147}, {link: linkEthernet}},
		recs:   []trec{{data: make([]byte, 10), iface: 0}, {data: make([]byte, 54), iface: 1}},
	})
	_, got, problems, err := readAll(t, file)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Num != 2 {
		t.Errorf("records %+v, want only packet 2", got)
	}
	want := []string{CodeLinkType + " pcapng interface 0: unsupported link type 147; its packets are skipped"}
	if diff := cmp.Diff(want, problems); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

func TestCaptureFileErrors(t *testing.T) {
	good := pcapFile(binary.LittleEndian, false, linkEthernet, 65535, []trec{{data: make([]byte, 60)}})
	badVersion := bytes.Clone(good)
	badVersion[4] = 3
	badLink := pcapFile(binary.LittleEndian, false, 147, 65535, nil)
	ng := pcapngFile(ngSection{order: binary.LittleEndian, ifaces: []ngIfaceSpec{{link: linkEthernet}}})
	ngBadBOM := bytes.Clone(ng)
	ngBadBOM[8] = 0
	for _, tc := range []struct {
		name string
		file []byte
		want *Error
		text string
	}{
		{"empty", nil, ErrTruncated, "file is 0 bytes, too short for a capture header"},
		{"wrong magic", []byte("GET / HTTP/1.1\r\n\r\n0123456789"), ErrFormat, "unknown magic number 0x47455420: not a pcap or pcapng file"},
		{"truncated global header", good[:20], ErrTruncated, "pcap file header is 20 of 24 bytes"},
		{"unsupported version", badVersion, ErrFormat, "unsupported pcap version 3.4"},
		{"unsupported link type", badLink, ErrLinkType, "unsupported link type 147"},
		{"pcapng without byte-order magic", ngBadBOM, ErrFormat, "pcapng section header at file offset 0 has no valid byte-order magic"},
		{"truncated pcapng section header", ng[:20], ErrTruncated, "truncated pcapng block at file offset 0 (20 of 28 bytes)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, _, err := readAll(t, tc.file)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err %v, want code %s", err, tc.want.Code)
			}
			if err.Error() != tc.text {
				t.Errorf("message %q, want %q", err.Error(), tc.text)
			}
		})
	}
}

func TestRecordProblems(t *testing.T) {
	two := pcapFile(binary.LittleEndian, false, linkEthernet, 100, []trec{{data: make([]byte, 60)}, {data: make([]byte, 80)}})
	absurd := bytes.Clone(two)
	binary.LittleEndian.PutUint32(absurd[24+16+60+8:], 1<<30)
	hugeSnap := pcapFile(binary.LittleEndian, false, linkEthernet, 0xffffffff, []trec{{data: make([]byte, 60)}})
	binary.LittleEndian.PutUint32(hugeSnap[24+8:], 200000000)
	overSnap := pcapFile(binary.LittleEndian, false, linkEthernet, 50, []trec{{data: make([]byte, 60)}})
	overWire := pcapFile(binary.LittleEndian, false, linkEthernet, 100, []trec{{data: make([]byte, 60), wire: 40}})
	ng := pcapngFile(ngSection{order: binary.LittleEndian, ifaces: []ngIfaceSpec{{link: linkEthernet}},
		recs: []trec{{data: make([]byte, 60)}, {data: make([]byte, 60)}}})
	ngBadLen := bytes.Clone(ng)
	binary.LittleEndian.PutUint32(ngBadLen[len(ng)-92+4:], 13)
	ngBadIface := pcapngFile(ngSection{order: binary.LittleEndian, ifaces: []ngIfaceSpec{{link: linkEthernet}},
		recs: []trec{{data: make([]byte, 60)}}})
	binary.LittleEndian.PutUint32(ngBadIface[len(ngBadIface)-92+8:], 7)
	for _, tc := range []struct {
		name     string
		file     []byte
		packets  int
		problems []string
		err      string // the problem that stopped reading
	}{
		{"truncated last record", two[:len(two)-5], 1, nil, "ERR_CAPTURE_TRUNCATED packet 2: truncated record (75 of 80 bytes)"},
		{"truncated last record header", two[:24+16+60+9], 1, nil, "ERR_CAPTURE_TRUNCATED packet 2: truncated record header (9 of 16 bytes)"},
		{"absurd capture length", absurd, 1, nil, "ERR_CAPTURE_RECORD packet 2: capture length 1073741824 exceeds the largest record read, 262144 bytes (the file's snap length is 100); the rest of the file cannot be framed"},
		{"oversized record under the largest snap length", hugeSnap, 0, nil, "ERR_CAPTURE_RECORD packet 1: capture length 200000000 exceeds the largest record read, 16777216 bytes (the file's snap length is 4294967295); the rest of the file cannot be framed"},
		{"capture length over snap length", overSnap, 1, []string{"ERR_CAPTURE_RECORD packet 1: capture length 60 exceeds snap length 50"}, ""},
		{"capture length over packet length", overWire, 1, []string{"ERR_CAPTURE_RECORD packet 1: capture length 60 exceeds packet length 40"}, ""},
		{"truncated pcapng block", ng[:len(ng)-10], 1, nil, "ERR_CAPTURE_TRUNCATED packet 2: truncated pcapng block at file offset 140 (82 of 92 bytes)"},
		{"impossible pcapng block length", ngBadLen, 1, nil, "ERR_CAPTURE_FORMAT packet 2: pcapng block at file offset 140 has impossible length 13"},
		{"packet on an undeclared interface", ngBadIface, 0, []string{"ERR_CAPTURE_FORMAT packet 1: packet on pcapng interface 7, but the section describes 1"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, recs, problems, err := readAll(t, tc.file)
			if len(recs) != tc.packets {
				t.Errorf("read %d packets, want %d", len(recs), tc.packets)
			}
			if diff := cmp.Diff(tc.problems, problems); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
			var got string
			var e *Error
			if errors.As(err, &e) {
				got = e.Code + " " + e.Error()
			} else if err != nil {
				t.Fatalf("untyped error %v", err)
			}
			if got != tc.err {
				t.Errorf("stopped by %q, want %q", got, tc.err)
			}
		})
	}
}

func TestNgTimestampResolutions(t *testing.T) {
	at := 5*time.Second + 250*time.Millisecond
	for _, resol := range []byte{0, 3, 6, 9, 0x80 | 2, 0x80 | 20} {
		file := pcapngFile(ngSection{order: binary.LittleEndian, ifaces: []ngIfaceSpec{{link: linkRaw, resol: resol}},
			recs: []trec{{at: at, data: make([]byte, 40)}}})
		_, recs, _, err := readAll(t, file)
		if err != nil || len(recs) != 1 || recs[0].At != at {
			t.Errorf("resolution %#x: records %+v, err %v; want one at %v", resol, recs, err, at)
		}
	}
}

// Simple and obsolete packet blocks, the timestamp offset option, and blocks
// the reader has no use for.
func TestPcapngOtherBlocks(t *testing.T) {
	o := binary.LittleEndian
	var b bytes.Buffer
	shb := o.AppendUint32(nil, ngByteOrder)
	shb = o.AppendUint16(shb, 1)
	shb = o.AppendUint16(shb, 0)
	shb = o.AppendUint64(shb, ^uint64(0))
	ngBlock(&b, o, ngBlockSHB, shb)
	idb := o.AppendUint16(nil, linkRaw)
	idb = o.AppendUint16(idb, 0)
	idb = o.AppendUint32(idb, 0)
	idb = o.AppendUint16(idb, ngOptTSOffset)
	idb = o.AppendUint16(idb, 8)
	idb = o.AppendUint64(idb, 10)
	idb = o.AppendUint32(idb, 0)
	ngBlock(&b, o, ngBlockIDB, idb)
	ngBlock(&b, o, 5, make([]byte, 16)) // interface statistics: skipped
	pb := o.AppendUint16(nil, 0)
	pb = o.AppendUint16(pb, 0)
	pb = o.AppendUint32(pb, 0)
	pb = o.AppendUint32(pb, 2_000_000) // 2 s in microseconds
	pb = o.AppendUint32(pb, 30)
	pb = o.AppendUint32(pb, 40)
	pb = append(pb, make([]byte, 30)...)
	ngBlock(&b, o, ngBlockPB, pb)
	spb := o.AppendUint32(nil, 20)
	spb = append(spb, make([]byte, 20)...)
	ngBlock(&b, o, ngBlockSPB, spb)
	_, got, problems, err := readAll(t, b.Bytes())
	if err != nil || len(problems) != 0 {
		t.Fatalf("problems %q err %v", problems, err)
	}
	at := time.Duration(time.Unix(12, 0).UnixNano() - baseTime.UnixNano())
	want := []gotRecord{{1, 30, 40, at, linkRaw}, {2, 20, 20, at, linkRaw}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
}

// A small capture gets a small read buffer: a quarter-megabyte buffer per
// read is what made FuzzInspect crawl.
func TestBufferSizeFitsSmallInputs(t *testing.T) {
	small := bytes.NewReader(make([]byte, 100))
	if got := bufferSize(small); got != minBuffer {
		t.Errorf("100-byte reader: buffer %d, want %d", got, minBuffer)
	}
	if got := bufferSize(bytes.NewReader(make([]byte, 40<<10))); got != 40<<10 {
		t.Errorf("40 KiB reader: buffer %d, want %d", got, 40<<10)
	}
	if got := bufferSize(io.MultiReader(small)); got != readBuffer {
		t.Errorf("reader of unknown size: buffer %d, want %d", got, readBuffer)
	}
	f, err := os.Open(filepath.Join(fixtureDir, "head.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	if got := bufferSize(f); got != max(int(fi.Size()), minBuffer) {
		t.Errorf("file of %d bytes: buffer %d", fi.Size(), got)
	}
}
