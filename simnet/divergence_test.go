package simnet

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func TestFirstDivergenceNamesTheFirstEventThatDiffers(t *testing.T) {
	seg := func(n int) Event {
		return Event{Obj: "net", ID: 1, Name: "seg", Detail: map[string]any{"from": "client", "len": n}}
	}
	a := []Event{{Obj: "req", ID: 1, Name: "socket"}, seg(10), {T: 5, Obj: "req", ID: 1, Name: "close"}}
	if d, err := FirstDivergence(a, a); d != nil || err != nil {
		t.Errorf("identical runs: %v, %v; want nil, nil", d, err)
	}
	b := []Event{a[0], seg(11), a[2]}
	d, err := FirstDivergence(a, b)
	if err != nil || d == nil || d.Event != 1 || !strings.Contains(d.First, `"len":10`) || !strings.Contains(d.Second, `"len":11`) {
		t.Errorf("runs parting at a net event: %+v, %v; want event 1 with both segments", d, err)
	}
	d, err = FirstDivergence(a, a[:2])
	if err != nil || d == nil || d.Event != 2 || d.Second != "" || !strings.Contains(d.Error(), "second: (no such event: the run's trace ended)") {
		t.Errorf("a run that ends early: %+v, %v; want event 2, the second run ended", d, err)
	}
}

func TestFirstDivergenceReportsAnEventItCannotEncode(t *testing.T) {
	bad := []Event{{Obj: "req", ID: 1, Name: "socket"}, {Obj: "req", ID: 1, Name: "x", Detail: map[string]any{"v": math.NaN()}}}
	d, err := FirstDivergence(bad[:1], bad)
	var div *Divergence
	if d != nil || err == nil || errors.As(err, &div) || !strings.Contains(err.Error(), "second run's trace event 1") {
		t.Errorf("FirstDivergence = %v, %v; want an error naming the second run's event 1", d, err)
	}
}
