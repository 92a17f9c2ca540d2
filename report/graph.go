package report

import (
	"fmt"
	"strings"

	"seigarrena.dev/sei/dag"
)

// maxDrawn is the most nodes the graph picture draws: beyond it, sources
// are left out, and beyond that the picture is replaced by a sentence
// (`sei query '*' -o dot` draws any size).
const maxDrawn = 120

// Graph geometry.
const (
	gColumn = 230
	gRow    = 30
	gBox    = 200
	gMargin = 10
)

// GraphSVG draws the pipeline's dependency graph in layers, left to right:
// each node one column after its deepest input. It returns "" and the reason
// when the graph is too large to be read as a picture.
func GraphSVG(q dag.QueryResult) (string, string) {
	nodes := q.Nodes
	if len(nodes) > maxDrawn {
		var kept []dag.QueryNode
		for _, n := range nodes {
			if n.Kind != dag.Source {
				kept = append(kept, n)
			}
		}
		nodes = kept
	}
	if len(nodes) > maxDrawn {
		return "", fmt.Sprintf("%d stages and rules: too many to draw here; `sei query '*' -o dot` draws them", len(nodes))
	}
	if len(nodes) == 0 {
		return "", "no graph"
	}
	layer, edges := layers(nodes, q.Edges)
	rows := map[int]int{}
	at := map[string][2]int{}
	width, height := 0, 0
	for _, n := range nodes { // nodes are sorted by name: rows are too
		l := layer[n.Name]
		x, y := gMargin+l*gColumn, gMargin+rows[l]*gRow
		rows[l]++
		at[n.Name] = [2]int{x, y}
		width, height = max(width, x+gBox+gMargin), max(height, y+gRow+gMargin)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" id="pipeline-graph" role="img" viewBox="0 0 %d %d" width="%d" height="%d" font-family="sans-serif" font-size="10">`, width, height, width, height)
	b.WriteString(`<title>Dependency graph: sources, stages and rules; edges coloured by drift class</title>`)
	b.WriteString(`<defs><marker id="garrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto"><path d="M0,0L10,5L0,10z" fill="#555"/></marker></defs>`)
	for _, e := range edges {
		f, t := at[e.From], at[e.To]
		x1, y1, x2, y2 := f[0]+gBox, f[1]+11, t[0], t[1]+11
		fmt.Fprintf(&b, `<path class="edge" d="M%d,%dC%d,%d %d,%d %d,%d" fill="none" stroke="%s" stroke-opacity="0.7" marker-end="url(#garrow)"/>`,
			x1, y1, (x1+x2)/2, y1, (x1+x2)/2, y2, x2, y2, edgeColour(e.Classes))
	}
	for _, n := range nodes {
		p := at[n.Name]
		fmt.Fprintf(&b, `<g class="node %s"><rect x="%d" y="%d" width="%d" height="22" rx="4" fill="%s" stroke="#555"/><text x="%d" y="%d">%s</text><title>%s</title></g>`,
			n.Kind, p[0], p[1], gBox, kindFill[n.Kind], p[0]+6, p[1]+15, text(clip(n.Name, 34)), text(n.Name))
	}
	b.WriteString(`</svg>`)
	return b.String(), ""
}

var kindFill = map[dag.Kind]string{dag.Source: "#f4f4f4", dag.Stage: "#dbe9f6", dag.Rule: "#f6e8c3"}

// edgeColour follows `sei query -o dot`: scope red, impl blue, data green.
func edgeColour(classes []string) string {
	if len(classes) == 1 {
		switch classes[0] {
		case "scope":
			return "#c0392b"
		case "impl":
			return "#2c6fbb"
		case "data":
			return "#2e8540"
		}
	}
	return "#333"
}

// layers gives each node the length of its longest path from a node with no
// drawn input, and the edges among the drawn nodes. The graph is acyclic
// (lowering refuses cycles), so len(nodes) rounds of relaxation suffice.
func layers(nodes []dag.QueryNode, all []dag.QueryEdge) (map[string]int, []dag.QueryEdge) {
	drawn := map[string]bool{}
	for _, n := range nodes {
		drawn[n.Name] = true
	}
	var edges []dag.QueryEdge
	for _, e := range all {
		if drawn[e.From] && drawn[e.To] && e.From != e.To {
			edges = append(edges, e)
		}
	}
	layer := map[string]int{}
	for range nodes {
		changed := false
		for _, e := range edges {
			if layer[e.To] < layer[e.From]+1 {
				layer[e.To], changed = layer[e.From]+1, true
			}
		}
		if !changed {
			break
		}
	}
	return layer, edges
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
