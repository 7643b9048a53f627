package features

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
)

// apiUse is one member of Node's http module as the grammar reaches it:
// a method, a property or an event of one kind of object.
type apiUse struct {
	kind   actorKind
	member string
}

// classKinds are the grammar actors each class of COMPATIBILITY.md is.
var classKinds = map[string][]actorKind{
	"Agent":           {actorAgent},
	"ClientRequest":   {actorRequest},
	"Server":          {actorServer},
	"ServerResponse":  {actorServerResponse},
	"IncomingMessage": {actorResponse, actorServerRequest},
	"OutgoingMessage": {actorRequest, actorServerResponse},
}

var (
	classHeading = regexp.MustCompile(`^## Class: http\.(\w+)`)
	itemMember   = regexp.MustCompile(`^(?:agent|request|server|response|message|outgoingMessage)\.(\w+)(\()?`)
	itemEvent    = regexp.MustCompile(`^(?:(ClientRequest) )?Event: '?(\w+)'?`)
)

// apiRow is one row of COMPATIBILITY.md that names something the grammar
// can call, set, read or wait for.
type apiRow struct {
	item     string
	uses     []apiUse // any of them proves the row
	provedBy string
}

// callableRows reads COMPATIBILITY.md and keeps the rows the grammar can
// reach.
func callableRows(t *testing.T) []apiRow {
	t.Helper()
	raw, err := os.ReadFile("../COMPATIBILITY.md")
	if err != nil {
		t.Fatal(err)
	}
	var rows []apiRow
	var kinds []actorKind
	for _, line := range strings.Split(string(raw), "\n") {
		if m := classHeading.FindStringSubmatch(line); m != nil {
			kinds = classKinds[m[1]]
			continue
		}
		if strings.HasPrefix(line, "## ") {
			kinds = nil
			if strings.Contains(line, "newest edition") {
				kinds = []actorKind{actorRequest, actorServerResponse}
			}
			continue
		}
		cells := strings.Split(line, " | ")
		if kinds == nil || !strings.HasPrefix(line, "| ") || len(cells) < 4 || strings.HasPrefix(line, "| API item") {
			continue
		}
		item := strings.TrimPrefix(cells[0], "| ")
		row := apiRow{item: item, provedBy: cells[len(cells)-1]}
		for _, k := range kinds {
			if u, ok := reachable(k, item); ok {
				row.uses = append(row.uses, u)
			}
		}
		if len(row.uses) > 0 {
			rows = append(rows, row)
		}
	}
	return rows
}

// reachable says whether the grammar reaches item on an object of kind.
func reachable(k actorKind, item string) (apiUse, bool) {
	if m := itemEvent.FindStringSubmatch(item); m != nil {
		if m[1] == "ClientRequest" && k != actorRequest {
			return apiUse{}, false
		}
		return apiUse{k, "'" + m[2] + "'"}, contains(emittedBy[k], m[2])
	}
	m := itemMember.FindStringSubmatch(item)
	if m == nil {
		return apiUse{}, false
	}
	if strings.HasPrefix(item, "request.") && k != actorRequest || strings.HasPrefix(item, "response.") && k != actorServerResponse {
		return apiUse{}, false
	}
	name := m[1]
	if name == "socket" {
		return apiUse{k, "socket"}, true
	}
	if m[2] != "" {
		return apiUse{k, name + "()"}, methodsOf[k][name] != nil
	}
	return apiUse{k, name}, propertiesOf[k][name] != nil
}

// bundledUses is every member the bundled scenarios' grammar sentences
// and handler tables reach, with the first scenario that reaches it.
func bundledUses(t *testing.T) map[apiUse]string {
	t.Helper()
	c, err := loadCatalog(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	uses := map[apiUse]string{}
	var where string
	use := func(u apiUse) {
		if uses[u] == "" {
			uses[u] = where
		}
	}
	addCalls := func(kind actorKind, calls []call) {
		for _, cl := range calls {
			k := kind
			if cl.on != "" {
				k = handlerObjects[cl.on]
			}
			use(apiUse{k, cl.name + "()"})
		}
	}
	for _, f := range c.files {
		for _, p := range f.pickles {
			where = fmt.Sprintf("features/%s %q", f.uri, p.Name)
			for _, st := range p.Steps {
				if st.Argument != nil && st.Argument.DataTable != nil && strings.HasSuffix(st.Text, "with the handlers:") {
					for _, row := range st.Argument.DataTable.Rows {
						for _, cell := range row.Cells {
							if calls, err := (&literalParser{s: cell.Value}).calls(); err == nil {
								addCalls(actorServerResponse, calls)
							}
						}
					}
				}
				m := matchStep(st.Text)
				if len(m) != 1 || m[0].domain != grammarDomain {
					continue
				}
				s, err := parseSentence(st.Text)
				if err != nil {
					continue
				}
				if s.trigger.kind == triggerEvent {
					use(apiUse{s.trigger.actor.methodsKind(), "'" + s.trigger.event + "'"})
				}
				for _, a := range []actor{s.actor, s.trigger.actor} {
					if a.socket {
						use(apiUse{a.kind, "socket"})
					}
				}
				kind := s.actor.methodsKind()
				switch s.action.kind {
				case actionCalls:
					addCalls(kind, s.action.calls)
				case actionSets, actionReads:
					use(apiUse{kind, s.action.prop})
				case actionListens:
					use(apiUse{kind, "'" + s.action.event + "'"})
				}
			}
		}
	}
	return uses
}

// TestEveryCallableAPIItemHasABundledScenario checks item 5 of the
// grammar's promise: each row of COMPATIBILITY.md the grammar can call,
// set, read or wait for is reached by a bundled scenario, and the row
// points at the feature file.
func TestEveryCallableAPIItemHasABundledScenario(t *testing.T) {
	rows := callableRows(t)
	if len(rows) < 80 {
		t.Fatalf("only %d rows of COMPATIBILITY.md are reachable: the table or its parser changed", len(rows))
	}
	uses := bundledUses(t)
	for _, r := range rows {
		where := ""
		for _, u := range r.uses {
			if where == "" {
				where = uses[u]
			}
		}
		if where == "" {
			t.Errorf("%s: no bundled scenario reaches it (%v)", r.item, r.uses)
			continue
		}
		if !strings.Contains(r.provedBy, "features/") {
			t.Errorf("%s: COMPATIBILITY.md does not point at a scenario, such as %s", r.item, where)
		}
	}
}
