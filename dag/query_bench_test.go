package dag

import (
	"fmt"
	"testing"

	"github.com/dominikbraun/graph"

	"seigarrena.dev/sei/manifest"
)

// BenchmarkQuery (in-process: the graph is lowered once, outside the
// timer) evaluates the path queries on the synthetic tree of n nodes: from
// the root stage down to the deepest leaf stage. The lib/ cases do the same with
// github.com/dominikbraun/graph, its graph built from the dense one inside
// the timer as a query would have to: they show why somepath and allpaths
// stay on the dense graph (BUILD.md).
func BenchmarkQuery(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		m, err := manifest.Parse("sei.yaml", []byte("apiVersion: seigarrena.dev/v1alpha1\nkind: AISystem\nsystem: {name: synth, intended_purpose: p}\n"))
		if err != nil {
			b.Fatal(err)
		}
		g, err := Lower(m, synthStages(n))
		if err != nil {
			b.Fatal(err)
		}
		leaf := fmt.Sprintf("stage:%d", n/2-1)
		for _, q := range []string{"somepath(stage:0, " + leaf + ")", "allpaths(stage:0, " + leaf + ")", "rdeps(stage:0)", "deps(" + leaf + ")"} {
			b.Run(fmt.Sprintf("%dk/%s", n/1000, q[:3]), func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					if _, _, err := g.QueryPath(q, nil); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
		b.Run(fmt.Sprintf("%dk/lib-shortestpath", n/1000), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				lg := libGraph(g)
				if _, err := graph.ShortestPath(lg, "stage:0", leaf); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("%dk/lib-allpaths", n/1000), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				lg := libGraph(g)
				if _, err := graph.AllPathsBetween(lg, "stage:0", leaf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// libGraph copies the dense graph into dominikbraun/graph.
func libGraph(g *Graph) graph.Graph[string, string] {
	lg := graph.New(graph.StringHash, graph.Directed())
	for _, n := range g.Nodes {
		_ = lg.AddVertex(n.Name)
	}
	for _, n := range g.Nodes {
		for _, e := range g.out[n.ID] {
			_ = lg.AddEdge(n.Name, g.Nodes[e.To].Name)
		}
	}
	return lg
}
