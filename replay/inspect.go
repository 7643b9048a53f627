package replay

// Reading a whole capture, and the report `simhttp inspect` prints.

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// Capture is everything read from a capture file: its TCP connections with
// their HTTP exchanges in full, and the problems met on the way.
type Capture struct {
	Format      string        // "pcap", "pcapng" or "har"
	LinkTypes   []string      // link types of the packets, tcpdump's names, in order of first use
	Packets     int           // packets read, whatever they carried
	Start       time.Time     // timestamp of the first packet
	Connections []*Connection // in order of their first packet
	Problems    []*Error      // problems of the file and of single packets
}

// ReadCapture reads a pcap or pcapng capture (told apart by the magic number)
// and pairs the HTTP/1.x exchanges of every TCP connection, keeping every
// message's head and body; a file that opens a JSON object is read as a HAR
// by [ReadHAR]. A connection's client is the side that sent the
// SYN; when the SYN was not captured, the side whose first bytes read as a
// request, or failing that the side on the higher port.
//
// Problems with single packets, streams or exchanges are recorded where they
// happen and reading goes on; a file whose header is unreadable is an error,
// and a file cut short keeps everything before the cut.
//
// TLS connections are decrypted with the secrets of a pcapng's Decryption
// Secrets Blocks and of [WithKeyLog]; a TLS connection without secrets
// carries a problem saying so.
func ReadCapture(r io.Reader, opts ...ReadOption) (*Capture, error) { return read(r, true, opts) }

// Inspect reads a capture as ReadCapture does, counting bodies rather than
// keeping them, and summarises it.
func Inspect(r io.Reader, opts ...ReadOption) (*Report, error) {
	c, err := read(r, false, opts)
	if err != nil {
		return nil, err
	}
	return c.Report(), nil
}

// ReadOption adjusts how ReadCapture and Inspect read a capture.
type ReadOption func(*readConfig)

type readConfig struct{ keys *KeyLog }

// WithKeyLog decrypts TLS connections with the secrets of k as well as any
// the capture carries.
func WithKeyLog(k *KeyLog) ReadOption { return func(rc *readConfig) { rc.keys = k } }

func read(r io.Reader, keepBodies bool, opts []ReadOption) (*Capture, error) {
	var cfg readConfig
	for _, o := range opts {
		o(&cfg)
	}
	br := bufio.NewReaderSize(r, readBuffer)
	if looksLikeHAR(br) {
		return ReadHAR(br)
	}
	c := &Capture{}
	warn := func(e *Error) { c.Problems = append(c.Problems, e) }
	rr, format, err := openCapture(br, warn)
	if err != nil {
		return nil, err
	}
	c.Format = format
	// The capture's own secrets join the given ones without changing them.
	keys := &KeyLog{sessions: make(map[[32]byte]*tlsSecrets, cfg.keys.Len())}
	if cfg.keys != nil {
		maps.Copy(keys.sessions, cfg.keys.sessions)
	}
	if ng, ok := rr.(*ngReader); ok {
		ng.secrets = keys
	}
	t := newTracker(keepBodies, keys)
	var (
		rec   record
		seg   segment
		first int64
		last  pktInfo
		link  = ^uint32(0)
		// Packets cut by the snap length are one problem, not one each: a
		// capture taken with -s 96 cuts nearly all of them.
		snapped, snappedFirst int
		snappedBytes          int64
	)
	for {
		err := rr.next(&rec)
		if err == io.EOF {
			break
		}
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				return nil, err
			}
			c.Problems = append(c.Problems, e)
			break
		}
		if c.Packets == 0 {
			first = rec.ts
			c.Start = time.Unix(0, rec.ts).UTC()
		}
		c.Packets = rec.num
		if rec.link != link {
			link = rec.link
			if name := linkName(link); !slices.Contains(c.LinkTypes, name) {
				c.LinkTypes = append(c.LinkTypes, name)
			}
		}
		last = pktInfo{num: rec.num, ts: rec.ts - first}
		ok, derr := decode(rec.link, rec.data, &seg)
		if derr != nil {
			derr.Packet = rec.num
			c.Problems = append(c.Problems, derr)
			continue
		}
		if !ok {
			continue
		}
		if seg.missing > 0 {
			if snapped == 0 {
				snappedFirst = rec.num
			}
			snapped++
			snappedBytes += int64(seg.missing)
		}
		t.segment(&seg, last)
	}
	c.Packets = max(c.Packets, rr.count())
	t.end(last)
	if snapped > 0 {
		c.Problems = append(c.Problems, problemf(CodeSnapped, snappedFirst, "the capture's snap length cut %s short, from this one on: %d bytes of TCP payload were not captured", plural(snapped, "packet"), snappedBytes))
	}
	c.Connections = make([]*Connection, len(t.conns))
	for i, cn := range t.conns {
		c.Connections[i] = cn.out
	}
	return c, nil
}

