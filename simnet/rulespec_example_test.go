package simnet_test

import (
	"fmt"

	"github.com/simhttp/simhttp/simnet"
)

// Rules written as text read the same from a Gherkin table, a JSON file
// and the proxy's control API; errors name the source, the rule and the key.
func ExampleParseRulesJSON() {
	rules, err := simnet.ParseRulesJSON("rules.json", []byte(`[
		{"what": "reset", "request": 2, "after": "response headers"},
		{"what": "close on reuse", "conn": 3}
	]`), nil)
	fmt.Println(rules, err)

	_, err = simnet.ParseRulesJSON("rules.json", []byte(`[{"what": "reset"}, {"what": "delay", "dir": "up"}]`), nil)
	fmt.Println(err)
	// Output:
	// [reset request=2 after=response headers close-on-reuse conn=3] <nil>
	// rules.json: rule[1] key "dir": unknown direction "up" (want any, client->server or server->client)
}
