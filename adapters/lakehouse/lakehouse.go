// Package lakehouse is the adapter for pipelines over lakehouse tables
// (pipeline: {tool: lakehouse}): stages are plain commands, as for tool:
// command, that declare the Apache Iceberg and Delta Lake tables they read
// and write (reads:, writes:) besides files. The engine pins every table a
// stage reads at a snapshot, records the snapshot each written table moved
// to, and makes the pipeline's record (pipeline_lock_digest) the SHA-256 of
// those snapshots: a lakehouse keeps no lock file of its own, its table
// versions are the record.
package lakehouse

import (
	"context"
	"errors"

	"seigarrena.dev/sei/adapters"
	"seigarrena.dev/sei/adapters/command"
)

func init() {
	adapters.Register("lakehouse", func(o adapters.Options) adapters.Reproducer { return New(o.Stages, o.Metrics) })
}

// Adapter runs the stages it was given, as the command adapter does.
type Adapter struct{ *command.Adapter }

// New returns an adapter for stages whose results land in metrics.
func New(stages []adapters.Stage, metrics string) *Adapter {
	return &Adapter{command.New(stages, metrics)}
}

func (a *Adapter) Tool() string { return "lakehouse" }

// Version is fixed: a stage's command line and the tables' snapshots are
// in its key, and the table libraries are the stage's own.
func (a *Adapter) Version(context.Context) (string, error) { return "lakehouse/1", nil }

// RecordsTables marks the adapter as an adapters.TableLocker.
func (a *Adapter) RecordsTables() {}

// errFromTables is returned by LockDigest: the digest is computed by the
// engine from the run's table snapshots, never from a file here.
var errFromTables = errors.New("lakehouse: pipeline_lock_digest is the digest of the run's table snapshots (attest.TablesLockDigest)")

// LockDigest is not read from the repository for this tool; see errFromTables.
func (a *Adapter) LockDigest(context.Context, string) (string, error) { return "", errFromTables }