// Report is the summary of a capture that `simhttp inspect` prints: as JSON
// through encoding/json, or as text through WriteText.
type Report struct {
	Format      string             `json:"format"`
	LinkTypes   []string           `json:"linkTypes"`
	Packets     int                `json:"packets"`
	Connections []ConnectionReport `json:"connections"`
	Problems    []*Error           `json:"problems"`
}

// ConnectionReport summarises one connection. Times are in seconds since the
// first packet of the capture.
type ConnectionReport struct {
	Client      string           `json:"client"`
	Server      string           `json:"server"`
	FirstPacket int              `json:"firstPacket"`
	Packets     int              `json:"packets"`
	Start       float64          `json:"start"`
	End         float64          `json:"end"`
	ClientBytes int64            `json:"clientBytes"`
	ServerBytes int64            `json:"serverBytes"`
	OpaqueBytes int64            `json:"opaqueBytes"`
	TLS         string           `json:"tls,omitempty"`
	Closed      string           `json:"closed"`
	Recovered   int              `json:"recovered"` // exchanges paired by recovering after a loss
	Exchanges   []ExchangeReport `json:"exchanges"`
	Problems    []*Error         `json:"problems"`
}

// ExchangeReport summarises one exchange: Status is absent when no response
// arrived, Method and URL when no request was seen. Start is the first byte
// of the exchange and End its last, in seconds since the first packet.
// Missing bytes are those of a message the capture never saw (holes, cut
// packets); the lost flags say a whole message fell in a hole.
type ExchangeReport struct {
	Method               string     `json:"method,omitempty"`
	URL                  string     `json:"url,omitempty"`
	Status               int        `json:"status,omitempty"`
	Informational        []int      `json:"informational"`
	RequestLost          bool       `json:"requestLost,omitempty"`
	ResponseLost         bool       `json:"responseLost,omitempty"`
	Confidence           Confidence `json:"confidence,omitempty"`
	Recovered            bool       `json:"recovered,omitempty"`
	RequestMissingBytes  int64      `json:"requestMissingBytes,omitempty"`
	ResponseMissingBytes int64      `json:"responseMissingBytes,omitempty"`
	RequestBodyBytes     int64      `json:"requestBodyBytes"`
	ResponseBodyBytes    int64      `json:"responseBodyBytes"`
	RequestPacket        int        `json:"requestPacket,omitempty"`
	ResponsePacket       int        `json:"responsePacket,omitempty"`
	Start                float64    `json:"start"`
	End                  float64    `json:"end"`
	Complete             bool       `json:"complete"`
	Problems             []*Error   `json:"problems"`
}

// ProblemCount is how many problems the report lists, of the capture, its
// connections and their exchanges.
func (r *Report) ProblemCount() int {
	n := len(r.Problems)
	for _, c := range r.Connections {
		n += len(c.Problems)
		for _, e := range c.Exchanges {
			n += len(e.Problems)
		}
	}
	return n
}

// Report summarises the capture.
func (c *Capture) Report() *Report {
	r := &Report{
		Format:      c.Format,
		LinkTypes:   nonNil(c.LinkTypes),
		Packets:     c.Packets,
		Connections: make([]ConnectionReport, len(c.Connections)),
		Problems:    nonNil(c.Problems),
	}
	for i, cn := range c.Connections {
		cr := ConnectionReport{
			Client:      addrText(cn.Client),
			Server:      addrText(cn.Server),
			FirstPacket: cn.FirstPacket,
			Packets:     cn.Packets,
			Start:       cn.Start.Seconds(),
			End:         cn.End.Seconds(),
			ClientBytes: cn.ClientBytes,
			ServerBytes: cn.ServerBytes,
			OpaqueBytes: cn.OpaqueBytes,
			TLS:         cn.TLS,
			Closed:      cn.Closed,
			Exchanges:   make([]ExchangeReport, len(cn.Exchanges)),
			Problems:    nonNil(cn.Problems),
		}
		for j, ex := range cn.Exchanges {
			cr.Exchanges[j] = exchangeReport(ex)
			if ex.Recovered {
				cr.Recovered++
			}
		}
		r.Connections[i] = cr
	}
	return r
}

