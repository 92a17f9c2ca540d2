package dag

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
)

func sortedIDs(s NodeSet) []NodeID {
	ids := make([]NodeID, 0, len(s))
	for n := range s {
		ids = append(ids, n)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

// byName lists a set's nodes sorted by name: every output format uses it,
// so output never depends on map order or declaration order.
func (g *Graph) byNameOf(s NodeSet) []*Node {
	var ns []*Node
	for n := range s {
		ns = append(ns, g.Nodes[n])
	}
	sort.Slice(ns, func(i, j int) bool { return ns[i].Name < ns[j].Name })
	return ns
}

// edgesWithin lists the edges between nodes of s, sorted by names.
func (g *Graph) edgesWithin(s NodeSet) []Edge {
	var es []Edge
	for _, n := range g.byNameOf(s) {
		for _, e := range g.sortedOut(n.ID) {
			if s[e.To] {
				es = append(es, e)
			}
		}
	}
	return es
}

func (g *Graph) sortedOut(id NodeID) []Edge {
	out := append([]Edge(nil), g.out[id]...)
	sort.Slice(out, func(i, j int) bool { return g.Nodes[out[i].To].Name < g.Nodes[out[j].To].Name })
	return out
}

// WriteQuery prints a result set as text (one name per line), json, dot or mermaid.
func (g *Graph) WriteQuery(w io.Writer, s NodeSet, format string) error {
	switch format {
	case "text", "":
		for _, n := range g.byNameOf(s) {
			fmt.Fprintln(w, n.Name)
		}
	case "json":
		return g.writeJSON(w, s)
	case "dot":
		g.writeDOT(w, s)
	case "mermaid":
		g.writeMermaid(w, s)
	default:
		return fmt.Errorf("unknown output %q (text, json, dot or mermaid)", format)
	}
	return nil
}

func (g *Graph) writeJSON(w io.Writer, s NodeSet) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(g.QueryData(s))
}

// QueryResult is a node set as data: its nodes sorted by name and the
// edges among them, for JSON.
type QueryResult struct {
	Nodes []QueryNode `json:"nodes"`
	Edges []QueryEdge `json:"edges"`
	// Path is a somepath query's nodes from its start to its end.
	Path []string `json:"path,omitempty"`
}

type QueryNode struct {
	Name string `json:"name"`
	Kind Kind   `json:"kind"`
}

type QueryEdge struct {
	From    string   `json:"from"`
	To      string   `json:"to"`
	Classes []string `json:"classes"`
}

// QueryData is s as a QueryResult.
func (g *Graph) QueryData(s NodeSet) QueryResult {
	out := QueryResult{Nodes: []QueryNode{}, Edges: []QueryEdge{}}
	for _, n := range g.byNameOf(s) {
		out.Nodes = append(out.Nodes, QueryNode{n.Name, n.Kind})
	}
	for _, e := range g.edgesWithin(s) {
		out.Edges = append(out.Edges, QueryEdge{g.Nodes[e.From].Name, g.Nodes[e.To].Name, strings.Split(e.Classes.String(), "+")})
	}
	return out
}

// classColour colours DOT and Mermaid edges by drift class.
var classColour = map[string]string{"scope": "red", "impl": "blue", "data": "darkgreen"}

func colourOf(c ClassSet) string {
	if col, ok := classColour[c.String()]; ok {
		return col
	}
	return "black"
}

func (g *Graph) writeDOT(w io.Writer, s NodeSet) {
	fmt.Fprintln(w, "digraph sei {\n  rankdir=LR;")
	for _, n := range g.byNameOf(s) {
		shape := map[Kind]string{Source: "note", Rule: "box", Stage: "component"}[n.Kind]
		fmt.Fprintf(w, "  %q [shape=%s];\n", n.Name, shape)
	}
	for _, e := range g.edgesWithin(s) {
		fmt.Fprintf(w, "  %q -> %q [label=%q, color=%s];\n", g.Nodes[e.From].Name, g.Nodes[e.To].Name, e.Classes.String(), colourOf(e.Classes))
	}
	fmt.Fprintln(w, "}")
}

func (g *Graph) writeMermaid(w io.Writer, s NodeSet) {
	fmt.Fprintln(w, "flowchart LR")
	ids := map[NodeID]string{}
	for i, n := range g.byNameOf(s) {
		ids[n.ID] = fmt.Sprintf("n%d", i)
		fmt.Fprintf(w, "  %s[%q]\n", ids[n.ID], n.Name)
	}
	for _, e := range g.edgesWithin(s) {
		fmt.Fprintf(w, "  %s -->|%s| %s\n", ids[e.From], e.Classes, ids[e.To])
	}
}
