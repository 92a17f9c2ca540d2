package dag

import (
	"strings"
	"testing"

	"seigarrena.dev/sei/adapters"
)

// stateGraph is a graph of one source (file:in) and stages named by spec:
// "b<a" is stage b reading stage a; "p:x" puts x in pool p of depth 1.
func stateGraph(t *testing.T, spec ...string) (*Graph, map[string]NodeID) {
	t.Helper()
	g := New()
	ids := map[string]NodeID{}
	src, err := g.Add(&Node{Name: "file:in", Kind: Source, Path: "in"})
	if err != nil {
		t.Fatal(err)
	}
	ids["in"] = src
	for _, s := range spec {
		name, deps, _ := strings.Cut(s, "<")
		st := &adapters.Stage{}
		if pool, n, ok := strings.Cut(name, ":"); ok {
			st.Pool, st.PoolDepth, name = pool, 1, n
		}
		st.Name = name
		id, err := g.Add(&Node{Name: name, Kind: Stage, Stage: st})
		if err != nil {
			t.Fatal(err)
		}
		ids[name] = id
		g.Connect(src, id, adapters.Impl)
		for _, d := range strings.Split(deps, ",") {
			if d != "" {
				g.Connect(ids[d], id, adapters.Data)
			}
		}
	}
	return g, ids
}

// started is a state whose sources are digested and whose priorities are
// equal, so ready nodes start in id order.
func started(t *testing.T, g *Graph, keepGoing bool) *buildState {
	t.Helper()
	need := g.closure(nil)
	s := newBuildState(g, need, make([]int64, len(g.Nodes)), keepGoing)
	for id, n := range g.Nodes {
		if n.Kind == Source {
			s.finish(NodeID(id), NodeResult{Name: n.Name, Kind: Source, State: Computed})
		}
	}
	return s
}

func mustNext(t *testing.T, s *buildState, g *Graph, want string) {
	t.Helper()
	id, ok := s.next()
	if !ok {
		t.Fatalf("next: nothing ready, want %s\n%s", want, s)
	}
	if got := g.Nodes[id].Name; got != want {
		t.Fatalf("next: %s, want %s\n%s", got, want, s)
	}
}

func noNext(t *testing.T, s *buildState) {
	t.Helper()
	if id, ok := s.next(); ok {
		t.Fatalf("next handed out %s, want nothing\n%s", s.g.Nodes[id].Name, s)
	}
}

func wantState(t *testing.T, s *buildState, want string) {
	t.Helper()
	if got := s.String(); got != want {
		t.Errorf("state:\n%s\nwant:\n%s", got, want)
	}
}

func ran(g *Graph, id NodeID, st State) NodeResult {
	return NodeResult{Name: g.Nodes[id].Name, Kind: Stage, State: st}
}

func TestStatePoolHoldsBackItsStagesOnly(t *testing.T) {
	g, ids := stateGraph(t, "p:a", "p:b", "c", "p:d")
	s := started(t, g, false)
	mustNext(t, s, g, "a")
	mustNext(t, s, g, "c") // b and d wait for pool p, c does not
	noNext(t, s)
	wantState(t, s, "a running\nb ready\nc running\nd ready\n")
	s.finish(ids["c"], ran(g, ids["c"], Ran))
	noNext(t, s) // c's slot is free, p's is not
	s.finish(ids["a"], ran(g, ids["a"], Ran))
	mustNext(t, s, g, "b")
	noNext(t, s)
	s.finish(ids["b"], ran(g, ids["b"], Cached))
	mustNext(t, s, g, "d")
	s.finish(ids["d"], ran(g, ids["d"], UpToDate))
	noNext(t, s)
	wantState(t, s, "a done ran\nb done cached\nc done ran\nd done up-to-date\n")
	if s.running != 0 || s.pools["p"] != 0 || s.stagesDone != 4 || s.stages != 4 {
		t.Errorf("running %d, pool p %d, stages %d of %d", s.running, s.pools["p"], s.stagesDone, s.stages)
	}
}

