package dag

import (
	"seigarrena.dev/sei/adapters"
	"seigarrena.dev/sei/table"
)

// Kind says how a node is computed.
type Kind string

const (
	// Source nodes are declared inputs: a file or directory of the work tree,
	// or a section of sei.yaml. Their output is their content digest.
	Source Kind = "source"
	// Rule nodes are computed in-process from the manifest and upstream
	// outputs (classification, risks, plan, measurements, gate).
	Rule Kind = "rule"
	// Stage nodes are pipeline stages run through the adapter.
	Stage Kind = "stage"
)

// Node is one vertex of the build graph.
type Node struct {
	ID   NodeID
	Name string // "file:train.py", "manifest:system", "classification", "stage:evaluate"
	Kind Kind
	// Class is the drift class a source carries into every node that
	// depends on it, however far downstream: a dataset change is class C
	// for the model measurement too, because that is its root cause.
	Class adapters.EdgeClass
	// Path is a file source's repository path.
	Path string
	// Content is a manifest section's canonical bytes.
	Content []byte
	// Table is a lakehouse table source (dataset.tables): its digest is
	// its identity now (uuid, snapshot, metadata), read in Go.
	Table *table.Ref
	// Writes are the tables a stage node writes, by dataset.tables name:
	// each is the stage's output, as its files are.
	Writes []TableOut
	// Stage is a stage node's declaration.
	Stage *adapters.Stage
	// Section marks the nodes sei.lock and sei status report on, with the
	// class that names them in the lock (edge_type).
	Section  bool
	LockType adapters.EdgeClass
}

// TableOut is a table a stage writes.
type TableOut struct {
	Name string // dataset.tables name
	Ref  table.Ref
}
