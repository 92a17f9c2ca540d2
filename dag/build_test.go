package dag

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"seigarrena.dev/sei/adapters"
	"seigarrena.dev/sei/cache"
	"seigarrena.dev/sei/manifest"
)

// gateAdapter runs a stage only when the test releases it: each start is
// sent on started (when set) and waits for a token on release, so the
// tests decide what finishes when and never sleep. It records how many
// stages ran and how many ran at once; a stage named in fail exits 1.
type gateAdapter struct {
	started chan string
	release chan struct{}
	fail    map[string]bool

	now, peak, runs atomic.Int32
}

func (a *gateAdapter) Tool() string                                       { return "gate" }
func (a *gateAdapter) Version(context.Context) (string, error)            { return "1", nil }
func (a *gateAdapter) Stages() ([]adapters.Stage, error)                  { return nil, nil }
func (a *gateAdapter) LockDigest(context.Context, string) (string, error) { return "", nil }
func (a *gateAdapter) RunStage(_ context.Context, repo string, s adapters.Stage) (adapters.Run, error) {
	a.runs.Add(1)
	n := a.now.Add(1)
	for {
		p := a.peak.Load()
		if n <= p || a.peak.CompareAndSwap(p, n) {
			break
		}
	}
	if a.started != nil {
		a.started <- s.Name
		<-a.release
	}
	a.now.Add(-1)
	if a.fail[s.Name] {
		return adapters.Run{ExitCode: 1}, nil
	}
	return adapters.Run{}, os.WriteFile(filepath.Join(repo, s.Outputs[0]), []byte(s.Name), 0o644)
}

func gated() *gateAdapter {
	return &gateAdapter{started: make(chan string), release: make(chan struct{}), fail: map[string]bool{}}
}

// recv is the next stage to start. The timeout only turns a scheduler
// that never starts it into a failure instead of a hung test.
func recv(t *testing.T, a *gateAdapter) string {
	t.Helper()
	select {
	case name := <-a.started:
		return name
	case <-time.After(30 * time.Second):
		t.Fatal("no stage started")
		return ""
	}
}

// stage is a stage writing a file of its name and reading the outputs of
// deps.
func stage(name string, deps ...string) adapters.Stage {
	s := adapters.Stage{Name: name, Outputs: []string{name}}
	for _, d := range deps {
		s.Inputs = append(s.Inputs, adapters.Input{Path: d, Class: adapters.Data})
	}
	return s
}

// builder is a Builder over stages in a fresh repository and cache.
func builder(t *testing.T, a adapters.Reproducer, stages ...adapters.Stage) *Builder {
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
	t.Cleanup(func() { st.Close() })
	return &Builder{G: g, M: m, Repo: dir, Store: st, Adapter: a, Jobs: 1}
}

type built struct {
	rep *Report
	err error
}

func buildAsync(ctx context.Context, b *Builder) chan built {
	c := make(chan built, 1)
	go func() {
		rep, err := b.Build(ctx, nil)
		c <- built{rep, err}
	}()
	return c
}

// states is each stage's state in the report, "name=state" sorted by name.
func states(rep *Report) string {
	var out []string
	for _, r := range rep.Results {
		if r.Kind == Stage {
			out = append(out, strings.TrimPrefix(r.Name, "stage:")+"="+string(r.State))
		}
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

func TestPoolLimitsConcurrency(t *testing.T) {
	var pooled []adapters.Stage
	for i := range 4 {
		s := stage(strconv.Itoa(i))
		s.Pool, s.PoolDepth = "dvc", 1
		pooled = append(pooled, s)
	}
	a := gated()
	b := builder(t, a, pooled...)
	b.Jobs = 4
	done := buildAsync(context.Background(), b)
	for range 4 {
		recv(t, a)
		a.release <- struct{}{}
	}
	if r := <-done; r.err != nil || r.rep.Ran != 4 || a.peak.Load() != 1 {
		t.Errorf("pool depth 1, -j 4: %d ran, %d at once (%v)", r.rep.Ran, a.peak.Load(), r.err)
	}
}

func TestJobsRunStagesAtOnce(t *testing.T) {
	a := gated()
	b := builder(t, a, stage("0"), stage("1"), stage("2"))
	b.Jobs = 2
	done := buildAsync(context.Background(), b)
	first, second := recv(t, a), recv(t, a) // both started before either is released
	a.release <- struct{}{}
	a.release <- struct{}{}
	recv(t, a)
	a.release <- struct{}{}
	if r := <-done; r.err != nil || r.rep.Ran != 3 || a.peak.Load() != 2 {
		t.Errorf("-j 2: %d ran, %d at once, first %s and %s (%v)", r.rep.Ran, a.peak.Load(), first, second, r.err)
	}
}

func TestInterruptStartsNothingMore(t *testing.T) {
	a := gated()
	b := builder(t, a, stage("a"), stage("b"), stage("c"))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := buildAsync(ctx, b)
	recv(t, a)
	cancel()
	a.release <- struct{}{}
	r := <-done
	if got := states(r.rep); got != "a=failed b=skipped c=skipped" || a.runs.Load() != 1 {
		t.Errorf("interrupted while a ran: %s, %d runs", got, a.runs.Load())
	}
}

func TestFailureStopsUnlessKeepGoing(t *testing.T) {
	for _, keep := range []bool{false, true} {
		a := gated()
		a.fail["a"] = true
		// a has a dependent, so its critical path is longer: it starts first.
		b := builder(t, a, stage("a"), stage("b", "a"), stage("c"))
		b.KeepGoing = keep
		done := buildAsync(context.Background(), b)
		if first := recv(t, a); first != "a" {
			t.Fatalf("%s started first, want a (the longer critical path)", first)
		}
		a.release <- struct{}{}
		want := "a=failed b=skipped c=skipped"
		if keep {
			recv(t, a)
			a.release <- struct{}{}
			want = "a=failed b=skipped c=ran"
		}
		if got := states((<-done).rep); got != want {
			t.Errorf("keep-going %v: %s, want %s", keep, got, want)
		}
	}
}

func TestNullBuildRunsNothing(t *testing.T) {
	a := &gateAdapter{}
	b := builder(t, a, stage("a"), stage("b", "a"), stage("c"))
	for round, want := range []string{"a=ran b=ran c=ran", "a=up-to-date b=up-to-date c=up-to-date"} {
		before := a.runs.Load()
		rep, err := b.Build(context.Background(), nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := states(rep); got != want {
			t.Errorf("build %d: %s, want %s", round+1, got, want)
		}
		if round == 1 && a.runs.Load() != before {
			t.Errorf("the null build ran %d stages", a.runs.Load()-before)
		}
	}
}

func TestDryRunRunsNothingAndReportsDependents(t *testing.T) {
	a := &gateAdapter{}
	b := builder(t, a, stage("a"), stage("b", "a"), stage("c"))
	b.DryRun = true
	rep, err := b.Build(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := states(rep); got != "a=would-run b=would-run c=would-run" || a.runs.Load() != 0 {
		t.Errorf("dry run: %s, %d runs", got, a.runs.Load())
	}
	for _, r := range rep.Results {
		if r.Name == "stage:b" && r.Reason != "an input would be rebuilt" {
			t.Errorf("b's reason: %q", r.Reason)
		}
	}
}
