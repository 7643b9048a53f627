package record

import (
	"net/netip"
	"time"

	"github.com/simhttp/simhttp/simnet"
)

// conversation builds the packet events of TCP connections by hand, keeping
// each side's next sequence number so every seq and ack is what a real
// stack would send.
type conversation struct {
	events []simnet.Event
	now    time.Duration
}

type connection struct {
	c                      *conversation
	id                     int
	client, server         netip.AddrPort
	clientNext, serverNext uint32
	clientWin, srvWin      uint16
}

func (c *conversation) open(id int, client, server string, clientISN, serverISN uint32) *connection {
	k := &connection{
		c: c, id: id,
		client: netip.MustParseAddrPort(client), server: netip.MustParseAddrPort(server),
		clientNext: clientISN, serverNext: serverISN,
		clientWin: 64240, srvWin: 65160,
	}
	k.send(true, simnet.FlagSYN, "")
	k.send(false, simnet.FlagSYN|simnet.FlagACK, "")
	k.send(true, simnet.FlagACK, "")
	return k
}

// send emits one segment from the client (or the server) a little after
// the previous one, at odd nanoseconds so rounding would show.
func (k *connection) send(fromClient bool, flags simnet.TCPFlags, payload string) *simnet.Packet {
	p := &simnet.Packet{Conn: k.id, Flags: flags, Payload: []byte(payload)}
	var next *uint32
	if fromClient {
		p.Src, p.Dst, p.Seq, p.Ack, p.Window = k.client, k.server, k.clientNext, k.serverNext, k.clientWin
		next = &k.clientNext
	} else {
		p.Src, p.Dst, p.Seq, p.Ack, p.Window = k.server, k.client, k.serverNext, k.clientNext, k.srvWin
		next = &k.serverNext
	}
	if flags&simnet.FlagACK == 0 {
		p.Ack = 0
	}
	*next += uint32(len(payload))
	if flags&(simnet.FlagSYN|simnet.FlagFIN) != 0 {
		*next++
	}
	k.c.now += 48*time.Microsecond + 123*time.Nanosecond
	k.c.events = append(k.c.events, simnet.Event{T: k.c.now, Obj: "net", ID: k.id, Name: "seg", Packet: p})
	return p
}

// exchange is one request and its response; the payloads are text so the
// tshark test can compare what it follows.
type exchange struct{ request, response string }

var exchanges = []exchange{
	{"GET /one HTTP/1.1\r\nHost: example.test\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"},
	{"POST /two HTTP/1.1\r\nHost: example.test\r\nContent-Length: 3\r\n\r\nabc", "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"},
}

const resetRequest = "GET /three HTTP/1.1\r\nHost: example.test\r\n\r\n"

// sampleStream is the capture every test records: a keep-alive connection
// with two exchanges closed by FIN both ways (its server ISN wraps around
// 2^32), a connection reset by the server after the request, and an IPv6
// connection with one exchange. Interleaved with them are events that carry
// no packet, which the recorder must ignore.
func sampleStream() []simnet.Event {
	c := &conversation{}
	k := c.open(1, "10.0.0.1:49152", "10.0.0.2:80", 1000, 0xfffffff0)
	c.events = append(c.events, simnet.Event{T: c.now, Obj: "req", ID: 1, Name: "socket"})
	for _, x := range exchanges {
		k.send(true, simnet.FlagPSH|simnet.FlagACK, x.request)
		k.send(false, simnet.FlagACK, "")
		k.send(false, simnet.FlagPSH|simnet.FlagACK, x.response)
		k.send(true, simnet.FlagACK, "")
	}
	k.send(true, simnet.FlagFIN|simnet.FlagACK, "")
	k.send(false, simnet.FlagFIN|simnet.FlagACK, "")
	k.send(true, simnet.FlagACK, "")

	r := c.open(2, "10.0.0.1:49153", "10.0.0.2:80", 7_000_000, 3_000_000_000)
	r.send(true, simnet.FlagPSH|simnet.FlagACK, resetRequest)
	r.send(false, simnet.FlagRST|simnet.FlagACK, "")
	c.events = append(c.events, simnet.Event{T: c.now, Obj: "req", ID: 2, Name: "error", Code: "ECONNRESET"})

	v6 := c.open(3, "[fd00::1]:49154", "[fd00::2]:8080", 42, 4242)
	v6.send(true, simnet.FlagPSH|simnet.FlagACK, exchanges[0].request)
	v6.send(false, simnet.FlagPSH|simnet.FlagACK, exchanges[0].response)
	v6.send(true, simnet.FlagFIN|simnet.FlagACK, "")
	v6.send(false, simnet.FlagFIN|simnet.FlagACK, "")
	v6.send(true, simnet.FlagACK, "")
	return c.events
}

// packetEvents returns the events that carry a packet, in order.
func packetEvents(events []simnet.Event) []simnet.Event {
	var out []simnet.Event
	for _, ev := range events {
		if ev.Packet != nil {
			out = append(out, ev)
		}
	}
	return out
}
