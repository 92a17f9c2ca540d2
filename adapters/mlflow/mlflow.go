// Package mlflow is the Reproducer for pipeline.tool: mlflow. It reads
// MLproject to declare one stage per entry point, runs each stale entry
// point with `mlflow run --env-manager local` against a SQLite tracking
// store in the repository, reads the run back with `mlflow runs describe`,
// checks that the metrics file says what the run logged, and anchors the
// canonical digest of the run's metrics in the bundle.
package mlflow

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"seigarrena.dev/sei/adapters"
)

// Adapter drives the mlflow CLI of one repository.
type Adapter struct {
	*adapters.PythonTool
	metrics string // pipeline.metrics, repository-relative
}

// New finds mlflow (adapters.FindPythonTool) and prepares an offline,
// quiet environment: the tracking store is sqlite:///<repo>/mlflow.db (an
// absolute path: `mlflow run` hands the URI to a child whose working
// directory may differ, and MLflow 3.13+ refuses the ./mlruns file store),
// and telemetry is off.

func init() {
	adapters.Register("mlflow", func(o adapters.Options) adapters.Reproducer { return New(o.Repo, o.Metrics) })
}

func New(repo, metrics string) *Adapter {
	return &Adapter{metrics: metrics, PythonTool: adapters.FindPythonTool(repo, "mlflow",
		"MLFLOW_TRACKING_URI=sqlite:///"+filepath.ToSlash(filepath.Join(repo, "mlflow.db")),
		"MLFLOW_DISABLE_TELEMETRY=true", "DO_NOT_TRACK=true",
		"GIT_PYTHON_REFRESH=quiet", // a missing git binary is not an error
	)}
}

func (a *Adapter) Tool() string { return "mlflow" }

// Stages are MLproject's entry points that declare files. Each stage also
// reads MLproject (its command lives there) and writes its run record; the
// entry's command text is part of the stage's command, hence of its key.
// One at a time: runs share one SQLite store and one registry.
func (a *Adapter) Stages() ([]adapters.Stage, error) {
	p, err := readProject(a.Repo)
	if err != nil {
		return nil, err
	}
	var out []adapters.Stage
	for _, e := range p.entries {
		s := adapters.Stage{Name: e.name, Pool: "mlflow", PoolDepth: 1,
			Command: []string{"mlflow", "run", ".", "-e", e.name, "--env-manager", "local",
				"--experiment-name", p.name},
			Inputs:  []adapters.Input{{Path: ProjectFile, Class: adapters.Impl}},
			Outputs: append(slices.Clone(e.outs), recordPath(e.name)),
		}
		for _, d := range e.deps {
			s.Inputs = append(s.Inputs, adapters.Input{Path: d})
		}
		s.Command = append(s.Command, "#", e.command) // key only; stripped before running
		out = append(out, s)
	}
	return out, nil
}

// PipelineFiles is MLproject, the one file Stages reads
// (adapters.Described).
func (a *Adapter) PipelineFiles() ([]string, error) { return []string{ProjectFile}, nil }

// argv is the stage's command without the key-only tail.
func argv(s adapters.Stage) []string {
	if i := slices.Index(s.Command, "#"); i >= 0 {
		return s.Command[:i]
	}
	return s.Command
}

// RunStage runs one entry point and records its run; the run that writes
// the metrics file is read back first.
// A run that fails is a Run with its exit code and output; a run whose
// record cannot be read or disagrees with the metrics file is an error
// naming the stage.
func (a *Adapter) RunStage(ctx context.Context, repo string, s adapters.Stage) (adapters.Run, error) {
	run, err := a.PythonTool.RunStage(ctx, repo, adapters.Stage{Name: s.Name, Command: argv(s)})
	if err != nil || run.ExitCode != 0 {
		return run, err
	}
	id, ok := runID(run.Stderr)
	if !ok {
		return run, fmt.Errorf("stage %s: mlflow run printed no run id:\n%s", s.Name, run.Stderr)
	}
	// Only the run that writes the metrics file is read back: describing
	// costs a Python start-up (about 5 s), and the other runs' metrics
	// reach neither the gate nor the bundle.
	rec := &RunRecord{EntryPoint: s.Name, RunID: id}
	if slices.Contains(s.Outputs, a.metrics) {
		if rec, err = a.describe(ctx, repo, s.Name, id); err != nil {
			return run, err
		}
		data, err := os.ReadFile(filepath.Join(repo, filepath.FromSlash(a.metrics)))
		if err != nil {
			return run, fmt.Errorf("stage %s: %w", s.Name, err)
		}
		if err := agree(rec, a.metrics, data); err != nil {
			return run, fmt.Errorf("stage %s: %w", s.Name, err)
		}
	}
	if err := writeRecord(repo, rec); err != nil {
		return run, fmt.Errorf("stage %s: %w", s.Name, err)
	}
	return run, nil
}

// describe reads a run back through the CLI, as an auditor would.
func (a *Adapter) describe(ctx context.Context, repo, entry, id string) (*RunRecord, error) {
	r, err := a.Run(ctx, repo, entry, "runs", "describe", "--run-id", id)
	if err != nil {
		return nil, err
	}
	if r.ExitCode != 0 {
		return nil, fmt.Errorf("stage %s: mlflow runs describe --run-id %s: exit %d\n%s", entry, id, r.ExitCode, r.Stderr)
	}
	rec, err := parseDescribe(entry, r.Stdout)
	if err != nil {
		return nil, fmt.Errorf("stage %s: %w", entry, err)
	}
	return rec, nil
}

// LockDigest is the canonical SHA-256 of the metrics of the run that wrote
// the metrics file, from its run record: read back with `mlflow runs
// describe` when the run finished, so that a no-op `sei run` does not pay
// a Python start-up to ask again.
func (a *Adapter) LockDigest(_ context.Context, repo string) (string, error) {
	stages, err := a.Stages()
	if err != nil {
		return "", err
	}
	for _, s := range stages {
		if slices.Contains(s.Outputs, a.metrics) {
			rec, err := readRecord(repo, s.Name)
			if err != nil {
				return "", err
			}
			if rec.MetricsDigest == "" {
				return "", fmt.Errorf("%s: run %s has no metrics digest", recordPath(s.Name), rec.RunID)
			}
			return rec.MetricsDigest, nil
		}
	}
	return "", fmt.Errorf("%s: no entry point lists %s in its outs", ProjectFile, a.metrics)
}
