package dag

import (
	"encoding/hex"
	"sort"
	"strconv"

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
		buf := make([]byte, 0, 128)
		for ci, c := range adapters.Classes {
			buf = append(buf[:0], "sei/class/v1 "+string(c)+" "+n.Name+"\n"...)
			for _, e := range ins {
				if d := out[e.From][ci]; !d.IsZero() {
					buf = append(buf, g.Nodes[e.From].Name...)
					buf = append(buf, ' ')
					buf = hex.AppendEncode(buf, d[:])
					buf = append(buf, '\n')
				}
			}
			out[id][ci] = cache.Sum(buf)
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
// that digests do not depend on declaration order. Sorted once per graph.
func (g *Graph) sortedIn(id NodeID) []Edge {
	g.sortOnce.Do(func() {
		g.inSorted = make([][]Edge, len(g.Nodes))
		for i := range g.Nodes {
			ins := append([]Edge(nil), g.in[i]...)
			sort.Slice(ins, func(a, b int) bool { return g.Nodes[ins[a].From].Name < g.Nodes[ins[b].From].Name })
			g.inSorted[i] = ins
		}
	})
	return g.inSorted[id]
}

// Preimage is the labelled, line-oriented text whose BLAKE3 is a node's
// action key (as Go's build cache does): kind, sei version, the action's
// configuration, and the output digest (not the key) of every upstream node,
// so that a rerun yielding the same bytes invalidates nothing downstream.
func (g *Graph) Preimage(id NodeID, toolVersion string, outs []cache.Digest) string {
	return g.preimage(id, toolVersion, func(from NodeID) cache.Digest { return outs[from] })
}

// preimage is Preimage with each input's output digest from out.
func (g *Graph) preimage(id NodeID, toolVersion string, out func(NodeID) cache.Digest) string {
	n := g.Nodes[id]
	// Built with appends, not fmt: on a null build of 100k nodes this runs
	// 50k times and fmt's reflection cost a quarter of the build.
	b := make([]byte, 0, 256)
	b = append(b, "sei/action/v1\nversion "+Version+"\nkind "+string(n.Kind)+"\nnode "+n.Name+"\n"...)
	if s := n.Stage; s != nil {
		b = append(b, "tool "+toolVersion+"\n"...)
		for _, a := range s.Command {
			b = strconv.AppendQuote(append(b, "arg "...), a)
			b = append(b, '\n')
		}
		for _, o := range s.Outputs {
			b = append(b, "out "+o+"\n"...)
		}
	}
	for _, e := range g.sortedIn(id) {
		d := out(e.From)
		b = append(b, "in "+g.Nodes[e.From].Name+" "+classNames[e.Classes]+" blake3:"...)
		b = hex.AppendEncode(b, d[:])
		b = append(b, '\n')
	}
	return string(b)
}

// Key is the action key of a preimage.
func Key(preimage string) cache.ActionID { return cache.ActionID(cache.Sum([]byte(preimage))) }

// classNames caches ClassSet.String for the eight possible sets.
var classNames = func() (t [8]string) {
	for i := range t {
		t[i] = ClassSet(i).String()
	}
	return
}()
