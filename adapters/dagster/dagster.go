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
	"seigarrena.dev/sei/adapters/command"
	"seigarrena.dev/sei/atomicfile"
)

// Adapter drives the dagster CLI of one repository.
type Adapter struct {
	repo    string
	bin     string // the dagster executable; "" when none was found
	python  string // the Python next to it, to read the asset graph
	metrics string // pipeline.metrics, repository-relative
	home    string // DAGSTER_HOME
	env     []string
}

// New finds dagster (adapters.FindTool). The instance lives in
// <repo>/.dagster unless DAGSTER_HOME names an absolute directory: without
// one, Dagster keeps nothing between runs, so its own lineage (code
// versions, check results) would be lost.
func New(repo, metrics string) *Adapter {
	a := &Adapter{repo: repo, bin: adapters.FindTool(repo, "dagster"), metrics: metrics,
		home: filepath.Join(repo, ".dagster")}
	if h := os.Getenv("DAGSTER_HOME"); filepath.IsAbs(h) {
		a.home = h
	}
	env := command.ScrubbedEnv(os.Environ())
	if a.bin != "" {
		a.python = filepath.Join(filepath.Dir(a.bin), "python")
		env = adapters.WithPath(env, filepath.Dir(a.bin))
	}
	a.env = append(env, "DAGSTER_HOME="+a.home, "DAGSTER_DISABLE_TELEMETRY=1")
	return a
}

func (a *Adapter) Tool() string { return "dagster" }

func (a *Adapter) missing() error { return adapters.MissingTool(a.repo, "dagster") }

// Version comes from the package metadata (adapters.DistVersion).
func (a *Adapter) Version(ctx context.Context) (string, error) {
	if a.bin == "" {
		return "", a.missing()
	}
	return adapters.DistVersion(ctx, a.bin, "dagster", func(ctx context.Context) (string, error) {
		r, err := command.Exec(ctx, a.repo, a.env, "dagster --version", []string{a.bin, "--version"})
		if err != nil || r.ExitCode != 0 {
			return "", fmt.Errorf("%s --version failed: %v %s", a.bin, err, r.Stderr)
		}
		return strings.TrimSpace(string(r.Stdout)), nil
	})
}

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
			Command: []string{"dagster", "asset", "materialize", "-f", DefsFile, "--select", as.Key}}
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
	if a.bin == "" {
		return adapters.Run{}, fmt.Errorf("stage %s: %w", s.Name, a.missing())
	}
	if err := a.instance(); err != nil {
		return adapters.Run{}, fmt.Errorf("stage %s: %w", s.Name, err)
	}
	return command.Exec(ctx, repo, a.env, s.Name, append([]string{a.bin}, s.Command[1:]...))
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
