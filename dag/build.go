package dag

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"seigarrena.dev/sei/adapters"
	"seigarrena.dev/sei/cache"
	"seigarrena.dev/sei/manifest"
	"seigarrena.dev/sei/rules"
)

// Builder recomputes the invalidated part of a graph.
//
// Each node moves waiting (for its in-edges) → ready (in the heap) →
// running → done, with one of the states computed, cached, restored, ran,
// would-run (dry run) or failed; a node whose input failed, or that had not
// finished when the build stopped, ends skipped. buildState holds all of it
// and changes it on the scheduler goroutine (drive); only running is
// concurrent.
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
	memos       map[string]cache.NodeMemo
	st          *buildState // this build's state, made by Build
	// ask claims the stages that may run in one process with a stale
	// stage (batch.go); set by drive, answered on its goroutine.
	ask func(NodeID) []NodeID
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
	b.st = newBuildState(b.G, need, b.priorities(order, need), b.KeepGoing)
	srcs, results := b.hashSources(need)
	for i, id := range srcs {
		b.st.finish(id, results[i])
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	b.drive(ctx, cancel, b.st, b.exec)
	rep := &Report{Gate: b.st.gate, Out: b.st.out, Tables: b.tablesRead(need)}
	for _, id := range order {
		if need[id] {
			rep.add(b.st.result(id), b.G.Nodes[id].Kind == Stage)
		}
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

// Progress is where a build stands when a node finishes: stages finished
// of the stages needed (rules and sources are not counted: they take no
// time worth watching).
type Progress struct {
	StagesDone, Stages int
}

// hashSources digests every needed source in parallel, Jobs goroutines over
// slices of the node list: the bulk of a null build is these lstat calls,
// and a scheduler round trip per source would cost as much as the call.
// The results are returned, not applied: buildState.finish records them.
func (b *Builder) hashSources(need []bool) ([]NodeID, []NodeResult) {
	var srcs []NodeID
	for id, n := range b.G.Nodes {
		if need[id] && n.Kind == Source {
			srcs = append(srcs, NodeID(id))
		}
	}
	results := make([]NodeResult, len(srcs))
	var wg sync.WaitGroup
	per := (len(srcs) + b.Jobs - 1) / b.Jobs
	for w := 0; w < len(srcs); w += per {
		lo, hi := w, min(w+per, len(srcs))
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := lo; i < hi; i++ {
				n := b.G.Nodes[srcs[i]]
				r := b.execSource(n)
				r.Name, r.Kind = n.Name, Source
				results[i] = r
			}
		}()
	}
	wg.Wait()
	return srcs, results
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

// settle finishes one node in s and reports it; a failure that stops
// the build cancels the rest.
func (b *Builder) settle(s *buildState, f finished, cancel func()) {
	if s.finish(f.id, f.r) {
		cancel()
	}
	if b.OnDone != nil {
		b.OnDone(f.r, Progress{StagesDone: s.stagesDone, Stages: s.stages})
	}
}

// drive runs the build state to its end with a fixed pool of Jobs workers
// (a goroutine per node would grow a fresh stack for every one of 100k
// nodes) calling exec. The state changes only here, on this goroutine.
func (b *Builder) drive(ctx context.Context, cancel func(), s *buildState, exec func(context.Context, NodeID) NodeResult) {
	done := make(chan finished, b.Jobs)
	work := make(chan NodeID, b.Jobs)
	asks := make(chan batchAsk)
	b.ask = func(id NodeID) []NodeID {
		q := batchAsk{id, make(chan []NodeID, 1)}
		asks <- q
		return <-q.reply
	}
	defer func() { b.ask = nil }()
	var wg sync.WaitGroup
	for range b.Jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range work {
				done <- finished{id, exec(ctx, id)}
			}
		}()
	}
	defer func() { close(work); wg.Wait() }()
	for {
		for s.running < b.Jobs {
			id, ok := s.next()
			if !ok {
				break
			}
			if b.OnStart != nil && b.G.Nodes[id].Kind == Stage {
				b.OnStart(b.G.Nodes[id].Name)
			}
			work <- id
		}
		if s.running == 0 {
			return
		}
		var f finished
		select {
		case q := <-asks:
			q.reply <- s.claim(q.id)
			continue
		case f = <-done:
		}
		batch := f.r.batch
		f.r.batch = nil
		b.settle(s, f, cancel)
		for _, m := range batch {
			b.settle(s, m, cancel)
		}
		if ctx.Err() != nil {
			s.stop()
		}
	}
}
