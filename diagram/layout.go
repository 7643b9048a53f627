package diagram

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/simhttp/simhttp/simnet"
)

// Trace is one run's events, and what to highlight on its diagram.
type Trace struct {
	Events []simnet.Event
	// FirstDiff is the index in the events of the first event that differs
	// from what was expected; len(events) marks a run that ended before
	// the expected event; -1 (or any other value) highlights nothing.
	FirstDiff int
	// Expected is the compact token expected at FirstDiff, shown beside it.
	Expected string
}

// lane is one column: an object (req#1) or a host of the network.
type lane struct {
	key   string // "req#1", or "host:client"
	label string
	group int // left to right: test marks, client objects, client hosts, server hosts, server objects
	kind  int // order of the object's kind within its group
	id    int
	first int // first and last row that touch it, for its lifeline
	last  int
}

// row is one line of the diagram: an event, or a run of data events of
// one object collapsed into one.
type row struct {
	t        time.Duration
	from, to int    // lane indexes; to == from for an event on one object
	kind     string // "event", "error", "seg", "drop", "fault", "mark", "end"
	label    string
	diff     bool   // the first differing event
	expected string // with diff: the token expected here
}

// layout is a trace laid out in lanes and rows.
type layout struct {
	lanes []*lane
	rows  []row
}

// kinds orders an object's kind within its side, client then server.
var kinds = map[string][2]int{
	"test": {0, 0},
	"req":  {1, 0}, "res": {1, 1}, "agent": {1, 2}, "socket": {1, 3},
	"server": {4, 0}, "sreq": {4, 1}, "sres": {4, 2}, "ssocket": {4, 3},
}

const (
	groupClientHosts = 2
	groupServerHosts = 3
	groupOther       = 5
)

// lay lays events out: lanes in a stable order (by side, kind and number),
// rows in the order of the events.
func lay(t Trace) *layout {
	events, opts := t.Events, t
	l := &layout{}
	byKey := map[string]int{}
	// Hosts that open connections stand on the client side.
	opener := map[string]bool{}
	for _, ev := range events {
		if ev.Obj == "net" && ev.Name == "syn" {
			opener[str(ev.Detail["from"])] = true
		}
	}
	laneOf := func(key, label string, group, kind, id int) int {
		if i, ok := byKey[key]; ok {
			return i
		}
		byKey[key] = len(l.lanes)
		l.lanes = append(l.lanes, &lane{key: key, label: label, group: group, kind: kind, id: id, first: -1})
		return len(l.lanes) - 1
	}
	hostLane := func(name string) int {
		g := groupServerHosts
		if opener[name] {
			g = groupClientHosts
		}
		return laneOf("host:"+name, name, g, 0, 0)
	}
	for i := 0; i < len(events); i++ {
		ev := events[i]
		r := row{t: ev.T}
		if ev.Obj == "net" {
			r.from, r.to = hostLane(str(ev.Detail["from"])), hostLane(str(ev.Detail["to"]))
			r.kind, r.label = netLabel(ev)
		} else {
			k, ok := kinds[ev.Obj]
			if !ok {
				k = [2]int{groupOther, 0}
			}
			key := ev.Obj + "#" + strconv.Itoa(ev.ID)
			r.from = laneOf(key, key, k[0], k[1], ev.ID)
			r.to = r.from
			r.kind, r.label = eventLabel(ev)
			if ev.Name == "data" {
				// A run of data events of one object is one row.
				n, bytes := 1, ev.Bytes
				for i+1 < len(events) && events[i+1].Obj == ev.Obj && events[i+1].ID == ev.ID && events[i+1].Name == "data" {
					if i+1 == opts.FirstDiff {
						break
					}
					i++
					n++
					bytes += events[i].Bytes
				}
				r.label = dataLabel(n, bytes)
			}
		}
		if i == opts.FirstDiff {
			r.diff, r.expected = true, opts.Expected
		}
		l.rows = append(l.rows, r)
	}
	if opts.FirstDiff == len(events) && len(events) > 0 {
		last := events[len(events)-1]
		l.rows = append(l.rows, row{t: last.T, kind: "end", label: "the run ended here", diff: true, expected: opts.Expected, from: -1, to: -1})
	}
	l.order()
	return l
}

// order sorts the lanes by side, kind and number, renumbers the rows'
// lanes to match, and finds each lane's first and last row.
func (l *layout) order() {
	old := slices.Clone(l.lanes)
	slices.SortStableFunc(l.lanes, func(a, b *lane) int {
		return cmp.Or(cmp.Compare(a.group, b.group), cmp.Compare(a.kind, b.kind), cmp.Compare(a.id, b.id))
	})
	where := make(map[*lane]int, len(l.lanes))
	for i, ln := range l.lanes {
		where[ln] = i
	}
	for i := range l.rows {
		r := &l.rows[i]
		if r.from < 0 {
			continue
		}
		r.from, r.to = where[old[r.from]], where[old[r.to]]
		for _, x := range []int{r.from, r.to} {
			ln := l.lanes[x]
			if ln.first < 0 {
				ln.first = i
			}
			ln.last = i
		}
	}
}

func netLabel(ev simnet.Event) (kind, label string) {
	switch ev.Name {
	case "fault":
		return "fault", "fault: " + str(ev.Detail["fault"])
	case "drop":
		return "drop", "dropped (" + str(ev.Detail["reason"]) + ")"
	case "seg":
		return "seg", fmt.Sprintf("seg %d B", num(ev.Detail["len"]))
	}
	if n := num(ev.Detail["len"]); n > 0 {
		return "seg", fmt.Sprintf("%s %d B", ev.Name, n)
	}
	return "seg", ev.Name
}

func eventLabel(ev simnet.Event) (kind, label string) {
	label = ev.Name
	if ev.Obj == "test" {
		return "mark", strings.TrimPrefix(label, "mark:")
	}
	if ev.Status != 0 {
		label += " " + strconv.Itoa(ev.Status)
	}
	if ev.Code != "" {
		return "error", label + " " + ev.Code
	}
	return "event", label
}

func dataLabel(n, bytes int) string {
	if n == 1 {
		return fmt.Sprintf("data %d B", bytes)
	}
	return fmt.Sprintf("data ×%d, %d B", n, bytes)
}

// str reads a string from a trace's detail.
func str(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return fmt.Sprint(v)
}

// num reads a number from a trace's detail: an int when the trace was
// made in this process, a float64 when it was read back from JSON.
func num(v any) int {
	switch n := v.(type) {
	case int:
		return n
	case int64:
		return int(n)
	case float64:
		return int(n)
	}
	return 0
}
