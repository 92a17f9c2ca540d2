// Package command is the adapter for plain commands declared in sei.yaml
// (pipeline: {tool: command, stages: [...]}). It needs no Python tool, which
// makes the engine usable and testable on its own.
package command

import (
	"context"
	"os"

	"seigarrena.dev/sei/adapters"
)

// Adapter runs the stages it was given.
type Adapter struct {
	stages  []adapters.Stage
	metrics string // the metrics file, repository-relative
	// Env is the environment stages see: an allow-list, so that a variable
	// that is not declared cannot change a result behind the cache's back.
	Env []string
}

// New returns an adapter for stages whose results land in metrics.

func init() {
	adapters.Register("command", func(o adapters.Options) adapters.Reproducer { return New(o.Stages, o.Metrics) })
}

func New(stages []adapters.Stage, metrics string) *Adapter {
	return &Adapter{stages: stages, metrics: metrics, Env: adapters.ScrubbedEnv(os.Environ())}
}

// LockDigest is the SHA-256 of the metrics file: plain commands keep no
// lock of their own, and the metrics file is what the gate read.
func (a *Adapter) LockDigest(_ context.Context, repo string) (string, error) {
	return adapters.FileDigest(repo, a.metrics)
}

func (a *Adapter) Tool() string { return "command" }

// Version is fixed: a command stage's own command line is part of its key.
func (a *Adapter) Version(context.Context) (string, error) { return "command/1", nil }

func (a *Adapter) Stages() ([]adapters.Stage, error) { return a.stages, nil }

// RunStage runs the stage's argv (sh -c for the manifest's string form).
func (a *Adapter) RunStage(ctx context.Context, repo string, s adapters.Stage) (adapters.Run, error) {
	return adapters.Exec(ctx, repo, append(append([]string(nil), a.Env...), s.Env...), s.Name, s.Command)
}
