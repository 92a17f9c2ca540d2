package dag

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"seigarrena.dev/sei/adapters"
)

// batchAdapter is a Batcher that records each process it was asked for:
// "a" for one stage, "a,b" for two in one.
type batchAdapter struct {
	gateAdapter
	mu    sync.Mutex
	calls []string
	fail  bool
}

func (a *batchAdapter) call(names []string, repo string, stages []adapters.Stage) (adapters.Run, error) {
	a.mu.Lock()
	a.calls = append(a.calls, strings.Join(names, ","))
	a.mu.Unlock()
	if a.fail {
		return adapters.Run{ExitCode: 1}, nil
	}
	for _, s := range stages {
		if err := os.WriteFile(filepath.Join(repo, s.Outputs[0]), []byte(s.Name), 0o644); err != nil {
			return adapters.Run{}, err
		}
	}
	return adapters.Run{Stdout: []byte("one process\n")}, nil
}

func (a *batchAdapter) RunStage(_ context.Context, repo string, s adapters.Stage) (adapters.Run, error) {
	return a.call([]string{s.Name}, repo, []adapters.Stage{s})
}

func (a *batchAdapter) RunStages(_ context.Context, repo string, stages []adapters.Stage) (adapters.Run, error) {
	var names []string
	for _, s := range stages {
		names = append(names, s.Name)
	}
	return a.call(names, repo, stages)
}

func (a *batchAdapter) took() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := strings.Join(a.calls, " ")
	a.calls = nil
	return out
}

func pooled(s adapters.Stage) adapters.Stage {
	s.Pool, s.PoolDepth = "p", 1
	return s
}

func TestBatchRunsAStaleChainInOneProcess(t *testing.T) {
	a := &batchAdapter{}
	// c reads a and b; d reads nothing of theirs.
	b := builder(t, a, pooled(stage("a")), pooled(stage("b", "a")), pooled(stage("c", "a", "b")), pooled(stage("d")))
	rep, err := b.Build(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := a.took(); got != "a,b,c d" {
		t.Errorf("processes: %q, want a,b,c then d", got)
	}
	if got := states(rep); got != "a=ran b=ran c=ran d=ran" {
		t.Errorf("first build: %s", got)
	}
	for _, r := range rep.Results {
		if r.Name == "stage:c" && r.Reason != "ran in one gate process with stage:a" {
			t.Errorf("c's reason: %q", r.Reason)
		}
	}
	// Each stage was recorded under the key of what it ran with: the next
	// build finds them all as they were.
	rep, err = b.Build(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := states(rep); got != "a=up-to-date b=up-to-date c=up-to-date d=up-to-date" || a.took() != "" {
		t.Errorf("null build after a batch: %s", got)
	}
	// Only b's output changed by hand: b and c run in one, a is kept.
	if err := os.WriteFile(filepath.Join(b.Repo, "b"), []byte("edited"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(b.Repo, "c")); err != nil {
		t.Fatal(err)
	}
	rep, err = b.Build(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := a.took(); got != "" {
		t.Errorf("restoring b and c from the cache ran %q", got)
	}
	if got := states(rep); got != "a=up-to-date b=restored c=restored d=up-to-date" {
		t.Errorf("after editing outputs: %s", got)
	}
}

func TestBatchFailureFailsEveryMember(t *testing.T) {
	a := &batchAdapter{fail: true}
	b := builder(t, a, pooled(stage("a")), pooled(stage("b", "a")), pooled(stage("x")))
	b.KeepGoing = true
	rep, err := b.Build(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := states(rep); got != "a=failed b=failed x=failed" {
		t.Errorf("a failed batch: %s", got)
	}
	if got := a.took(); got != "a,b x" {
		t.Errorf("processes: %q", got)
	}
	for _, r := range rep.Results {
		if r.Name == "stage:b" && (r.Err == nil || !strings.Contains(r.Err.Error(), "ran in one process with stage:a, which failed")) {
			t.Errorf("b's error: %v", r.Err)
		}
	}
	a.fail = false
	if rep, _ := b.Build(context.Background(), nil); states(rep) != "a=ran b=ran x=ran" {
		t.Errorf("after a failed batch, the next build: %s", states(rep))
	}
}

func TestBatchNotInStrictSandboxOrDryRun(t *testing.T) {
	a := &batchAdapter{}
	b := builder(t, a, pooled(stage("a")), pooled(stage("b", "a")))
	b.DryRun = true
	if rep, _ := b.Build(context.Background(), nil); states(rep) != "a=would-run b=would-run" || a.took() != "" {
		t.Errorf("dry run: %s", states(rep))
	}
	b.DryRun = false
	id, _ := b.G.Lookup("stage:a")
	b.ask = func(NodeID) []NodeID { return nil }
	if b.batchable(b.G.Nodes[id]) == nil {
		t.Fatal("an unsandboxed stage of a Batcher may not share a process")
	}
	b.Sandbox = &adapters.Sandbox{Mode: adapters.Strict, Repo: b.Repo}
	if b.batchable(b.G.Nodes[id]) != nil {
		t.Error("a strict sandbox's stage may share a process")
	}
}

func TestStateClaimTakesWhatNothingElseHoldsBack(t *testing.T) {
	// b and c depend on a; e also needs x, which has not finished; y is in
	// another pool.
	g, ids := stateGraph(t, "p:a", "p:b<a", "p:c<b", "p:x", "p:e<a,x", "q:y<a")
	s := started(t, g, false)
	mustNext(t, s, g, "a")
	members := s.claim(ids["a"])
	var names []string
	for _, m := range members {
		names = append(names, g.Nodes[m].Name)
	}
	if got := strings.Join(names, " "); got != "b c" {
		t.Errorf("claimed %q, want b c", got)
	}
	wantState(t, s, "a running\nb running\nc running\nx ready\ne waiting 2\ny waiting 1\n")
	if s.running != 3 || s.pools["p"] != 3 {
		t.Errorf("running %d, pool p %d", s.running, s.pools["p"])
	}
	s.finish(ids["a"], ran(g, ids["a"], Ran))
	s.finish(ids["b"], ran(g, ids["b"], Ran))
	s.finish(ids["c"], ran(g, ids["c"], Ran))
	mustNext(t, s, g, "x")
	mustNext(t, s, g, "y") // pool q; x holds p
	if s.pools["p"] != 1 || s.running != 2 {
		t.Errorf("after the batch: running %d, pool p %d", s.running, s.pools["p"])
	}
}
