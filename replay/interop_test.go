package replay

// Files written by gopacket's pcapgo, an independent implementation of both
// formats, must read back exactly.

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

func TestReadsPcapgoPcapNanos(t *testing.T) {
	var buf bytes.Buffer
	w := pcapgo.NewWriterNanos(&buf)
	if err := w.WriteFileHeader(65535, layers.LinkTypeLinuxSLL2); err != nil {
		t.Fatal(err)
	}
	var want []gotRecord
	for i := range 3 {
		at := time.Duration(i)*time.Second + time.Duration(i*7)*time.Nanosecond
		data := bytes.Repeat([]byte{byte(i)}, 30+i)
		ci := gopacket.CaptureInfo{Timestamp: baseTime.Add(at), CaptureLength: len(data), Length: len(data) + i}
		if err := w.WritePacket(ci, data); err != nil {
			t.Fatal(err)
		}
		want = append(want, gotRecord{i + 1, len(data), len(data) + i, at, linkSLL2})
	}
	format, got, problems, err := readAll(t, buf.Bytes())
	if err != nil || format != "pcap" || len(problems) != 0 {
		t.Fatalf("format %q problems %q err %v", format, problems, err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
}

// pcapgo always writes nanosecond timestamps; other resolutions are covered
// by TestNgTimestampResolutions.
func TestReadsPcapgoPcapngWithTwoInterfaces(t *testing.T) {
	var buf bytes.Buffer
	w, err := pcapgo.NewNgWriterInterface(&buf, pcapgo.NgInterface{Name: "eth0", LinkType: layers.LinkTypeEthernet, TimestampResolution: 6},
		pcapgo.NgWriterOptions{SectionInfo: pcapgo.NgSectionInfo{Application: "replay test"}})
	if err != nil {
		t.Fatal(err)
	}
	lo, err := w.AddInterface(pcapgo.NgInterface{Name: "lo", LinkType: layers.LinkTypeLinuxSLL2, TimestampResolution: 9})
	if err != nil {
		t.Fatal(err)
	}
	packets := []struct {
		iface int
		at    time.Duration
		want  time.Duration
		link  uint32
	}{
		{0, 1500*time.Microsecond + 999, 1500*time.Microsecond + 999, linkEthernet},
		{lo, 2*time.Second + 123456789, 2*time.Second + 123456789, linkSLL2},
		{0, 3 * time.Second, 3 * time.Second, linkEthernet},
	}
	var want []gotRecord
	for i, p := range packets {
		data := bytes.Repeat([]byte{'x'}, 40+i)
		ci := gopacket.CaptureInfo{Timestamp: baseTime.Add(p.at), CaptureLength: len(data), Length: len(data), InterfaceIndex: p.iface}
		if err := w.WritePacket(ci, data); err != nil {
			t.Fatal(err)
		}
		want = append(want, gotRecord{i + 1, len(data), len(data), p.want, p.link})
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	format, got, problems, err := readAll(t, buf.Bytes())
	if err != nil || format != "pcapng" || len(problems) != 0 {
		t.Fatalf("format %q problems %q err %v", format, problems, err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
}

// pcapgoRecords reads a file with pcapgo, for comparison with ours.
func pcapgoRecords(t *testing.T, file []byte, ng bool) []gotRecord {
	t.Helper()
	type source interface {
		ReadPacketData() ([]byte, gopacket.CaptureInfo, error)
	}
	var src source
	var link func(ci gopacket.CaptureInfo) uint32
	if ng {
		r, err := pcapgo.NewNgReader(bytes.NewReader(file), pcapgo.NgReaderOptions{WantMixedLinkType: true})
		if err != nil {
			t.Fatal(err)
		}
		src = r
		link = func(ci gopacket.CaptureInfo) uint32 { return uint32(ci.AncillaryData[0].(layers.LinkType)) }
	} else {
		r, err := pcapgo.NewReader(bytes.NewReader(file))
		if err != nil {
			t.Fatal(err)
		}
		src = r
		link = func(gopacket.CaptureInfo) uint32 { return uint32(r.LinkType()) }
	}
	var recs []gotRecord
	for {
		data, ci, err := src.ReadPacketData()
		if err == io.EOF {
			return recs
		}
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, gotRecord{len(recs) + 1, len(data), ci.Length, time.Duration(ci.Timestamp.UnixNano() - baseTime.UnixNano()), link(ci)})
	}
}
