package dag

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"seigarrena.dev/sei/table"
	"sync"

	"seigarrena.dev/sei/adapters"
	"seigarrena.dev/sei/cache"
	"seigarrena.dev/sei/manifest"
	"seigarrena.dev/sei/rules"
)

// Builder recomputes the invalidated part of a graph.
//
// The build state machine, per node: pending (waiting for its in-edges) →
// ready (all inputs done; in the heap) → running → one of computed, cached,
// restored, ran, would-run (dry run) or failed. A node whose input failed,
// or that was still pending when the build stopped, ends skipped. Only
// running is concurrent; every transition happens on the scheduler goroutine.
type Builder struct {
	G         *Graph
	M         *manifest.Manifest
	Repo      string // absolute
	Store     *cache.Store
	Hasher    *cache.Hasher // created by Build when nil
	Adapter   adapters.Reproducer
	Remote    RemoteCache       // nil: local only
	Sandbox   *adapters.Sandbox // how stages run; nil: unsandboxed
	Jobs      int
	KeepGoing bool
	DryRun    bool
	// Pins, when set, are the snapshots to measure each table at (a
	// replay: `--tables pinned`, from sei.lock), by dataset.tables name;
	// a table without a pin is measured as it is now.
	Pins map[string]Pin
	// OnStart and OnDone are called on the scheduler goroutine as each
	// stage starts and each node finishes (progress output); either may be
	// nil. Progress counts stages, the unit a user waits on.
	OnStart func(name string)
	OnDone  func(r NodeResult, p Progress)

	toolVersion string
	tables      []*table.State         // each table source's state, by node id
	wrote       [][]cache.TableVersion // the tables each stage wrote, by node id
	memos       map[string]cache.NodeMemo
	out         []cache.Digest
	unknown     []bool // dry run: outputs not known until a stage runs
	gate        *rules.GateResult
}

// Report is the outcome of a build.
type Report struct {
	Results  []NodeResult // in topological order, needed nodes only
	Gate     *rules.GateResult
	Ran      int
	UpToDate int // stages whose key and outputs were as last time: nothing looked up
	Cached   int // stages found in the action cache with their outputs already in place
	Restore  int
	Failed   int
	Skipped  int // stages not built because something upstream failed
	WouldRun int
	Stages   int // stage nodes among Results
	// Rejected counts cached results refused by the confinement rule.
	Rejected int
	// Out are the output digests of every node (zero where not built).
	Out []cache.Digest
	// Tables are the tables the build read or wrote, by name, each with
	// the stages that read it at that state and the stage that wrote it.
	Tables []TableRead
}

// OK reports whether every needed node was built.
func (r *Report) OK() bool {
	for _, n := range r.Results {
		if n.State == Failed || n.State == Skipped {
			return false
		}
	}
	return true
}

// Build computes targets (all nodes when empty) and everything they need.
func (b *Builder) Build(ctx context.Context, targets []NodeID) (*Report, error) {
	order, err := b.G.Topo()
	if err != nil {
		return nil, err
	}
	if err := b.prepare(ctx); err != nil {
		return nil, err
	}
	need := b.G.closure(targets)
	results := b.hashSources(need)
	s := newSchedule(b, order, need, results)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s.run(ctx, cancel, results)
	rep := &Report{Gate: b.gate, Out: b.out, Tables: b.tablesRead(need)}
	for _, id := range order {
		if !need[id] {
			continue
		}
		r := results[id]
		if r.State == "" {
			r = NodeResult{Name: b.G.Nodes[id].Name, Kind: b.G.Nodes[id].Kind, State: Skipped}
		}
		rep.add(r, b.G.Nodes[id].Kind == Stage)
	}
	return rep, errors.Join(b.Hasher.Flush(), b.Store.Flush())
}

