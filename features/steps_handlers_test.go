package features

import (
	"strings"
	"testing"

	"github.com/cucumber/godog"
	messages "github.com/cucumber/messages/go/v21"
)

func table(rows ...[]string) *godog.Table {
	t := &godog.Table{}
	for _, r := range rows {
		row := &messages.PickleTableRow{}
		for _, c := range r {
			row.Cells = append(row.Cells, &messages.PickleTableCell{Value: c})
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

func TestAHandlerTableNamesTheRuleAndColumnAtFault(t *testing.T) {
	head := []string{"method", "path", "status", "delay", "actions"}
	cases := map[string]*godog.Table{
		`unknown column "colour"`:                                                     table([]string{"method", "path", "colour"}, []string{"GET", "/", "red"}),
		`rule 1, column status: "abc" is not a status`:                                table(head, []string{"GET", "/", "abc", "", ""}),
		`rule 2, column method: "FETCH" is not a method`:                              table(head, []string{"GET", "/", "200", "", ""}, []string{"FETCH", "/", "200", "", ""}),
		`rule 1, column delay: delay: "soon"`:                                         table(head, []string{"GET", "/", "200", "soon", ""}),
		`rule 1, column actions: flushHeaders(1): flushHeaders takes 0 argument(s)`:   table(head, []string{"GET", "/", "200", "", `flushHeaders(1)`}),
		`rule 1, column actions: teapot(): server response #<n> has no method teapot`: table(head, []string{"GET", "/", "200", "", `res.write("a") then teapot()`}),
		`rule 1, column actions: wait("x")`:                                           table(head, []string{"GET", "/", "200", "", `wait("x")`}),
		`the columns method and path are required`:                                    table([]string{"path", "status"}, []string{"/", "200"}),
		`needs a header row`:                                                          table(head),
	}
	for want, tb := range cases {
		_, err := parseHandlers(tb)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("got %v, want an error saying %q", err, want)
		}
	}
}

func TestAHandlerRuleMatchesMethodAndPath(t *testing.T) {
	cases := []struct {
		rule, method, url string
		match             bool
	}{
		{"GET /a", "GET", "/a", true},
		{"GET /a", "POST", "/a", false},
		{"GET /a", "GET", "/a?x=1", false},
		{"* /api/*", "DELETE", "/api/users", true},
		{"* /api/*", "GET", "/apx", false},
		{"POST *", "POST", "/anything", true},
	}
	for _, c := range cases {
		method, path, _ := strings.Cut(c.rule, " ")
		r := handlerRule{method: method, path: path}
		if got := r.matches(c.method, c.url); got != c.match {
			t.Errorf("%s matches %s %s = %v, want %v", c.rule, c.method, c.url, got, c.match)
		}
	}
}
