package httpcore

import (
	"errors"
	"testing"

	"github.com/simhttp/simhttp/simnet"
)

// httpModule is fixtures/node/parser/http-module.json.
type httpModule struct {
	Methods     []string          `json:"methods"`
	StatusCodes map[string]string `json:"statusCodes"`
	Validate    []struct {
		Fn    string `json:"fn"`
		Name  string `json:"name"`
		Value struct {
			Kind string `json:"kind"`
			V    any    `json:"v"`
		} `json:"value"`
		Result *struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"result"`
	} `json:"validate"`
	Headers []struct {
		Raw     []string `json:"raw"`
		JSON    string   `json:"json"`
		Keys    []string `json:"keys"`
		Lookups [][2]any `json:"lookups"`
	} `json:"headers"`
}

// TestValidateMatchesNode replays every call of http.validateHeaderName
// and http.validateHeaderValue the referee made, names and values as bytes.
func TestValidateMatchesNode(t *testing.T) {
	var m httpModule
	loadJSON(t, "http-module.json", &m)
	for _, v := range m.Validate {
		name := string(latin1(v.Name))
		var err error
		if v.Fn == "name" {
			err = ValidateHeaderName(name)
		} else {
			err = ValidateHeaderValue(name, jsValue(v.Value.Kind, v.Value.V))
		}
		if v.Result == nil {
			if err != nil {
				t.Errorf("%s(%q, %v): %v, Node accepts", v.Fn, name, v.Value.V, err)
			}
			continue
		}
		var e *Error
		if !errors.As(err, &e) || e.Code != v.Result.Code || e.Message != string(latin1(v.Result.Message)) {
			t.Errorf("%s(%q, %v): %v, Node %s %q", v.Fn, name, v.Value.V, err, v.Result.Code, v.Result.Message)
		}
		if !errors.Is(err, &Error{Code: v.Result.Code}) {
			t.Errorf("errors.Is does not match %s", v.Result.Code)
		}
	}
}

// jsValue turns the referee's description of a JavaScript value into the
// Go value a caller would pass.
func jsValue(kind string, v any) any {
	switch kind {
	case "undefined":
		return nil
	case "string":
		return string(latin1(v.(string)))
	case "number":
		if f := v.(float64); f == float64(int(f)) {
			return int(f)
		}
		return v
	case "array":
		var list []string
		for _, s := range v.([]any) {
			list = append(list, string(latin1(s.(string))))
		}
		return list
	}
	return v
}

func TestTokenAndHeaderCharChecks(t *testing.T) {
	for _, s := range []string{"a", "X-Forwarded-For", "!#$%&'*+-.^_`|~09AZaz"} {
		if !checkIsHTTPToken(s) {
			t.Errorf("%q is a token", s)
		}
	}
	for _, s := range []string{"", "a b", "a:b", "é", "a\x00"} {
		if checkIsHTTPToken(s) {
			t.Errorf("%q is not a token", s)
		}
	}
	for _, s := range []string{"", "a\tb", "~ !", "\x80\xff"} {
		if checkInvalidHeaderChar(s) {
			t.Errorf("%q is a valid header value", s)
		}
	}
	for _, s := range []string{"\x00", "a\nb", "\r", "\x7f", "\x1f"} {
		if !checkInvalidHeaderChar(s) {
			t.Errorf("%q is not a valid header value", s)
		}
	}
}

// TestHTTPErrorsShareTheNetworkErrorModel checks that an http-level error
// matches the network layer's sentinel for its code, since both are one type.
func TestHTTPErrorsShareTheNetworkErrorModel(t *testing.T) {
	hangUp := newError("ECONNRESET", "socket hang up")
	if !errors.Is(hangUp, simnet.ErrConnReset) || simnet.CodeOf(hangUp) != "ECONNRESET" {
		t.Errorf("%v does not match simnet.ErrConnReset", hangUp)
	}
	if errors.Is(ValidateHeaderName("bad name"), simnet.ErrConnReset) {
		t.Error("ERR_INVALID_HTTP_TOKEN matched ECONNRESET")
	}
}
