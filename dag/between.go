package dag

import (
	"sort"

	"seigarrena.dev/sei/adapters"
	"seigarrena.dev/sei/attest"
)

// Between compares two runs' locks section by section, as Status compares
// the tree with one lock: the classes whose digests differ (the drift from
// the earlier run to the later) and, through this graph's edges, the
// sources whose recorded digests differ. Sections this graph no longer has
// are compared by their digests alone, after the others, by name.
func (g *Graph) Between(from, to *attest.Lock) []SectionStatus {
	var out []SectionStatus
	seen := map[string]bool{}
	order, _ := g.Topo()
	for _, id := range order {
		n := g.Nodes[id]
		if !n.Section {
			continue
		}
		seen[n.Name] = true
		st := sectionBetween(n.Name, from, to)
		if st.Stale && len(st.Classes) > 0 {
			st.Reason = g.changedInputs(id, st.Classes, func(a NodeID) bool {
				name := g.Nodes[a].Name
				return inputOf(from, name) != inputOf(to, name)
			}, nil)
		}
		out = append(out, st)
	}
	var rest []string
	for _, l := range []*attest.Lock{from, to} {
		if l == nil {
			continue
		}
		for name := range l.Sections {
			if !seen[name] {
				seen[name] = true
				rest = append(rest, name)
			}
		}
	}
	sort.Strings(rest)
	for _, name := range rest {
		st := sectionBetween(name, from, to)
		if st.Stale && st.Reason == "" {
			st.Reason = "not in the current graph"
		}
		out = append(out, st)
	}
	return out
}

func sectionBetween(name string, from, to *attest.Lock) SectionStatus {
	st := SectionStatus{Name: name}
	a, okA := LockEntryOf(from, name)
	b, okB := LockEntryOf(to, name)
	switch {
	case !okA && !okB:
		return st
	case !okA:
		st.Stale, st.Reason = true, "new in the later run"
		return st
	case !okB:
		st.Stale, st.Reason = true, "absent from the later run"
		return st
	}
	for _, c := range adapters.Classes {
		if a.Classes[string(c)] != b.Classes[string(c)] {
			st.Classes = append(st.Classes, c)
			st.Drift = append(st.Drift, DriftClass(c))
		}
	}
	st.Stale = len(st.Classes) > 0
	return st
}

func inputOf(l *attest.Lock, name string) string {
	if l == nil {
		return ""
	}
	return l.Inputs[name]
}
