package record_test

import (
	"bytes"
	"fmt"
	"net/netip"
	"time"

	"github.com/simhttp/simhttp/record"
	"github.com/simhttp/simhttp/simnet"
)

func ExampleRecorder() {
	var capture bytes.Buffer
	rec, err := record.NewRecorder(&capture, record.Options{Format: record.PCAPNG, Comment: "simhttp seed=42"})
	if err != nil {
		fmt.Println(err)
		return
	}
	// In a run, rec.Observe is registered as the world's observer; here two
	// events are handed over directly.
	rec.Observe(simnet.Event{T: time.Millisecond, Obj: "net", ID: 1, Name: "syn", Packet: &simnet.Packet{
		Conn:   1,
		Src:    netip.MustParseAddrPort("10.0.0.1:49152"),
		Dst:    netip.MustParseAddrPort("10.0.0.2:80"),
		Seq:    1000,
		Flags:  simnet.FlagSYN,
		Window: 64240,
	}})
	rec.Observe(simnet.Event{T: time.Millisecond, Obj: "req", ID: 1, Name: "socket"}) // no packet: ignored
	if err := rec.Close(); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d packet, %d bytes of pcapng\n", rec.Packets(), capture.Len())
	// Output:
	// 1 packet, 228 bytes of pcapng
}
