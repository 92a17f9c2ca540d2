// Package dagster is the Reproducer for pipeline.tool: dagster. It loads
// dagster_defs.py with Dagster to declare one stage per asset, materialises
// exactly the assets sei found stale (Dagster itself re-runs whatever it is
// given), in a persistent instance with telemetry off, and anchors the
// metrics file in the bundle.
package dagster

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"seigarrena.dev/sei/adapters"
	"seigarrena.dev/sei/atomicfile"
)

// Adapter drives the dagster CLI of one repository.
type Adapter struct {
	*adapters.PythonTool
	metrics string // pipeline.metrics, repository-relative
	home    string // DAGSTER_HOME
	memo    *adapters.Memo
	// load is where the definitions are imported to list the assets: it
	// runs the team's code, so it is sandboxed as a stage is (nil: not).
	load *adapters.StageSandbox
}

// New finds dagster (adapters.FindPythonTool). The instance lives in
// <repo>/.dagster unless DAGSTER_HOME names an absolute directory: without
// one, Dagster keeps nothing between runs, so its own lineage (code
// versions, check results) would be lost.

func init() {
	adapters.Register("dagster", func(o adapters.Options) adapters.Reproducer {
		a := New(o.Repo, o.Metrics)
		a.memo = o.Memo
		if o.Sandbox != nil {
			a.load = o.Sandbox.For(a.Tool(), adapters.Stage{})
		}
		return a
	})
}

func New(repo, metrics string) *Adapter {
	home := filepath.Join(repo, ".dagster")
	if h := os.Getenv("DAGSTER_HOME"); filepath.IsAbs(h) {
		home = h
	}
	return &Adapter{metrics: metrics, home: home,
		PythonTool: adapters.FindPythonTool(repo, "dagster", "DAGSTER_HOME="+home, "DAGSTER_DISABLE_TELEMETRY=1")}
}

func (a *Adapter) Tool() string { return "dagster" }

// Stages are the assets, dependencies first. Each reads the definitions
// file and the outputs of the assets it depends on (an asset dependency
// without a shared file still orders the two); one at a time, because runs
// share the instance's SQLite storage.
func (a *Adapter) Stages() ([]adapters.Stage, error) {
	list, err := a.listAssets(context.Background())
	if err != nil {
		return nil, err
	}
	if list, err = ordered(list); err != nil {
		return nil, err
	}
	outs := map[string][]string{}
	for _, as := range list {
		outs[as.Key] = as.Out
	}
	var stages []adapters.Stage
	for _, as := range list {
		s := adapters.Stage{Name: as.Key, Pool: "dagster", PoolDepth: 1, Outputs: slices.Clone(as.Out),
			Command: materialize(as.Key)}
		seen := map[string]bool{}
		add := func(p string, c adapters.EdgeClass) {
			if !seen[p] {
				seen[p] = true
				s.Inputs = append(s.Inputs, adapters.Input{Path: p, Class: c})
			}
		}
		add(DefsFile, adapters.Impl)
		for _, p := range as.In {
			add(p, "")
		}
		for _, d := range as.Deps {
			for _, p := range outs[d] {
				add(p, "")
			}
		}
		stages = append(stages, s)
	}
	return stages, nil
}

// RunStage materialises one asset (and the checks on it) and nothing else.
func (a *Adapter) RunStage(ctx context.Context, repo string, s adapters.Stage) (adapters.Run, error) {
	if a.Bin != "" {
		if err := a.instance(); err != nil {
			return adapters.Run{}, fmt.Errorf("stage %s: %w", s.Name, err)
		}
	}
	return a.PythonTool.RunStage(ctx, repo, s)
}

// RunStages materialises several assets in one `dagster asset
// materialize --select a,b` (adapters.Batcher): Dagster orders them by
// their dependencies, and its start-up, most of a small asset's run, is
// paid once.
func (a *Adapter) RunStages(ctx context.Context, repo string, stages []adapters.Stage) (adapters.Run, error) {
	if len(stages) == 0 {
		return adapters.Run{}, nil
	}
	keys := make([]string, len(stages))
	var env []string
	for i, s := range stages {
		if !plainKey(s.Name) {
			return a.oneByOne(ctx, repo, stages)
		}
		keys[i] = s.Name
		env = append(env, s.Env...)
	}
	s := stages[0]
	s.Name = strings.Join(keys, ",")
	s.Command = materialize(s.Name)
	s.Env = env
	return a.RunStage(ctx, repo, s)
}

// plainKey: an asset key (names joined by "/") that a selection list
// cannot read as more than itself (Dagster's names are [A-Za-z0-9_]).
func plainKey(k string) bool {
	for _, c := range k {
		if !(c == '_' || c == '/' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return k != ""
}

// oneByOne runs stages in turn, stopping at the first failure, as one
// outcome.
func (a *Adapter) oneByOne(ctx context.Context, repo string, stages []adapters.Stage) (adapters.Run, error) {
	var all adapters.Run
	for _, s := range stages {
		r, err := a.RunStage(ctx, repo, s)
		all.Stdout, all.Stderr = append(all.Stdout, r.Stdout...), append(all.Stderr, r.Stderr...)
		all.Duration += r.Duration
		if all.ExitCode = r.ExitCode; err != nil || r.ExitCode != 0 {
			return all, err
		}
	}
	return all, nil
}

func materialize(selection string) []string {
	return []string{"dagster", "asset", "materialize", "-f", DefsFile, "--select", selection}
}

// instance makes DAGSTER_HOME with telemetry off, unless it has its own
// dagster.yaml, which is the team's to configure.
func (a *Adapter) instance() error {
	cfg := filepath.Join(a.home, "dagster.yaml")
	if _, err := os.Stat(cfg); err == nil {
		return nil
	}
	return atomicfile.Write(cfg, []byte("telemetry:\n  enabled: false\n"), 0o644)
}

// LockDigest is "sha256:" of the metrics file after the materialisation,
// as the specification defines pipeline_lock_digest for Dagster.
func (a *Adapter) LockDigest(_ context.Context, repo string) (string, error) {
	return adapters.FileDigest(repo, a.metrics)
}
