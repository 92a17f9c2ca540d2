package dag

import (
	"sort"
	"strings"

	"github.com/dominikbraun/graph"
)

// cycleComponents names every node of every cycle among the nodes Kahn
// could not free: the strongly connected components (Tarjan's, from
// github.com/dominikbraun/graph, the design's graph library) of that
// remainder with more than one node, or one node with an edge to itself.
// Each is sorted and so is the list, so the report is the same bytes on
// every run. Only the remainder is copied into the library's graph: this
// runs on the error path, never on a build.
func (g *Graph) cycleComponents(pending []int) [][]string {
	lg := graph.New(graph.StringHash, graph.Directed())
	stuck := map[NodeID]bool{}
	for i, p := range pending {
		if p > 0 {
			stuck[NodeID(i)] = true
			_ = lg.AddVertex(g.Nodes[i].Name)
		}
	}
	self := map[string]bool{}
	for n := range stuck {
		for _, e := range g.out[n] {
			if !stuck[e.To] {
				continue
			}
			if e.To == n {
				self[g.Nodes[n].Name] = true
				continue
			}
			_ = lg.AddEdge(g.Nodes[n].Name, g.Nodes[e.To].Name)
		}
	}
	sccs, err := graph.StronglyConnectedComponents(lg)
	if err != nil {
		return nil
	}
	var out [][]string
	for _, c := range sccs {
		if len(c) > 1 || self[c[0]] {
			sort.Strings(c)
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return strings.Join(out[i], "\x00") < strings.Join(out[j], "\x00") })
	return out
}
