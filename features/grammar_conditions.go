package features

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/simhttp/simhttp/simnet"
)

// A trigger on every request or response can hold a condition:
// `on 'error' of every request, if the error's code is "ECONNRESET" and
// its reusedSocket is true, the client sends it again`. Each part
// compares what a mark's details would read (`its <property>`, and in a
// request's 'error' `the error's code` or `message`) with a literal.

// condition is one "<reference> is <value>" of a trigger's if.
type condition struct {
	ref  value
	want value
}

// parseConditions reads "if <ref> is <value> [and ...], " at the start of
// rest, when it is there, and returns what follows the comma.
func (s *sentence) parseConditions(rest string) (string, error) {
	text, ok := strings.CutPrefix(rest, "if ")
	if !ok {
		return rest, nil
	}
	p := &literalParser{s: text, refs: true}
	for {
		ref, err := p.value()
		if err != nil {
			return "", fmt.Errorf("the condition: %w", err)
		}
		if ref.kind != vRef {
			return "", fmt.Errorf("the condition: want its <property> or the error's <property> before is, got %s", ref.src)
		}
		if !p.eat("is ") {
			return "", fmt.Errorf("the condition: %w", p.errorf("want is <value> after %s", ref.src))
		}
		want, err := p.value()
		if err != nil {
			return "", fmt.Errorf("the condition: %w", err)
		}
		s.trigger.cond = append(s.trigger.cond, condition{ref: ref, want: want})
		if p.eat(",") {
			return strings.TrimPrefix(p.s[p.pos:], " "), nil
		}
		if !p.eat("and ") {
			return "", fmt.Errorf("the condition: %w", p.errorf("want and <another condition>, or a comma, then who acts"))
		}
	}
}

// holds reports whether the trigger's condition holds for t, the object
// whose event it is.
func (w *world) holds(s *sentence, t *target) bool {
	for _, c := range s.trigger.cond {
		got, ok := w.read(s, t, s.trigger.actor.methodsKind(), c.ref.ref)
		if !ok {
			return false
		}
		if !plainEquals(got, c.want) {
			return false
		}
	}
	return true
}

// plainEquals reports whether got, as JSON decodes it, is want's plain
// value. A bool, or a string that is valid UTF-8 (which JSON keeps as it
// is), is compared as it is: the retry sentence's two conditions are
// checked on every request's 'error', and a round trip through JSON and
// cmp.Equal cost each check about 1 kB.
func plainEquals(got any, want value) bool {
	switch g := got.(type) {
	case bool:
		return want.kind == vBool && want.b == g
	case string:
		if utf8.ValidString(g) {
			return want.kind == vString && want.str == g
		}
	}
	plain, err := jsonPlain(got)
	return err == nil && cmp.Equal(plain, want.plain())
}

// errorProperties are what "the error's <property>" reads of the error a
// request emitted.
var errorProperties = map[string]func(err error) any{
	"code":    func(err error) any { return simnet.CodeOf(err) },
	"message": func(err error) any { return err.Error() },
}
