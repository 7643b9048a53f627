package proxy

import "github.com/simhttp/simhttp/simnet"

// CheckRules reads a JSON rules file and checks every rule as the proxy
// will apply it; errors name the file, the rule's index and the key.
func CheckRules(source string, data []byte) ([]simnet.Rule, error) {
	return simnet.ParseRulesJSON(source, data, CheckRule)
}