func exchangeReport(ex *Exchange) ExchangeReport {
	er := ExchangeReport{
		Informational: nonNil(ex.Informational),
		RequestLost:   ex.RequestLost,
		ResponseLost:  ex.ResponseLost,
		Confidence:    ex.Confidence,
		Recovered:     ex.Recovered,
		Complete:      ex.Complete,
		Problems:      nonNil(ex.Problems),
	}
	if q := ex.Request; q != nil {
		er.Method, er.URL = q.Head.Method, q.Head.URL
		er.RequestBodyBytes = q.BodyBytes
		er.RequestMissingBytes = q.MissingBytes
		er.RequestPacket = q.FirstPacket
	}
	if s := ex.Response; s != nil {
		er.Status = s.Head.StatusCode
		er.ResponseBodyBytes = s.BodyBytes
		er.ResponseMissingBytes = s.MissingBytes
		er.ResponsePacket = s.FirstPacket
	}
	start, end := time.Duration(-1), time.Duration(0)
	for _, m := range []*Message{ex.Request, ex.Response} {
		if m == nil {
			continue
		}
		if start < 0 || m.Start < start {
			start = m.Start
		}
		end = max(end, m.End)
	}
	if start >= 0 {
		er.Start, er.End = start.Seconds(), end.Seconds()
	}
	return er
}

// addrText is an address as text, "unknown" where a HAR did not give it.
func addrText(a netip.AddrPort) string {
	if !a.IsValid() {
		return "unknown"
	}
	return a.String()
}

// nonNil makes an absent list an empty one, so JSON shows [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// WriteText writes the report for people: the capture, then every
// connection with its exchanges and problems, then the capture's problems.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	exchanges, recovered := 0, 0
	for _, c := range r.Connections {
		exchanges += len(c.Exchanges)
		recovered += c.Recovered
	}
	if r.Format == "har" {
		// A HAR has entries, not packets or links.
		fmt.Fprintf(&b, "har file, %s, %s", plural(len(r.Connections), "connection"), plural(exchanges, "exchange"))
	} else {
		fmt.Fprintf(&b, "%s capture, %s, %s, %s, %s", r.Format, strings.Join(r.LinkTypes, "+"),
			plural(r.Packets, "packet"), plural(len(r.Connections), "connection"), plural(exchanges, "exchange"))
	}
	if recovered > 0 {
		fmt.Fprintf(&b, ", %d recovered after loss", recovered)
	}
	b.WriteString("\n")
	for i, c := range r.Connections {
		closed := c.Closed
		if closed == "" {
			closed = "still open"
		}
		fmt.Fprintf(&b, "\nconnection %d  %s -> %s  %s from #%d  +%.6fs..+%.6fs  %s\n",
			i+1, c.Client, c.Server, plural(c.Packets, "packet"), c.FirstPacket, c.Start, c.End, closed)
		fmt.Fprintf(&b, "  bytes: client %d, server %d", c.ClientBytes, c.ServerBytes)
		if c.OpaqueBytes > 0 {
			fmt.Fprintf(&b, ", opaque after upgrade %d", c.OpaqueBytes)
		}
		if c.TLS != "" {
			fmt.Fprintf(&b, "  over %s", c.TLS)
		}
		b.WriteString("\n")
		if c.Recovered > 0 {
			fmt.Fprintf(&b, "  recovered after loss: %s\n", plural(c.Recovered, "exchange"))
		}
		for j, e := range c.Exchanges {
			method, url := e.Method, e.URL
			switch {
			case e.RequestLost:
				method, url = "?", "(request lost)"
			case method == "":
				method, url = "?", "(no request captured)"
			}
			status := "no response"
			switch {
			case e.Status != 0:
				status = fmt.Sprint(e.Status)
			case e.ResponseLost:
				status = "response lost"
			}
			if len(e.Informational) > 0 {
				status = strings.Trim(fmt.Sprint(e.Informational), "[]") + " " + status
			}
			state := "complete"
			if !e.Complete {
				state = "incomplete"
			}
			fmt.Fprintf(&b, "  %d. %s %s -> %s  bodies %d/%d B", j+1, method, url, status, e.RequestBodyBytes, e.ResponseBodyBytes)
			if e.RequestMissingBytes+e.ResponseMissingBytes > 0 {
				fmt.Fprintf(&b, " (%d/%d B not captured)", e.RequestMissingBytes, e.ResponseMissingBytes)
			}
			fmt.Fprintf(&b, "  at +%.6fs, took %.6fs  %s", e.Start, e.End-e.Start, state)
			if e.Recovered {
				fmt.Fprintf(&b, "  recovered, %s confidence", e.Confidence)
			}
			b.WriteString("\n")
			for _, p := range e.Problems {
				fmt.Fprintf(&b, "     problem: %s\n", p.Error())
			}
		}
		for _, p := range c.Problems {
			fmt.Fprintf(&b, "  problem: %s\n", p.Error())
		}
	}
	if len(r.Problems) > 0 {
		b.WriteString("\nproblems:\n")
		for _, p := range r.Problems {
			fmt.Fprintf(&b, "  %s\n", p.Error())
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
