package dag

import (
	"context"
	"fmt"
	"strings"
	"time"

	"seigarrena.dev/sei/adapters"
	"seigarrena.dev/sei/cache"
)

// A batch is a stale stage of a Batcher adapter run in one tool process
// with the stages below it that nothing else holds back: in the loan
// scenario, credit_features and compliance_evaluation in one `dagster
// asset materialize`, one start-up (about 6 s) instead of two.
//
// The stages below are run without looking them up: their keys need the
// first stage's outputs, which do not exist yet. Each is recorded after
// the run under the key of the inputs it ran with, so the cache stays
// exact. The cost is early cutoff inside a batch: when the first stage's
// outputs come out as they were, the stages below ran needlessly.

// batchAsk is a worker's request, answered on the scheduler goroutine,
// for the stages that may run in one process with id.
type batchAsk struct {
	id    NodeID
	reply chan []NodeID
}

// claim marks running, and returns in dependency order, the waiting stages
// below id whose every needed input is done or claimed with them, in id's
// pool and writing no table; id is running. A stage of another pool or
// with an input still to finish is left for the scheduler.
func (s *buildState) claim(id NodeID) []NodeID {
	pool, _ := s.pool(id)
	in := map[NodeID]bool{id: true}
	var members []NodeID
	for grew := true; grew; {
		grew = false
		for _, m := range append([]NodeID{id}, members...) {
			for _, e := range s.g.out[m] {
				if d := e.To; !in[d] && s.claimable(d, pool, in) {
					in[d] = true
					members = append(members, d)
					grew = true
				}
			}
		}
	}
	for _, m := range members {
		s.phase[m] = running
		s.running++
		if p, depth := s.pool(m); depth > 0 {
			s.pools[p]++
		}
	}
	return members
}

func (s *buildState) claimable(d NodeID, pool string, in map[NodeID]bool) bool {
	n := s.g.Nodes[d]
	if !s.need[d] || s.phase[d] != waiting || n.Kind != Stage || len(n.Writes) > 0 {
		return false
	}
	if p, _ := s.pool(d); p != pool {
		return false
	}
	held := 0
	for _, e := range s.g.in[d] {
		if s.need[e.From] && in[e.From] {
			held++
		}
	}
	return held == s.pending[d] // every other input is done
}

// batchable is the adapter as a Batcher when stage n may share a process:
// not in a strict sandbox (its mounts are one stage's inputs and outputs),
// not writing tables, and with a scheduler to ask.
func (b *Builder) batchable(n *Node) adapters.Batcher {
	bt, ok := b.Adapter.(adapters.Batcher)
	if !ok || b.ask == nil || len(n.Writes) > 0 || b.Sandbox.For(b.Adapter.Tool(), *n.Stage).Mode == adapters.Strict {
		return nil
	}
	return bt
}

// runBatch runs stage n and members in one process and records each, n
// under key. Members' results travel in the result of n.
func (b *Builder) runBatch(ctx context.Context, bt adapters.Batcher, n *Node, key cache.ActionID, pre string, members []NodeID, r NodeResult) NodeResult {
	stages := []adapters.Stage{b.stageEnv(n)}
	names := []string{n.Stage.Name}
	for _, m := range members {
		mn := b.G.Nodes[m]
		if err := b.outputDirs(mn); err != nil {
			return b.batchFailed(n, members, r, err)
		}
		stages = append(stages, b.stageEnv(mn))
		names = append(names, mn.Stage.Name)
	}
	sctx := adapters.WithSandbox(ctx, b.Sandbox.For(b.Adapter.Tool(), *n.Stage))
	run, err := bt.RunStages(sctx, b.Repo, stages)
	r.Stdout, r.Stderr = run.Stdout, run.Stderr
	switch {
	case err == nil && ctx.Err() != nil:
		err = fmt.Errorf("%s: interrupted", n.Name)
	case err == nil && run.ExitCode != 0:
		err = fmt.Errorf("%s: command exited with status %d (it ran %s in one process)", n.Name, run.ExitCode, strings.Join(names, ", "))
	}
	if err != nil {
		return b.batchFailed(n, members, r, err)
	}
	// Each stage's share of the run: the next build's priorities.
	share := adapters.Run{Duration: run.Duration / time.Duration(len(stages))}
	own := run
	own.Duration, r.Duration = share.Duration, share.Duration
	if r.out, r.wrote, err = b.record(ctx, n, key, pre, own); err != nil {
		return b.batchFailed(n, members, r, err)
	}
	r.State = Ran
	outs := map[NodeID]cache.Digest{n.ID: r.out}
	out := func(id NodeID) cache.Digest {
		if d, ok := outs[id]; ok {
			return d
		}
		return b.st.out[id] // done before the claim: ordered by its reply
	}
	for _, m := range members {
		mn := b.G.Nodes[m]
		mpre := b.G.preimage(m, b.toolVersion, out)
		mr := NodeResult{Name: mn.Name, Kind: Stage, State: Ran, Duration: share.Duration,
			Reason: "ran in one " + b.Adapter.Tool() + " process with " + n.Name}
		if mr.out, mr.wrote, err = b.record(ctx, mn, Key(mpre), mpre, share); err != nil {
			mr.State, mr.Err = Failed, err
		}
		outs[m] = mr.out
		r.batch = append(r.batch, finished{m, mr})
	}
	return r
}

// batchFailed fails n with err and every member with it: one process ran
// them all, so none of their outputs can be told good.
func (b *Builder) batchFailed(n *Node, members []NodeID, r NodeResult, err error) NodeResult {
	r.State, r.Err = Failed, err
	for _, m := range members {
		mn := b.G.Nodes[m]
		r.batch = append(r.batch, finished{m, NodeResult{Name: mn.Name, Kind: Stage, State: Failed,
			Err: fmt.Errorf("%s: ran in one process with %s, which failed", mn.Name, n.Name)}})
	}
	return r
}

// stageEnv is a stage's declaration with the pinned snapshot of each
// table it reads in its environment.
func (b *Builder) stageEnv(n *Node) adapters.Stage {
	st := *n.Stage
	st.Env = append(append([]string(nil), st.Env...), b.tablePins(n.ID)...)
	return st
}
