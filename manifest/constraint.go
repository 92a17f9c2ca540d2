package manifest

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Op is a comparison operator of a measure's constraint.
type Op string

// The six operators, longest first so that "<=" is not read as "<".
var ops = []Op{"<=", ">=", "==", "!=", "<", ">"}

var opNames = map[Op]string{"<": "lt", "<=": "lte", ">": "gt", ">=": "gte", "==": "eq", "!=": "ne"}

// Name is the operator's short name as the evidence records it (lt, gte, ...).
func (o Op) Name() string { return opNames[o] }

// Constraint is a parsed measure constraint such as "< 0.03".
type Constraint struct {
	Op        Op
	Threshold float64
	// Decimal is the threshold as written, kept so that reports and the plan
	// repeat the author's digits rather than a float's shortest form.
	Decimal string
}

var decimalRE = regexp.MustCompile(`^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$`)

// ParseConstraint reads "<op> <decimal>" with op one of < <= > >= == !=.
func ParseConstraint(s string) (Constraint, error) {
	t := strings.TrimSpace(s)
	for _, op := range ops {
		if !strings.HasPrefix(t, string(op)) {
			continue
		}
		num := strings.TrimSpace(t[len(op):])
		if !decimalRE.MatchString(num) {
			return Constraint{}, fmt.Errorf("constraint %q: %q is not a decimal number", s, num)
		}
		v, err := strconv.ParseFloat(num, 64)
		if err != nil {
			return Constraint{}, fmt.Errorf("constraint %q: %w", s, err)
		}
		return Constraint{Op: op, Threshold: v, Decimal: num}, nil
	}
	return Constraint{}, fmt.Errorf("constraint %q: want an operator (<, <=, >, >=, == or !=) followed by a decimal, e.g. \"< 0.03\"", s)
}

// Holds reports whether v satisfies the constraint.
func (c Constraint) Holds(v float64) bool {
	switch c.Op {
	case "<":
		return v < c.Threshold
	case "<=":
		return v <= c.Threshold
	case ">":
		return v > c.Threshold
	case ">=":
		return v >= c.Threshold
	case "==":
		return v == c.Threshold
	case "!=":
		return v != c.Threshold
	}
	return false
}

func (c Constraint) String() string { return string(c.Op) + " " + c.Decimal }
