package manifest

import (
	"strings"
	"testing"
)

func TestConstraints(t *testing.T) {
	for _, tc := range []struct {
		in         string
		v          float64
		holds      bool
		op, thresh string
	}{
		{"< 0.03", 0.029, true, "<", "0.03"}, {"< 0.03", 0.03, false, "<", "0.03"},
		{"<= 0.03", 0.03, true, "<=", "0.03"}, {">= 1.0", 1, true, ">=", "1.0"},
		{"> 0", 0, false, ">", "0"}, {"== 1", 1, true, "==", "1"}, {"!= 1", 1, false, "!=", "1"},
		{"<0.1", 0.05, true, "<", "0.1"}, {"  >=  -2.5e-1 ", -0.25, true, ">=", "-2.5e-1"}, {"< .5", 0.4, true, "<", ".5"},
	} {
		c, err := ParseConstraint(tc.in)
		if err != nil {
			t.Fatalf("%q: %v", tc.in, err)
		}
		if string(c.Op) != tc.op || c.Decimal != tc.thresh || c.Holds(tc.v) != tc.holds {
			t.Errorf("%q: op %s threshold %s; Holds(%v) = %v", tc.in, c.Op, c.Decimal, tc.v, c.Holds(tc.v))
		}
	}
	for _, in := range []string{"", "0.03", "=< 0.03", "<> 1", "< ", "< abc", "< 0.0.3", "< NaN", "< Inf", "less than 1", "<< 1", "= 1"} {
		if c, err := ParseConstraint(in); err == nil {
			t.Errorf("%q parsed as %v", in, c)
		}
	}
}

// FuzzParseConstraint: the parser never panics, and whatever it accepts
// prints back to a form it accepts with the same meaning.
func FuzzParseConstraint(f *testing.F) {
	for _, s := range []string{"< 0.03", ">= 1.0", "== 1", "!= 0", "<=.5", "> -1e3", "=< 1", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseConstraint(s)
		if err != nil {
			return
		}
		again, err := ParseConstraint(c.String())
		if err != nil || again != c {
			t.Fatalf("%q → %q → %v, %v", s, c.String(), again, err)
		}
		if !strings.Contains(s, c.Decimal) {
			t.Fatalf("decimal %q not from input %q", c.Decimal, s)
		}
	})
}
