package dag

import (
	"fmt"
	"sort"
	"strings"

	"seigarrena.dev/sei/adapters"
	"seigarrena.dev/sei/cache"
)

// Version enters every key, so that a sei release that changes what a node
// computes invalidates the cache instead of trusting stale results.
const Version = "sei/0.1"

// ClassDigests are a node's three sub-digests, one per drift class. Each is
// a Merkle hash over the node's transitive sources of that class, computed
// without running anything: sei status compares them with sei.lock and so
// names the drift class of a change.
type ClassDigests [3]cache.Digest

func classIndex(c adapters.EdgeClass) int {
	for i, x := range adapters.Classes {
		if x == c {
			return i
		}
	}
	return -1
}

// Get returns the digest of class c.
func (d ClassDigests) Get(c adapters.EdgeClass) cache.Digest { return d[classIndex(c)] }

// classDigests computes every node's class digests in topological order from
// the sources' content digests (src[n] for source nodes).
func (g *Graph) classDigests(order []NodeID, src []cache.Digest) []ClassDigests {
	out := make([]ClassDigests, len(g.Nodes))
	for _, id := range order {
		n := g.Nodes[id]
		if n.Kind == Source {
			out[id][classIndex(n.Class)] = src[id]
			continue
		}
		ins := g.sortedIn(id)
		for ci, c := range adapters.Classes {
			var b strings.Builder
			fmt.Fprintf(&b, "sei/class/v1 %s %s\n", c, n.Name)
			for _, e := range ins {
				if d := out[e.From][ci]; !d.IsZero() {
					fmt.Fprintf(&b, "%s %x\n", g.Nodes[e.From].Name, d[:])
				}
			}
			out[id][ci] = cache.Sum([]byte(b.String()))
		}
	}
	return out
}

// ClassDigestsFrom derives every node's class digests from the given source
// digests (for example the ones a build used).
func (g *Graph) ClassDigestsFrom(src []cache.Digest) []ClassDigests {
	order, _ := g.Topo()
	return g.classDigests(order, src)
}

// sortedIn returns a node's in-edges ordered by the upstream node's name, so
// that digests do not depend on declaration order.
func (g *Graph) sortedIn(id NodeID) []Edge {
	ins := append([]Edge(nil), g.in[id]...)
	sort.Slice(ins, func(i, j int) bool { return g.Nodes[ins[i].From].Name < g.Nodes[ins[j].From].Name })
	return ins
}

// Preimage is the labelled, line-oriented text whose BLAKE3 is a node's
// action key (as Go's build cache does): kind, sei version, the action's
// configuration, and the output digest (not the key) of every upstream node,
// so that a rerun yielding the same bytes invalidates nothing downstream.
func (g *Graph) Preimage(id NodeID, toolVersion string, outs []cache.Digest) string {
	n := g.Nodes[id]
	var b strings.Builder
	fmt.Fprintf(&b, "sei/action/v1\nversion %s\nkind %s\nnode %s\n", Version, n.Kind, n.Name)
	if s := n.Stage; s != nil {
		fmt.Fprintf(&b, "tool %s\n", toolVersion)
		for _, a := range s.Command {
			fmt.Fprintf(&b, "arg %q\n", a)
		}
		for _, o := range s.Outputs {
			fmt.Fprintf(&b, "out %s\n", o)
		}
	}
	for _, e := range g.sortedIn(id) {
		fmt.Fprintf(&b, "in %s %s %s\n", g.Nodes[e.From].Name, e.Classes, outs[e.From])
	}
	return b.String()
}

// Key is the action key of a preimage.
func Key(preimage string) cache.ActionID { return cache.ActionID(cache.Sum([]byte(preimage))) }
