package dag

import "slices"

import "seigarrena.dev/sei/adapters"

// reach is deps (up the edges) or rdeps (down), including the start set,
// bounded by depth (-1: unbounded) and restricted to edges of class when set.
func (g *Graph) reach(start NodeSet, down bool, depth int, class adapters.EdgeClass) NodeSet {
	out := NodeSet{}
	frontier := make([]NodeID, 0, len(start))
	for n := range start {
		out[n] = true
		frontier = append(frontier, n)
	}
	for d := 0; len(frontier) > 0 && (depth < 0 || d < depth); d++ {
		var next []NodeID
		for _, n := range frontier {
			edges, pick := g.in[n], func(e Edge) NodeID { return e.From }
			if down {
				edges, pick = g.out[n], func(e Edge) NodeID { return e.To }
			}
			for _, e := range edges {
				if class != "" && !e.Classes.Has(class) {
					continue
				}
				if m := pick(e); !out[m] {
					out[m] = true
					next = append(next, m)
				}
			}
		}
		frontier = next
	}
	return out
}

// paths returns the nodes on paths from any node of from to any node of to:
// every such node (allpaths), or the nodes of one shortest path (somepath).
func (g *Graph) paths(from, to NodeSet, one bool) NodeSet {
	if one {
		return setOf(g.somePath(from, to))
	}
	return g.onPaths(from, to)
}

// onPaths is every node on some path from a node of from to one of to.
func (g *Graph) onPaths(from, to NodeSet) NodeSet {
	below := g.reach(from, true, -1, "")
	above := g.reach(to, false, -1, "")
	on := NodeSet{}
	for n := range below {
		if above[n] {
			on[n] = true
		}
	}
	return on
}

// somePath is one shortest path from a node of from to a node of to, in
// path order (nil when none): breadth-first inside the nodes on paths,
// from the lowest-id start, ties broken by id, so it is stable.
func (g *Graph) somePath(from, to NodeSet) []NodeID {
	on := g.onPaths(from, to)
	prev := map[NodeID]NodeID{}
	var queue []NodeID
	for _, n := range sortedIDs(from) {
		if on[n] {
			prev[n] = n
			queue = append(queue, n)
		}
	}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		if to[n] {
			path := []NodeID{n}
			for n != prev[n] {
				n = prev[n]
				path = append(path, n)
			}
			slices.Reverse(path)
			return path
		}
		for _, e := range g.out[n] {
			if _, seen := prev[e.To]; !seen && on[e.To] {
				prev[e.To] = n
				queue = append(queue, e.To)
			}
		}
	}
	return nil
}
