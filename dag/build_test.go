package dag

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"seigarrena.dev/sei/adapters"
	"seigarrena.dev/sei/cache"
	"seigarrena.dev/sei/manifest"
)

// countingAdapter records how many stages run at once.
type countingAdapter struct{ now, peak atomic.Int32 }

func (a *countingAdapter) Tool() string                                       { return "counting" }
func (a *countingAdapter) Version(context.Context) (string, error)            { return "1", nil }
func (a *countingAdapter) Stages() ([]adapters.Stage, error)                  { return nil, nil }
func (a *countingAdapter) LockDigest(context.Context, string) (string, error) { return "", nil }
func (a *countingAdapter) RunStage(_ context.Context, repo string, s adapters.Stage) (adapters.Run, error) {
	n := a.now.Add(1)
	for {
		p := a.peak.Load()
		if n <= p || a.peak.CompareAndSwap(p, n) {
			break
		}
	}
	time.Sleep(30 * time.Millisecond)
	a.now.Add(-1)
	return adapters.Run{}, os.WriteFile(filepath.Join(repo, s.Outputs[0]), []byte(s.Name), 0o644)
}

func runStages(t *testing.T, stages []adapters.Stage, jobs int) (*countingAdapter, *Report) {
	t.Helper()
	m, err := manifest.Parse("sei.yaml", []byte("apiVersion: seigarrena.dev/v1alpha1\nkind: AISystem\nsystem: {name: p, intended_purpose: p}\n"))
	if err != nil {
		t.Fatal(err)
	}
	g, err := Lower(m, stages)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	st, err := cache.Open(filepath.Join(dir, ".sei", "cache"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	a := &countingAdapter{}
	rep, err := (&Builder{G: g, M: m, Repo: dir, Store: st, Adapter: a, Jobs: jobs}).Build(context.Background(), nil)
	if err != nil || !rep.OK() {
		t.Fatalf("build: %v", err)
	}
	return a, rep
}

func TestPoolLimitsConcurrency(t *testing.T) {
	var pooled, free []adapters.Stage
	for i := range 4 {
		name := strconv.Itoa(i)
		pooled = append(pooled, adapters.Stage{Name: name, Outputs: []string{name}, Pool: "dvc", PoolDepth: 1})
		free = append(free, adapters.Stage{Name: name, Outputs: []string{name}})
	}
	if a, rep := runStages(t, pooled, 4); a.peak.Load() != 1 || rep.Ran != 4 {
		t.Errorf("pool depth 1: %d stages at once, %d ran", a.peak.Load(), rep.Ran)
	}
	if a, _ := runStages(t, free, 4); a.peak.Load() < 2 {
		t.Errorf("without a pool, -j 4 ran at most %d at once", a.peak.Load())
	}
}
