package dag

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"seigarrena.dev/sei/adapters"
)

// Query evaluates a query expression to a set of nodes.
//
//	expr   := term { ("+" | "-" | "^") term }      union, difference, intersection
//	term   := NAME | GLOB | "drift" | "(" expr ")" | func
//	func   := deps(expr [, depth] [, class]) | rdeps(expr [, depth] [, class])
//	        | somepath(expr, expr) | allpaths(expr, expr) | kind(KIND, expr)
//
// NAME is a node name ("stage:evaluate", "file:train.py"); a bare stage name
// also finds "stage:NAME"; GLOB may use "*". depth bounds the traversal; class
// (scope, impl or data) follows only edges carrying that class. drift is the
// set of stale sections, given by the caller (it needs the lock).
func (g *Graph) Query(expr string, drift []NodeID) (NodeSet, error) {
	p := &queryParser{g: g, toks: tokenize(expr), drift: drift}
	s, err := p.expr()
	if err == nil && p.pos < len(p.toks) {
		err = fmt.Errorf("unexpected %q", p.toks[p.pos])
	}
	if err != nil {
		return nil, fmt.Errorf("query %q: %w", expr, err)
	}
	return s, nil
}

// NodeSet is a set of node ids.
type NodeSet map[NodeID]bool

type queryParser struct {
	g     *Graph
	toks  []string
	pos   int
	drift []NodeID
}

func tokenize(s string) []string {
	var toks []string
	for i := 0; i < len(s); {
		c := rune(s[i])
		switch {
		case unicode.IsSpace(c):
			i++
		case strings.ContainsRune("()+-^,", c):
			toks = append(toks, string(c))
			i++
		default:
			j := i
			for j < len(s) && !strings.ContainsRune("()+^, \t\n", rune(s[j])) && !(s[j] == '-' && (j == i || s[j-1] == ' ')) {
				j++
			}
			toks = append(toks, s[i:j])
			i = j
		}
	}
	return toks
}

func (p *queryParser) peek() string {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return ""
}

func (p *queryParser) expect(t string) error {
	if p.peek() != t {
		return fmt.Errorf("want %q, got %q", t, p.peek())
	}
	p.pos++
	return nil
}

func (p *queryParser) expr() (NodeSet, error) {
	left, err := p.term()
	for err == nil && strings.Contains("+-^", p.peek()) && p.peek() != "" {
		op := p.toks[p.pos]
		p.pos++
		var right NodeSet
		if right, err = p.term(); err == nil {
			left = combine(left, right, op)
		}
	}
	return left, err
}

func combine(a, b NodeSet, op string) NodeSet {
	out := NodeSet{}
	for n := range a {
		if op == "+" || (op == "-" && !b[n]) || (op == "^" && b[n]) {
			out[n] = true
		}
	}
	if op == "+" {
		for n := range b {
			out[n] = true
		}
	}
	return out
}

func (p *queryParser) term() (NodeSet, error) {
	t := p.peek()
	switch {
	case t == "":
		return nil, fmt.Errorf("unexpected end")
	case t == "(":
		p.pos++
		s, err := p.expr()
		if err == nil {
			err = p.expect(")")
		}
		return s, err
	case t == "drift":
		p.pos++
		return setOf(p.drift), nil
	}
	p.pos++
	if p.peek() == "(" && queryFuncs[t] {
		return p.call(t)
	}
	return p.names(t)
}

var queryFuncs = map[string]bool{"deps": true, "rdeps": true, "somepath": true, "allpaths": true, "kind": true}

func (p *queryParser) names(pat string) (NodeSet, error) {
	out := NodeSet{}
	for _, n := range p.g.Nodes {
		if glob(pat, n.Name) || n.Name == "stage:"+pat {
			out[n.ID] = true
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no node matches %q", pat)
	}
	return out, nil
}

// glob matches s against a pattern where "*" is any run of characters.
func glob(pat, s string) bool {
	parts := strings.Split(pat, "*")
	if len(parts) == 1 {
		return pat == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for _, mid := range parts[1 : len(parts)-1] {
		i := strings.Index(s, mid)
		if i < 0 {
			return false
		}
		s = s[i+len(mid):]
	}
	return strings.HasSuffix(s, parts[len(parts)-1])
}

func (p *queryParser) call(fn string) (NodeSet, error) {
	p.pos++ // "("
	var args []NodeSet
	var words []string
	for {
		if fn == "kind" && len(words) == 0 {
			words = append(words, p.peek())
			p.pos++
		} else if w := p.peek(); len(args) > 0 && (isNumber(w) || w == "scope" || w == "impl" || w == "data") {
			words = append(words, w)
			p.pos++
		} else {
			s, err := p.expr()
			if err != nil {
				return nil, err
			}
			args = append(args, s)
		}
		if p.peek() != "," {
			break
		}
		p.pos++
	}
	if err := p.expect(")"); err != nil {
		return nil, err
	}
	return p.apply(fn, args, words)
}

func isNumber(s string) bool { _, err := strconv.Atoi(s); return err == nil }

func (p *queryParser) apply(fn string, args []NodeSet, words []string) (NodeSet, error) {
	depth, class := -1, adapters.EdgeClass("")
	for _, w := range words {
		if n, err := strconv.Atoi(w); err == nil {
			depth = n
		} else if fn != "kind" {
			class = adapters.EdgeClass(w)
		}
	}
	switch {
	case (fn == "deps" || fn == "rdeps") && len(args) == 1:
		return p.g.reach(args[0], fn == "rdeps", depth, class), nil
	case (fn == "somepath" || fn == "allpaths") && len(args) == 2:
		return p.g.paths(args[0], args[1], fn == "somepath"), nil
	case fn == "kind" && len(args) == 1 && len(words) == 1:
		out := NodeSet{}
		for n := range args[0] {
			if string(p.g.Nodes[n].Kind) == words[0] {
				out[n] = true
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("bad arguments to %s", fn)
}

func setOf(ids []NodeID) NodeSet {
	s := NodeSet{}
	for _, id := range ids {
		s[id] = true
	}
	return s
}
