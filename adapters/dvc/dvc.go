// Package dvc is the Reproducer for pipeline.tool: dvc. It reads dvc.yaml
// to declare the stages, runs exactly the stages sei found stale with
// `dvc repro --single-item` (DVC holds a repository lock, so one at a time),
// offline and quiet, and anchors dvc.lock in the bundle.
package dvc

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"seigarrena.dev/sei/adapters"
	"seigarrena.dev/sei/adapters/command"
)

// Adapter drives the dvc CLI of one repository.
type Adapter struct {
	repo string
	bin  string // the dvc executable; "" when none was found
	env  []string
}

// New finds dvc (adapters.FindTool) and prepares its environment.
func New(repo string) *Adapter {
	a := &Adapter{repo: repo, bin: adapters.FindTool(repo, "dvc")}
	tmp := filepath.Join(repo, ".dvc", "tmp")
	a.env = append(command.ScrubbedEnv(os.Environ()),
		"DVC_NO_ANALYTICS=1", // no telemetry
		"DVC_SITE_CACHE_DIR="+filepath.Join(tmp, "site-cache"),    // no machine-wide state shared between checkouts
		"DVC_GLOBAL_CONFIG_DIR="+filepath.Join(tmp, "global-cfg"), // the user's and the system's DVC config
		"DVC_SYSTEM_CONFIG_DIR="+filepath.Join(tmp, "system-cfg"), // cannot change a result
	)
	return a
}

func (a *Adapter) Tool() string { return "dvc" }

// Version comes from the package metadata (adapters.DistVersion).
func (a *Adapter) Version(ctx context.Context) (string, error) {
	if a.bin == "" {
		return "", a.missing()
	}
	return adapters.DistVersion(ctx, a.bin, "dvc", func(ctx context.Context) (string, error) {
		r, err := command.Exec(ctx, a.repo, a.env, "dvc --version", []string{a.bin, "--version"})
		if err != nil || r.ExitCode != 0 {
			return "", fmt.Errorf("%s --version failed: %v %s", a.bin, err, r.Stderr)
		}
		return strings.TrimSpace(string(r.Stdout)), nil
	})
}

func (a *Adapter) missing() error { return adapters.MissingTool(a.repo, "dvc") }

// Stages are dvc.yaml's. dvc.lock is an output of every sink stage (one
// whose outputs no stage reads), so that restoring a sink from sei's cache
// restores the lock DVC wrote with it; an inner stage must not own the lock,
// or each run's lock would change its output digest and defeat early cutoff.
func (a *Adapter) Stages() ([]adapters.Stage, error) {
	stages, err := readPipeline(a.repo)
	if err != nil {
		return nil, err
	}
	read := map[string]bool{}
	for _, s := range stages {
		for _, in := range s.Inputs {
			read[in.Path] = true
		}
	}
	for i := range stages {
		s := &stages[i]
		s.Command = []string{"dvc", "repro", "--single-item", "-q", s.Name}
		sink := true
		for _, o := range s.Outputs {
			sink = sink && !read[o]
		}
		if sink {
			s.Outputs = append(s.Outputs, "dvc.lock")
		}
	}
	return stages, nil
}

// RunStage runs one stage and only that one: sei has already decided that
// it is stale and that its dependencies are current.
func (a *Adapter) RunStage(ctx context.Context, repo string, s adapters.Stage) (adapters.Run, error) {
	if a.bin == "" {
		return adapters.Run{}, fmt.Errorf("stage %s: %w", s.Name, a.missing())
	}
	if _, err := os.Stat(filepath.Join(repo, ".dvc")); err != nil {
		return adapters.Run{}, fmt.Errorf("stage %s: %s is not a DVC repository; run `dvc init` there first", s.Name, repo)
	}
	return command.Exec(ctx, repo, a.env, s.Name, append([]string{a.bin}, s.Command[1:]...))
}

// LockDigest is "sha256:" of dvc.lock, as the specification defines
// pipeline_lock_digest for DVC.
func (a *Adapter) LockDigest(_ context.Context, repo string) (string, error) {
	return adapters.FileDigest(repo, "dvc.lock")
}
