// Package adapters is the Reproducer seam: one interface that every pipeline
// tool implements (dvc, mlflow, dagster, command), so the engine never
// imports a tool. An adapter declares its stages, their inputs, outputs and
// edge classes, and runs one stage when the engine finds it stale.
package adapters

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// EdgeClass is the drift class of what flows along an edge.
type EdgeClass string

const (
	Scope EdgeClass = "scope" // drift A: purpose, task, context, risk programme
	Impl  EdgeClass = "impl"  // drift B: treatment, code, parameters, tool versions
	Data  EdgeClass = "data"  // drift C: the dataset and data stages
)

// Classes in the order every report uses.
var Classes = []EdgeClass{Scope, Impl, Data}

// Input is one file or directory a stage reads, with its class.
type Input struct {
	Path  string    // repository path, slash-separated
	Class EdgeClass // Impl or Data
	// Table names a dataset.tables entry the stage reads, instead of a
	// path (Path is then empty).
	Table string
}

// Stage is one unit the tool recomputes.
type Stage struct {
	Name    string
	Command []string // argv, run in the repository root
	Inputs  []Input
	Outputs []string // repository paths the stage writes
	// Pool limits how many stages of this pool run at once (0: no limit).
	// DVC holds a repository lock, so its adapter uses pool depth 1.
	Pool      string
	PoolDepth int
	// Env are variables the run adds to the stage's environment (the
	// pinned snapshot of each table it reads), set by the engine.
	Env []string
	// Writes are the lakehouse tables the stage writes (dataset.tables).
	Writes []TableWrite
}

// TableWrite is a table a stage writes, by dataset.tables name, and the
// directory it commits into (a Delta table's directory, an Iceberg SQL
// catalog's directory with its warehouse): a table is changed in place by
// its commits, so a strict sandbox binds this directory read-write.
type TableWrite struct {
	Table string
	Dir   string // repository path
}

// TableLocker marks an adapter whose pipeline record is the table
// snapshots a run read and wrote, not a file: the engine computes its
// pipeline_lock_digest from them (attest.TablesLockDigest).
type TableLocker interface {
	Reproducer
	RecordsTables()
}

// Run is what running a stage produced.
type Run struct {
	ExitCode int
	Stdout   []byte
	Stderr   []byte
	Duration time.Duration
}

// Reproducer is implemented by every adapter.
type Reproducer interface {
	// Tool is the pipeline.tool value the adapter serves.
	Tool() string
	// Version identifies the tool; it enters every stage's key.
	Version(ctx context.Context) (string, error)
	// Stages lists the pipeline's stages in declaration order.
	Stages() ([]Stage, error)
	// RunStage runs one stage in the repository root.
	RunStage(ctx context.Context, repo string, s Stage) (Run, error)
	// LockDigest is the bundle's pipeline_lock_digest ("sha256:<hex>"): the
	// tool's own record of what it computed, read after a complete run.
	LockDigest(ctx context.Context, repo string) (string, error)
}

// Described is an adapter whose stages are read from files alone:
// PipelineFiles are every repository path Stages reads or checks for,
// present or not (dvc.yaml and the .dvc files that make an input data).
// A record of a command that depends on the stages but not on the tool
// (sei status) lists them.
type Described interface {
	PipelineFiles() ([]string, error)
}

// Batcher is an adapter that can run several stages in one tool process,
// in their dependency order: Dagster's start-up (a Python interpreter,
// Dagster and the definitions imported: 4–6 s) is most of a small asset's
// run, and one `dagster asset materialize --select a,b` pays it once.
type Batcher interface {
	Reproducer
	// RunStages runs stages, dependencies first, in one process: one
	// outcome for all of them.
	RunStages(ctx context.Context, repo string, stages []Stage) (Run, error)
}

// FileDigest is "sha256:<hex>" of a repository file, the form of
// pipeline_lock_digest for adapters whose record is one file.
func FileDigest(repo, rel string) (string, error) {
	data, err := os.ReadFile(filepath.Join(repo, filepath.FromSlash(rel)))
	if err != nil {
		return "", fmt.Errorf("pipeline lock digest: %w", err)
	}
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:]), nil
}