func (rep *Report) add(r NodeResult, stage bool) {
	rep.Results = append(rep.Results, r)
	if stage {
		rep.Stages++
	}
	if r.Rejected != "" {
		rep.Rejected++
	}
	switch r.State {
	case Ran:
		rep.Ran++
	case UpToDate:
		rep.UpToDate++
	case Skipped:
		if stage {
			rep.Skipped++
		}
	case WouldRun:
		if stage {
			rep.WouldRun++
		}
	case Cached:
		rep.Cached++
	case Restored:
		rep.Restore++
	case Failed:
		rep.Failed++
	}
}

func (b *Builder) prepare(ctx context.Context) error {
	if b.Jobs < 1 {
		b.Jobs = 1
	}
	b.out = make([]cache.Digest, len(b.G.Nodes))
	b.tables = make([]*table.State, len(b.G.Nodes))
	b.wrote = make([][]cache.TableVersion, len(b.G.Nodes))
	b.unknown = make([]bool, len(b.G.Nodes))
	// The stat cache and the memos are the two big reads of a null build;
	// SQLite in WAL mode serves them on two connections at once.
	var herr error
	loaded := make(chan struct{})
	if b.Hasher == nil {
		go func() { b.Hasher, herr = b.Store.NewHasher(); close(loaded) }()
	} else {
		close(loaded)
	}
	memos, err := b.Store.Memos()
	<-loaded
	if err != nil {
		return fmt.Errorf("reading build memos: %w", err)
	}
	if herr != nil {
		return herr
	}
	b.memos = memos
	if b.Adapter != nil {
		v, err := b.Adapter.Version(ctx)
		if err != nil {
			return fmt.Errorf("%s: %w", b.Adapter.Tool(), err)
		}
		b.toolVersion = b.Adapter.Tool() + " " + v
	}
	return nil
}

// closure is the set of targets and everything they depend on.
func (g *Graph) closure(targets []NodeID) []bool {
	need := make([]bool, len(g.Nodes))
	if len(targets) == 0 {
		for i := range need {
			need[i] = true
		}
		return need
	}
	stack := append([]NodeID(nil), targets...)
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if need[n] {
			continue
		}
		need[n] = true
		for _, e := range g.in[n] {
			stack = append(stack, e.From)
		}
	}
	return need
}

// schedule is the scheduler's state for one build.
type schedule struct {
	b       *Builder
	need    []bool
	pending []int
	prio    []int64
	ready   readyHeap
	pools   map[string]int
	total   int
	stages  int // needed stage nodes, of total
}

// Progress is where a build stands when a node finishes: stages finished
// of the stages needed (rules and sources are not counted: they take no
// time worth watching).
type Progress struct {
	StagesDone, Stages int
}

// newSchedule counts each needed node's pending inputs. Sources were
// digested before scheduling: a digested source counts as done, a failed one
// leaves its dependents pending, so they end skipped.
func newSchedule(b *Builder, order []NodeID, need []bool, results []NodeResult) *schedule {
	s := &schedule{b: b, need: need, pending: make([]int, len(need)), pools: map[string]int{}}
	s.prio = b.priorities(order, need)
	s.ready.prio = s.prio
	for _, id := range order {
		if !need[id] || b.G.Nodes[id].Kind == Source {
			continue
		}
		s.total++
		if b.G.Nodes[id].Kind == Stage {
			s.stages++
		}
		for _, e := range b.G.in[id] {
			if need[e.From] && results[e.From].State != Computed {
				s.pending[id]++
			}
		}
		if s.pending[id] == 0 {
			heap.Push(&s.ready, id)
		}
	}
	return s
}

// hashSources digests every needed source in parallel, Jobs goroutines over
// slices of the node list: the bulk of a null build is these lstat calls,
// and a scheduler round trip per source would cost as much as the call.
func (b *Builder) hashSources(need []bool) []NodeResult {
	results := make([]NodeResult, len(b.G.Nodes))
	var srcs []NodeID
	for id, n := range b.G.Nodes {
		if need[id] && n.Kind == Source {
			srcs = append(srcs, NodeID(id))
		}
	}
	var wg sync.WaitGroup
	per := (len(srcs) + b.Jobs - 1) / b.Jobs
	for w := 0; w < len(srcs); w += per {
		part := srcs[w:min(w+per, len(srcs))]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, id := range part {
				r := b.execSource(b.G.Nodes[id])
				r.Name, r.Kind = b.G.Nodes[id].Name, Source
				results[id] = r
			}
		}()
	}
	wg.Wait()
	return results
}

