package proxy

// The control API: HTTP+JSON, so a test suite in any language can change
// the rules between tests and read what fired.
//
//	GET    /rules         the rules in force: [{"id":1,"rule":{...},"fired":0}]
//	POST   /rules         add a rule object, or an array of them: {"ids":[1]}
//	DELETE /rules/{id}    remove a rule
//	POST   /reset         remove every rule and zero the counters
//	GET    /counters      {"connections":N,"requests":N,"faults":[...]}

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/simhttp/simhttp/simnet"
)

// maxControlBody bounds a control request's body.
const maxControlBody = 1 << 20

// ControlHandler serves the control API.
func (p *Proxy) ControlHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /rules", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, p.Rules())
	})
	mux.HandleFunc("POST /rules", p.postRules)
	mux.HandleFunc("DELETE /rules/{id}", func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.Atoi(r.PathValue("id"))
		if err != nil {
			writeError(w, http.StatusBadRequest, "rule id "+strconv.Quote(r.PathValue("id"))+" is not a number")
			return
		}
		if err := p.RemoveRule(id); err != nil {
			writeError(w, http.StatusNotFound, err.Error())
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /reset", func(w http.ResponseWriter, _ *http.Request) {
		p.Reset()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /counters", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, p.Counters())
	})
	return mux
}

// postRules adds one rule object or an array of them, all or none.
func (p *Proxy) postRules(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxControlBody))
	if err != nil {
		writeError(w, http.StatusBadRequest, "reading the body: "+err.Error())
		return
	}
	var rules []simnet.Rule
	if t := bytes.TrimSpace(body); len(t) > 0 && t[0] == '[' {
		rules, err = simnet.ParseRulesJSON("POST /rules", body, CheckRule)
	} else {
		var one simnet.Rule
		one, err = simnet.ParseRuleJSON(body, CheckRule)
		var re *simnet.RuleError
		if errors.As(err, &re) {
			re.Source = "POST /rules"
		}
		rules = []simnet.Rule{one}
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	ids := make([]int, 0, len(rules))
	for _, rl := range rules {
		id, err := p.AddRule(rl)
		if err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		ids = append(ids, id)
	}
	writeJSON(w, http.StatusCreated, map[string][]int{"ids": ids})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

func writeError(w http.ResponseWriter, status int, msg string) {
	b, _ := json.Marshal(map[string]string{"error": msg})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}