func TestStateReleasesADependentWhenItsLastInputFinishes(t *testing.T) {
	g, ids := stateGraph(t, "a", "b", "c<a,b")
	s := started(t, g, false)
	mustNext(t, s, g, "a")
	mustNext(t, s, g, "b")
	noNext(t, s)
	wantState(t, s, "a running\nb running\nc waiting 2\n")
	s.finish(ids["b"], ran(g, ids["b"], Ran))
	noNext(t, s)
	s.finish(ids["a"], ran(g, ids["a"], Ran))
	mustNext(t, s, g, "c")
}

func TestStateFailureStopsTheBuildWithoutKeepGoing(t *testing.T) {
	g, ids := stateGraph(t, "a", "b<a", "c")
	s := started(t, g, false)
	mustNext(t, s, g, "a")
	mustNext(t, s, g, "c")
	if !s.finish(ids["a"], ran(g, ids["a"], Failed)) {
		t.Error("a failure without keep-going did not stop the build")
	}
	noNext(t, s)
	s.finish(ids["c"], ran(g, ids["c"], Ran)) // a running node still finishes
	wantState(t, s, "a done failed\nb waiting 1\nc done ran\n")
	if r := s.result(ids["b"]); r.State != Skipped || r.Name != "b" {
		t.Errorf("b: %+v, want skipped", r)
	}
}

func TestStateKeepGoingRunsWhatDoesNotDependOnAFailure(t *testing.T) {
	g, ids := stateGraph(t, "a", "b<a", "c", "d<c")
	s := started(t, g, true)
	mustNext(t, s, g, "a")
	if s.finish(ids["a"], ran(g, ids["a"], Failed)) {
		t.Error("keep-going stopped the build")
	}
	mustNext(t, s, g, "c")
	s.finish(ids["c"], ran(g, ids["c"], Ran))
	mustNext(t, s, g, "d")
	s.finish(ids["d"], ran(g, ids["d"], Ran))
	noNext(t, s)
	wantState(t, s, "a done failed\nb waiting 1\nc done ran\nd done ran\n")
}

func TestStateStopHandsOutNothingMore(t *testing.T) {
	g, ids := stateGraph(t, "a", "b", "c")
	s := started(t, g, true)
	mustNext(t, s, g, "a")
	s.stop() // an interrupt
	noNext(t, s)
	s.finish(ids["a"], ran(g, ids["a"], Ran))
	noNext(t, s)
	wantState(t, s, "a done ran\nb ready\nc ready\n")
}

func TestStateFailedSourceLeavesItsDependentsWaiting(t *testing.T) {
	g, ids := stateGraph(t, "a")
	s := newBuildState(g, g.closure(nil), make([]int64, len(g.Nodes)), false)
	if s.finish(ids["in"], NodeResult{Name: "file:in", Kind: Source, State: Failed}) {
		t.Error("a failed source stopped the build: the nodes that do not read it still build")
	}
	noNext(t, s)
	wantState(t, s, "a waiting 1\n")
}

func TestStateDryRunMarksWhatDependsOnAWouldRun(t *testing.T) {
	g, ids := stateGraph(t, "a", "b<a", "c")
	s := started(t, g, false)
	mustNext(t, s, g, "a")
	mustNext(t, s, g, "c")
	s.finish(ids["a"], ran(g, ids["a"], WouldRun))
	s.finish(ids["c"], ran(g, ids["c"], UpToDate))
	if !s.upstreamUnknown(ids["b"]) {
		t.Error("b's input would run, but b's inputs count as known")
	}
	if s.upstreamUnknown(ids["c"]) {
		t.Error("c reads only a source, but counts as unknown")
	}
	if s.out[ids["a"]] == (s.out[ids["c"]]) || s.out[ids["a"]].IsZero() {
		t.Error("a would-run node has no placeholder output digest")
	}
	mustNext(t, s, g, "b")
}

func TestStatePriorityThenIDOrdersTheReadyNodes(t *testing.T) {
	g, ids := stateGraph(t, "a", "b", "c")
	prio := make([]int64, len(g.Nodes))
	prio[ids["c"]], prio[ids["b"]] = 9, 9
	s := newBuildState(g, g.closure(nil), prio, false)
	s.finish(ids["in"], NodeResult{Name: "file:in", Kind: Source, State: Computed})
	mustNext(t, s, g, "b")
	mustNext(t, s, g, "c")
	mustNext(t, s, g, "a")
}
