package dag

import (
	"container/heap"
	"fmt"
	"strings"

	"seigarrena.dev/sei/cache"
	"seigarrena.dev/sei/rules"
	"seigarrena.dev/sei/table"
)

// phase is where one node stands in a build.
type phase uint8

const (
	waiting phase = iota // some needed input has not finished
	ready                // every input finished; in the ready heap
	running              // handed to a worker
	done                 // its result is recorded
)

var phaseNames = [...]string{"waiting", "ready", "running", "done"}

func (p phase) String() string { return phaseNames[p] }

// buildState is one build's state, as n2's BuildState: each node's phase,
// its inputs still to finish, the ready heap, the pools in use, and what
// every finished node produced. Only its methods change it, and only the
// scheduler goroutine calls them (finish is the one writer of the result
// maps). A worker reads the outputs of its node's inputs: finish wrote them
// before the node became ready, and the work channel orders that write
// before the worker's read.
type buildState struct {
	g         *Graph
	need      []bool
	phase     []phase
	pending   []int // inputs still to finish, by node
	ready     readyHeap
	pools     map[string]int // stages of each pool running
	keepGoing bool
	stopped   bool // no more nodes are handed out
	running   int
	stages    int // needed stage nodes
	// stagesDone counts finished stages for progress output.
	stagesDone int

	results []NodeResult
	out     []cache.Digest         // each node's output digest (zero where not built)
	tables  []*table.State         // each table source's state
	wrote   [][]cache.TableVersion // the tables each stage wrote
	unknown []bool                 // dry run: outputs not known until a stage runs
	gate    *rules.GateResult
}

// newBuildState has every needed node waiting on its needed inputs, and
// those with none ready. prio orders the ready heap (highest first).
func newBuildState(g *Graph, need []bool, prio []int64, keepGoing bool) *buildState {
	n := len(g.Nodes)
	s := &buildState{g: g, need: need, phase: make([]phase, n), pending: make([]int, n),
		pools: map[string]int{}, keepGoing: keepGoing, results: make([]NodeResult, n),
		out: make([]cache.Digest, n), tables: make([]*table.State, n),
		wrote: make([][]cache.TableVersion, n), unknown: make([]bool, n)}
	s.ready.prio = prio
	for id, node := range g.Nodes {
		if !need[id] {
			continue
		}
		if node.Kind == Stage {
			s.stages++
		}
		for _, e := range g.in[id] {
			if need[e.From] {
				s.pending[id]++
			}
		}
		if s.pending[id] == 0 && node.Kind != Source {
			s.phase[id] = ready
			heap.Push(&s.ready, NodeID(id))
		}
	}
	return s
}

// next hands out the highest-priority ready node whose pool has room, or
// false when none can start now (or the build stopped).
func (s *buildState) next() (NodeID, bool) {
	if s.stopped {
		return 0, false
	}
	var held []NodeID
	defer func() {
		for _, h := range held {
			heap.Push(&s.ready, h)
		}
	}()
	for s.ready.Len() > 0 {
		id := heap.Pop(&s.ready).(NodeID)
		if pool, depth := s.pool(id); depth > 0 {
			if s.pools[pool] >= depth {
				held = append(held, id)
				continue
			}
			s.pools[pool]++
		}
		s.phase[id] = running
		s.running++
		return id, true
	}
	return 0, false
}

func (s *buildState) pool(id NodeID) (string, int) {
	if st := s.g.Nodes[id].Stage; st != nil && st.Pool != "" {
		return st.Pool, st.PoolDepth
	}
	return "", 0
}

// finish records a node's result: a source digested before scheduling, or
// a node a worker ran. It frees the node's pool slot and its dependents,
// unless it failed; then they stay waiting (they end skipped) and, without
// keep-going, the build stops. It reports whether it stopped the build.
func (s *buildState) finish(id NodeID, r NodeResult) (stopped bool) {
	if s.phase[id] == running {
		s.running--
		if pool, depth := s.pool(id); depth > 0 {
			s.pools[pool]--
		}
	}
	s.phase[id] = done
	if s.g.Nodes[id].Kind == Stage {
		s.stagesDone++
	}
	s.results[id] = r
	s.out[id], s.wrote[id] = r.out, r.wrote
	if r.table != nil {
		s.tables[id] = r.table
	}
	if r.gate != nil {
		s.gate = r.gate
	}
	switch r.State {
	case Failed:
		if !s.keepGoing && s.g.Nodes[id].Kind != Source && !s.stopped {
			s.stopped = true
			return true
		}
		return false
	case WouldRun:
		// A dry run cannot compute the dependents from outputs that do not
		// exist yet: they report would-run too, without running.
		s.unknown[id] = true
		s.out[id] = cache.Sum([]byte("sei/unknown " + s.g.Nodes[id].Name))
	}
	s.unblock(id)
	return false
}

func (s *buildState) unblock(id NodeID) {
	for _, e := range s.g.out[id] {
		if !s.need[e.To] {
			continue
		}
		if s.pending[e.To]--; s.pending[e.To] == 0 && s.phase[e.To] == waiting {
			s.phase[e.To] = ready
			heap.Push(&s.ready, e.To)
		}
	}
}

// stop hands out nothing more (an interrupt, or a failure without
// keep-going); running nodes still finish.
func (s *buildState) stop() { s.stopped = true }

// result is a needed node's outcome: skipped when it never finished.
func (s *buildState) result(id NodeID) NodeResult {
	if s.phase[id] != done {
		n := s.g.Nodes[id]
		return NodeResult{Name: n.Name, Kind: n.Kind, State: Skipped}
	}
	return s.results[id]
}

// upstreamUnknown reports whether a dry run cannot compute id yet.
func (s *buildState) upstreamUnknown(id NodeID) bool {
	for _, e := range s.g.in[id] {
		if s.unknown[e.From] {
			return true
		}
	}
	return false
}

// readyHeap orders ready nodes by priority, highest first, then by id: a
// total order, so the order nodes start in does not depend on the order
// they became ready.
type readyHeap struct {
	ids  []NodeID
	prio []int64
}

func (h readyHeap) Len() int { return len(h.ids) }
func (h readyHeap) Less(i, j int) bool {
	a, b := h.ids[i], h.ids[j]
	if h.prio[a] != h.prio[b] {
		return h.prio[a] > h.prio[b]
	}
	return a < b
}
func (h readyHeap) Swap(i, j int) { h.ids[i], h.ids[j] = h.ids[j], h.ids[i] }
func (h *readyHeap) Push(x any)   { h.ids = append(h.ids, x.(NodeID)) }
func (h *readyHeap) Pop() any {
	x := h.ids[len(h.ids)-1]
	h.ids = h.ids[:len(h.ids)-1]
	return x
}

// String is each needed node's phase, one per line in id order, with the
// state of a finished node and the inputs a waiting one still needs: the
// form the scheduler's tests compare.
func (s *buildState) String() string {
	var sb strings.Builder
	for id, n := range s.g.Nodes {
		if !s.need[id] || n.Kind == Source {
			continue
		}
		fmt.Fprintf(&sb, "%s %s", n.Name, s.phase[id])
		switch s.phase[id] {
		case done:
			fmt.Fprintf(&sb, " %s", s.results[id].State)
		case waiting:
			fmt.Fprintf(&sb, " %d", s.pending[id])
		}
		sb.WriteByte('\n')
	}
	return sb.String()
}
