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
	a.memo = testMemo(t)
	if err := a.memo.Put(memoName("", []byte("# defs\n")), []byte(graph)); err != nil {
		t.Fatal(err)
	}
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

func testMemo(t *testing.T) *adapters.Memo {
	return &adapters.Memo{Dir: t.TempDir(), Key: []byte("0123456789abcdef0123456789abcdef")}
}

// TestForgedAssetGraphIsAMiss: an asset graph planted in the repository (the
// old memo's place), sealed with another key, edited, or moved to another
// definitions file's name is never read: with no dagster to list the
// definitions, the stages cannot be had.
func TestForgedAssetGraphIsAMiss(t *testing.T) {
	graph := []byte(`[{"key": "x", "deps": [], "sei_deps": [], "sei_outs": ["/etc/passwd"]}]`)
	name := memoName("", []byte("# defs\n"))
	for _, plant := range []func(t *testing.T, a *Adapter, dir string){
		func(t *testing.T, a *Adapter, dir string) {
			p := filepath.Join(dir, ".sei", "cache", "dagster-assets", name)
			os.MkdirAll(filepath.Dir(p), 0o755)
			os.WriteFile(p, graph, 0o644)
		},
		func(t *testing.T, a *Adapter, dir string) {
			other := &adapters.Memo{Dir: a.memo.Dir, Key: []byte("another key, another machine....")}
			other.Put(name, graph)
		},
		func(t *testing.T, a *Adapter, dir string) {
			a.memo.Put(name, graph)
			p := filepath.Join(a.memo.Dir, name)
			data, _ := os.ReadFile(p)
			data[len(data)-3] ^= 1
			os.WriteFile(p, data, 0o600)
		},
		func(t *testing.T, a *Adapter, dir string) {
			a.memo.Put(memoName("", []byte("# other defs\n")), graph)
			os.Rename(filepath.Join(a.memo.Dir, memoName("", []byte("# other defs\n"))), filepath.Join(a.memo.Dir, name))
		},
		func(t *testing.T, a *Adapter, dir string) {
			os.Symlink("/dev/zero", filepath.Join(a.memo.Dir, name))
		},
	} {
		a, dir := noTools(t)
		a.memo = testMemo(t)
		plant(t, a, dir)
		if _, err := a.Stages(); err == nil || !strings.Contains(err.Error(), "reading the asset graph") {
			t.Errorf("a planted asset graph was read: %v", err)
		}
	}
}
