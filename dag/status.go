package dag

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"

	"seigarrena.dev/sei/adapters"
	"seigarrena.dev/sei/attest"
	"seigarrena.dev/sei/cache"
)

// DriftClass names a class by its drift letter: scope A, impl B, data C.
func DriftClass(c adapters.EdgeClass) string {
	return map[adapters.EdgeClass]string{adapters.Scope: "A", adapters.Impl: "B", adapters.Data: "C"}[c]
}

// SectionStatus is one line of sei status.
type SectionStatus struct {
	Name    string               `json:"section"`
	Stale   bool                 `json:"stale"`
	Classes []adapters.EdgeClass `json:"classes,omitempty"` // the classes that changed
	Drift   []string             `json:"drift,omitempty"`   // their letters
	Reason  string               `json:"reason,omitempty"`
}

// Fingerprint digests every source of the graph (through the stat cache)
// and derives every node's class digests, running nothing.
func (g *Graph) Fingerprint(repo string, h *cache.Hasher) (src []cache.Digest, classes []ClassDigests, missing map[NodeID]error) {
	order, _ := g.Topo()
	src = make([]cache.Digest, len(g.Nodes))
	missing = map[NodeID]error{}
	for _, n := range g.Nodes {
		if n.Kind != Source {
			continue
		}
		d, _, err := sourceDigest(repo, h, n)
		if err != nil {
			missing[n.ID] = err
			d = cache.Sum([]byte("sei/missing " + n.Name))
		}
		src[n.ID] = d
	}
	return src, g.classDigests(order, src), missing
}

// Status compares the work tree with the lock, section by section, in
// topological order.
func (g *Graph) Status(repo string, h *cache.Hasher, lock *attest.Lock) []SectionStatus {
	src, classes, missing := g.Fingerprint(repo, h)
	order, _ := g.Topo()
	var out []SectionStatus
	for _, id := range order {
		n := g.Nodes[id]
		if !n.Section {
			continue
		}
		st := SectionStatus{Name: n.Name}
		entry, ok := LockEntryOf(lock, n.Name)
		if !ok {
			st.Stale, st.Reason = true, "never built"
			out = append(out, st)
			continue
		}
		for _, c := range adapters.Classes {
			if entry.Classes[string(c)] != classes[id].Get(c).String() {
				st.Classes = append(st.Classes, c)
				st.Drift = append(st.Drift, DriftClass(c))
			}
		}
		if st.Stale = len(st.Classes) > 0; st.Stale {
			st.Reason = g.changedInputs(id, st.Classes, func(a NodeID) bool { return lock.Inputs[g.Nodes[a].Name] != src[a].String() }, missing)
		}
		out = append(out, st)
	}
	return out
}

// LockEntryOf finds a section in a lock.
func LockEntryOf(lock *attest.Lock, name string) (attest.LockEntry, bool) {
	if lock == nil {
		return attest.LockEntry{}, false
	}
	e, ok := lock.Sections[name]
	return e, ok
}

// changedInputs names the changed sources of the given classes upstream of
// id; changed says whether a source changed.
func (g *Graph) changedInputs(id NodeID, classes []adapters.EdgeClass, changed func(NodeID) bool, missing map[NodeID]error) string {
	var names []string
	for _, a := range g.ancestors(id) {
		n := g.Nodes[a]
		if n.Kind != Source || !containsClass(classes, n.Class) || !changed(a) {
			continue
		}
		label := strings.TrimPrefix(strings.TrimPrefix(n.Name, "file:"), "manifest:")
		switch {
		case n.Table != nil:
			label = n.Name + " (a new snapshot)" // table:<name>
		case n.Path == "":
			label = "sei.yaml " + label
		}
		if _, gone := missing[a]; gone {
			label += " (missing)"
		}
		names = append(names, label+" changed")
	}
	sort.Strings(names)
	if len(names) == 0 {
		return "the graph's shape changed"
	}
	return strings.Join(names, ", ")
}

func containsClass(cs []adapters.EdgeClass, c adapters.EdgeClass) bool {
	for _, x := range cs {
		if x == c {
			return true
		}
	}
	return false
}

func (g *Graph) ancestors(id NodeID) []NodeID {
	seen := map[NodeID]bool{id: true}
	stack := []NodeID{id}
	var out []NodeID
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, e := range g.in[n] {
			if !seen[e.From] {
				seen[e.From] = true
				out = append(out, e.From)
				stack = append(stack, e.From)
			}
		}
	}
	return out
}

// LockSections builds the lock's sections and inputs from a fingerprint.
func (g *Graph) LockSections(src []cache.Digest, classes []ClassDigests, gateFailed bool) (map[string]attest.LockEntry, map[string]string) {
	sections := map[string]attest.LockEntry{}
	inputs := map[string]string{}
	for _, n := range g.Nodes {
		if n.Kind == Source {
			inputs[n.Name] = src[n.ID].String()
		}
		if !n.Section {
			continue
		}
		e := attest.LockEntry{Status: "valid", EdgeType: string(n.LockType), Classes: map[string]string{}}
		h := sha256.New()
		for _, c := range adapters.Classes {
			d := classes[n.ID].Get(c)
			e.Classes[string(c)] = d.String()
			h.Write(d[:])
		}
		e.InputHash = "sha256:" + hex.EncodeToString(h.Sum(nil))
		if n.Name == Gate && gateFailed {
			e.Status = "failed"
		}
		sections[n.Name] = e
	}
	return sections, inputs
}

// String prints a status line: "measurement_model: Stale (B) — train.py changed".
func (s SectionStatus) String() string {
	if !s.Stale && s.Reason != "" {
		return s.Name + ": " + s.Reason // not judged by sei (a foreign lock's record)
	}
	if !s.Stale {
		return s.Name + ": Reused"
	}
	if len(s.Drift) == 0 {
		return fmt.Sprintf("%s: Stale (%s)", s.Name, s.Reason)
	}
	return fmt.Sprintf("%s: Stale (%s): %s", s.Name, strings.Join(s.Drift, ","), s.Reason)
}
