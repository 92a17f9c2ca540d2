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
	s, _, err := g.QueryPath(expr, drift)
	return s, err
}

// QueryPath is Query that also returns, when the whole expression is one
// somepath(a, b), its nodes in path order (nil otherwise). An error names
// the column of the token where parsing stopped.
func (g *Graph) QueryPath(expr string, drift []NodeID) (NodeSet, []NodeID, error) {
	p := &queryParser{g: g, toks: tokenize(expr), drift: drift, end: len(expr) + 1}
	s, err := p.expr()
	if err == nil && p.pos < len(p.toks) {
		err = p.errorf("unexpected %q", p.peek())
	}
	if err != nil {
		return nil, nil, fmt.Errorf("query %q: %w", expr, err)
	}
	return s, p.path, nil
}

// QueryError is a query that does not parse or names nothing, at Col
// (1-based, in bytes).
type QueryError struct {
	Col int
	Msg string
}

func (e *QueryError) Error() string { return fmt.Sprintf("column %d: %s", e.Col, e.Msg) }

func (p *queryParser) errorf(format string, args ...any) error {
	col := p.end
	if p.pos < len(p.toks) {
		col = p.toks[p.pos].col
	}
	return &QueryError{Col: col, Msg: fmt.Sprintf(format, args...)}
}

// NodeSet is a set of node ids.
type NodeSet map[NodeID]bool

type queryParser struct {
	g     *Graph
	toks  []token
	pos   int
	drift []NodeID
	end   int      // the column after the last byte
	path  []NodeID // the last somepath's nodes in order, while it is the whole result
}

// token is a word or operator of a query and its 1-based column.
type token struct {
	text string
	col  int
}

func tokenize(s string) []token {
	var toks []token
	for i := 0; i < len(s); {
		c := rune(s[i])
		switch {
		case unicode.IsSpace(c):
			i++
		case strings.ContainsRune("()+-^,", c):
			toks = append(toks, token{string(c), i + 1})
			i++
		default:
			j := i
			for j < len(s) && !strings.ContainsRune("()+^, \t\n", rune(s[j])) && !(s[j] == '-' && (j == i || s[j-1] == ' ')) {
				j++
			}
			toks = append(toks, token{s[i:j], i + 1})
			i = j
		}
	}
	return toks
}

func (p *queryParser) peek() string {
	if p.pos < len(p.toks) {
		return p.toks[p.pos].text
	}
	return ""
}

func (p *queryParser) expect(t string) error {
	if p.peek() == "" {
		return p.errorf("want %q, got the end", t)
	}
	if p.peek() != t {
		return p.errorf("want %q, got %q", t, p.peek())
	}
	p.pos++
	return nil
}

func (p *queryParser) expr() (NodeSet, error) {
	left, err := p.term()
	for err == nil && strings.Contains("+-^", p.peek()) && p.peek() != "" {
		op := p.peek()
		p.pos++
		var right NodeSet
		if right, err = p.term(); err == nil {
			left = combine(left, right, op)
			p.path = nil
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
		return nil, p.errorf("unexpected end of the query")
	case t == ")" || t == "," || t == "+" || t == "^":
		return nil, p.errorf("unexpected %q", t)
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
	if p.peek() == "(" {
		if !queryFuncs[t] {
			p.pos--
			return nil, p.errorf("unknown function %q; want deps, rdeps, somepath, allpaths or kind", t)
		}
		return p.call(t)
	}
	p.pos--
	s, err := p.names(t)
	p.pos++
	return s, err
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
		return nil, p.errorf("no node matches %q (see `sei query '*'`)", pat)
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
	at := p.pos - 1 // the function's name, for errors
	p.pos++         // "("
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
	s, err := p.apply(fn, args, words)
	if err != nil {
		end := p.pos
		p.pos = at
		err = p.errorf("%v", err)
		p.pos = end
	}
	return s, err
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
	if fn != "somepath" {
		p.path = nil
	}
	switch {
	case (fn == "deps" || fn == "rdeps") && len(args) == 1:
		return p.g.reach(args[0], fn == "rdeps", depth, class), nil
	case fn == "somepath" && len(args) == 2:
		path := p.g.somePath(args[0], args[1])
		p.path = path
		return setOf(path), nil
	case fn == "allpaths" && len(args) == 2:
		p.path = nil
		return p.g.paths(args[0], args[1], false), nil
	case fn == "kind" && len(args) == 1 && len(words) == 1:
		out := NodeSet{}
		for n := range args[0] {
			if string(p.g.Nodes[n].Kind) == words[0] {
				out[n] = true
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("bad arguments to %s: %s", fn, queryUsage[fn])
}

func setOf(ids []NodeID) NodeSet {
	s := NodeSet{}
	for _, id := range ids {
		s[id] = true
	}
	return s
}

var queryUsage = map[string]string{
	"deps":     "deps(expr [, depth] [, scope|impl|data])",
	"rdeps":    "rdeps(expr [, depth] [, scope|impl|data])",
	"somepath": "somepath(from, to)",
	"allpaths": "allpaths(from, to)",
	"kind":     "kind(source|rule|stage, expr)",
}
