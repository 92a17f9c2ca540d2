package dagster

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"seigarrena.dev/sei/adapters"
)

// noTools is an adapter for a repository with no dagster anywhere.
func noTools(t *testing.T) (*Adapter, string) {
	t.Helper()
	t.Setenv("PATH", t.TempDir())
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, DefsFile), []byte("# defs\n"), 0o644)
	return New(dir, "metrics.json"), dir
}

func TestStagesFromAssetGraph(t *testing.T) {
	a, _ := noTools(t)
	// The asset graph as Dagster prints it (keys sorted, not dependency order).
	graph := `[{"key": "evaluation", "deps": ["features"], "sei_deps": ["train.py"], "sei_outs": ["metrics.json"]},
	           {"key": "features", "deps": [], "sei_deps": ["data/raw.csv"], "sei_outs": ["data/features.csv"]}]`
	memo := a.memoPath("", []byte("# defs\n"))
	os.MkdirAll(filepath.Dir(memo), 0o755)
	os.WriteFile(memo, []byte(graph), 0o644)
	stages, err := a.Stages()
	if err != nil {
		t.Fatal(err)
	}
	if len(stages) != 2 || stages[0].Name != "features" || stages[1].Name != "evaluation" {
		t.Fatalf("stages %+v, want features then evaluation", stages)
	}
	ev := stages[1]
	var ins []string
	for _, in := range ev.Inputs {
		ins = append(ins, in.Path+"/"+string(in.Class))
	}
	// The definitions file (impl), the declared files, and the upstream asset's outputs.
	if got := strings.Join(ins, " "); got != "dagster_defs.py/impl train.py/ data/features.csv/" {
		t.Errorf("evaluation inputs: %s", got)
	}
	if got := strings.Join(ev.Command, " "); got != "dagster asset materialize -f dagster_defs.py --select evaluation" {
		t.Errorf("evaluation command: %s", got)
	}
	if ev.Pool != "dagster" || ev.PoolDepth != 1 {
		t.Errorf("pool %s/%d, want dagster/1", ev.Pool, ev.PoolDepth)
	}
}

func TestOrderedRefusesCycles(t *testing.T) {
	_, err := ordered([]asset{{Key: "a", Deps: []string{"b"}}, {Key: "b", Deps: []string{"a"}}})
	if err == nil || !strings.Contains(err.Error(), "depends on itself") {
		t.Fatalf("cycle: %v", err)
	}
}

// Without dagster, reading the graph (when it is not kept) and running a
// stage both say what is missing; running names the stage.
func TestMissingDagster(t *testing.T) {
	a, dir := noTools(t)
	if _, err := a.Stages(); err == nil || !strings.Contains(err.Error(), "dagster not found") {
		t.Fatalf("Stages without dagster: %v", err)
	}
	_, err := a.RunStage(context.Background(), dir, adapters.Stage{Name: "features"})
	if err == nil || !strings.Contains(err.Error(), "stage features: dagster not found") {
		t.Fatalf("RunStage without dagster: %v", err)
	}
}
