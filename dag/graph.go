// Package dag is sei's build graph: dense node ids and typed edges, the
// lowering of a manifest into nodes and actions, per-node keys, the parallel
// scheduler, drift status and the query language.
//
// The hot path (lowering, scheduling, status) works on dense integer ids and
// adjacency slices: a Kahn sort of 100k nodes is a few milliseconds, where a
// general graph library's sort is quadratic (DESIGN.md).
package dag

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"seigarrena.dev/sei/adapters"
)

// NodeID is a dense index into Graph.Nodes.
type NodeID int32

// ClassSet is a set of edge classes; one edge may carry several.
type ClassSet uint8

const (
	ScopeBit ClassSet = 1 << iota
	ImplBit
	DataBit
)

// classBits maps a class to its bit.
func classBits(c adapters.EdgeClass) ClassSet {
	switch c {
	case adapters.Scope:
		return ScopeBit
	case adapters.Impl:
		return ImplBit
	case adapters.Data:
		return DataBit
	}
	return 0
}

// Has reports whether s holds class c.
func (s ClassSet) Has(c adapters.EdgeClass) bool { return s&classBits(c) != 0 }

func (s ClassSet) String() string {
	var parts []string
	for _, c := range adapters.Classes {
		if s.Has(c) {
			parts = append(parts, string(c))
		}
	}
	return strings.Join(parts, "+")
}

// Edge is one dependency: From must be computed before To.
type Edge struct {
	From, To NodeID
	Classes  ClassSet
}

// Graph holds nodes and their edges in both directions.
type Graph struct {
	Nodes  []*Node
	byName map[string]NodeID
	out    [][]Edge // out[n]: edges from n, in insertion order
	in     [][]Edge // in[n]: edges into n

	sortOnce sync.Once
	inSorted [][]Edge // in-edges by upstream name; built on first use, after lowering
}

// New returns an empty graph.
func New() *Graph { return &Graph{byName: map[string]NodeID{}} }

// Add inserts a node and returns its id; names are unique.
func (g *Graph) Add(n *Node) (NodeID, error) {
	if _, dup := g.byName[n.Name]; dup {
		return 0, fmt.Errorf("node %q declared twice", n.Name)
	}
	id := NodeID(len(g.Nodes))
	n.ID = id
	g.Nodes = append(g.Nodes, n)
	g.byName[n.Name] = id
	g.out = append(g.out, nil)
	g.in = append(g.in, nil)
	return id, nil
}

// Lookup finds a node by name.
func (g *Graph) Lookup(name string) (NodeID, bool) {
	id, ok := g.byName[name]
	return id, ok
}

// Connect adds class c to the edge from → to, creating it when needed.
func (g *Graph) Connect(from, to NodeID, c adapters.EdgeClass) {
	for i := range g.out[from] {
		if g.out[from][i].To == to {
			g.out[from][i].Classes |= classBits(c)
			for j := range g.in[to] {
				if g.in[to][j].From == from {
					g.in[to][j].Classes |= classBits(c)
				}
			}
			return
		}
	}
	e := Edge{From: from, To: to, Classes: classBits(c)}
	g.out[from] = append(g.out[from], e)
	g.in[to] = append(g.in[to], e)
}

// Out and In return a node's edges.
func (g *Graph) Out(n NodeID) []Edge { return g.out[n] }
func (g *Graph) In(n NodeID) []Edge  { return g.in[n] }

// CycleError names the nodes of one cycle in order, first repeated last,
// and every node of every cycle, component by component.
type CycleError struct {
	Path       []string
	Components [][]string
}

func (e *CycleError) Error() string {
	msg := "dependency cycle: " + strings.Join(e.Path, " -> ")
	if len(e.Components) > 1 || len(e.Components) == 1 && len(e.Components[0]) != len(e.Path)-1 {
		parts := make([]string, len(e.Components))
		for i, c := range e.Components {
			parts[i] = "{" + strings.Join(c, ", ") + "}"
		}
		msg += "; every node on a cycle: " + strings.Join(parts, " ")
	}
	return msg
}

// Topo returns the nodes in dependency order (Kahn's algorithm; ties by id,
// so the order is deterministic), or a *CycleError naming one cycle.
func (g *Graph) Topo() ([]NodeID, error) {
	pending := make([]int, len(g.Nodes))
	var ready []NodeID
	for i := range g.Nodes {
		pending[i] = len(g.in[i])
		if pending[i] == 0 {
			ready = append(ready, NodeID(i))
		}
	}
	order := make([]NodeID, 0, len(g.Nodes))
	for len(ready) > 0 {
		n := ready[0]
		ready = ready[1:]
		order = append(order, n)
		for _, e := range g.out[n] {
			if pending[e.To]--; pending[e.To] == 0 {
				ready = append(ready, e.To)
			}
		}
	}
	if len(order) < len(g.Nodes) {
		return nil, g.findCycle(pending)
	}
	return order, nil
}

// findCycle walks back from a node Kahn could not free; every such node has
// an unfreed predecessor, so the walk must revisit a node: that is a cycle.
func (g *Graph) findCycle(pending []int) error {
	start := NodeID(-1)
	for i, p := range pending {
		if p > 0 {
			start = NodeID(i)
			break
		}
	}
	seen := map[NodeID]int{}
	var path []NodeID
	for n := start; ; {
		if at, ok := seen[n]; ok {
			cyc := append([]NodeID(nil), path[at:]...)
			names := make([]string, 0, len(cyc)+1)
			for i := len(cyc) - 1; i >= 0; i-- {
				names = append(names, g.Nodes[cyc[i]].Name)
			}
			names = append(names, names[0])
			return &CycleError{Path: names, Components: g.cycleComponents(pending)}
		}
		seen[n] = len(path)
		path = append(path, n)
		for _, e := range g.in[n] {
			if pending[e.From] > 0 {
				n = e.From
				break
			}
		}
	}
}

// String lists nodes and edges sorted by name: one line per edge
// "from -> to [classes]", for golden tests.
func (g *Graph) String() string {
	var lines []string
	for _, n := range g.Nodes {
		lines = append(lines, fmt.Sprintf("%s (%s)", n.Name, n.Kind))
		for _, e := range g.out[n.ID] {
			lines = append(lines, fmt.Sprintf("%s -> %s [%s]", n.Name, g.Nodes[e.To].Name, e.Classes))
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n") + "\n"
}