// priorities is each node's critical path: its last recorded duration plus
// the longest path below it, so long chains start first (as ninja and n2 do).
func (b *Builder) priorities(order []NodeID, need []bool) []int64 {
	prio := make([]int64, len(b.G.Nodes))
	for i := len(order) - 1; i >= 0; i-- {
		id := order[i]
		if !need[id] {
			continue
		}
		var below int64
		for _, e := range b.G.out[id] {
			below = max(below, prio[e.To])
		}
		prio[id] = below + 1 + b.memos[b.G.Nodes[id].Name].DurationNs
	}
	return prio
}

type finished struct {
	id NodeID
	r  NodeResult
}

func (s *schedule) run(ctx context.Context, cancel func(), results []NodeResult) {
	done := make(chan finished, s.b.Jobs)
	work := make(chan NodeID, s.b.Jobs)
	// A fixed pool of Jobs workers: a goroutine per node would grow a fresh
	// stack for every one of 100k nodes.
	var wg sync.WaitGroup
	for range s.b.Jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range work {
				done <- finished{id, s.b.exec(ctx, id)}
			}
		}()
	}
	defer func() { close(work); wg.Wait() }()
	running, stagesDone := 0, 0
	stopped := false
	for {
		for !stopped && running < s.b.Jobs {
			id, ok := s.next()
			if !ok {
				break
			}
			running++
			if s.b.OnStart != nil && s.b.G.Nodes[id].Kind == Stage {
				s.b.OnStart(s.b.G.Nodes[id].Name)
			}
			work <- id
		}
		if running == 0 {
			break
		}
		f := <-done
		running--
		if s.b.G.Nodes[f.id].Kind == Stage {
			stagesDone++
		}
		s.release(f.id)
		results[f.id] = f.r
		if s.b.OnDone != nil {
			s.b.OnDone(f.r, Progress{StagesDone: stagesDone, Stages: s.stages})
		}
		if f.r.State == Failed || ctx.Err() != nil {
			if !s.b.KeepGoing || ctx.Err() != nil {
				stopped = true
				cancel()
			}
			continue // dependents stay pending: they end skipped
		}
		s.unblock(f.id, f.r.State)
	}
}

// unblock frees dependents. After a dry-run "would-run" the dependents
// cannot be computed from outputs that do not exist yet: they are reported
// as would-run too, without running.
func (s *schedule) unblock(id NodeID, st State) {
	for _, e := range s.b.G.out[id] {
		if !s.need[e.To] {
			continue
		}
		if s.pending[e.To]--; s.pending[e.To] == 0 {
			heap.Push(&s.ready, e.To)
		}
	}
	if st == WouldRun {
		s.b.markUnknown(id)
	}
}

// next pops the highest-priority ready node whose pool has room.
func (s *schedule) next() (NodeID, bool) {
	var held []NodeID
	defer func() {
		for _, h := range held {
			heap.Push(&s.ready, h)
		}
	}()
	for s.ready.Len() > 0 {
		id := heap.Pop(&s.ready).(NodeID)
		st := s.b.G.Nodes[id].Stage
		if st != nil && st.Pool != "" && st.PoolDepth > 0 {
			if s.pools[st.Pool] >= st.PoolDepth {
				held = append(held, id)
				continue
			}
			s.pools[st.Pool]++
		}
		return id, true
	}
	return 0, false
}

func (s *schedule) release(id NodeID) {
	if st := s.b.G.Nodes[id].Stage; st != nil && st.Pool != "" && st.PoolDepth > 0 {
		s.pools[st.Pool]--
	}
}

// readyHeap orders ready nodes by priority, highest first, then by id.
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
