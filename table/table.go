// Package table reads the state of lakehouse tables in Go, with no Python
// start-up, so that `sei status` stays in milliseconds: an Apache Iceberg
// table through its SQL catalog (a SQLite file) and its metadata JSON, a
// Delta Lake table through its _delta_log. A table's identity is its uuid
// plus its current snapshot (Iceberg) or version (Delta) plus the SHA-256
// of the metadata file that says so.
package table

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
)

// Format is a table format.
type Format string

const (
	Iceberg Format = "iceberg"
	Delta   Format = "delta"
)

// Ref names a table: for Iceberg, the SQL catalog file (repository path)
// and "namespace.table"; for Delta, the table's directory.
type Ref struct {
	Format  Format
	Catalog string // Iceberg: the SQLite catalog file
	Name    string // Iceberg: namespace.table; Delta: the table directory
}

// Identifier is the table's name in its catalog: "catalog#namespace.table"
// for Iceberg, the directory for Delta.
func (r Ref) Identifier() string {
	if r.Format == Iceberg {
		return r.Catalog + "#" + r.Name
	}
	return r.Name
}

func (r Ref) String() string {
	if r.Format == Iceberg {
		return fmt.Sprintf("iceberg:%s#%s", r.Catalog, r.Name)
	}
	return fmt.Sprintf("%s:%s", r.Format, r.Name)
}

// State is what a table is now.
type State struct {
	Ref      Ref
	UUID     string
	Snapshot string // Iceberg snapshot id, Delta version, in decimal
	// MetadataSHA256 is the digest of the metadata file naming the
	// snapshot (Iceberg's metadata JSON, Delta's last log entry).
	MetadataSHA256 string
	// History are the snapshots (versions) a reader can still travel to,
	// oldest first: a pinned snapshot not among them has expired.
	History []string
}

// Digest is the table's identity as one string: uuid, snapshot, metadata.
func (s State) Digest() string {
	h := sha256.Sum256([]byte(s.UUID + "\n" + s.Snapshot + "\n" + s.MetadataSHA256 + "\n"))
	return "sha256:" + hex.EncodeToString(h[:])
}

// Has reports whether snapshot is still in the table's history.
func (s State) Has(snapshot string) bool {
	for _, h := range s.History {
		if h == snapshot {
			return true
		}
	}
	return false
}

// ErrNoTable is a table the catalog or directory does not hold.
var ErrNoTable = errors.New("no such table")

// ErrExpired is a pinned snapshot the table no longer keeps (expired,
// vacuumed or cleaned from the log): what was measured there cannot be
// measured again, and measuring newer data in its place would be a lie.
var ErrExpired = errors.New("snapshot expired")

// At is s as of snapshot, which must still be in its history: the pinned
// state a replay reads by time travel. The metadata digest is left out:
// the current metadata file describes later snapshots too.
func (s State) At(snapshot string) (State, error) {
	if !s.Has(snapshot) {
		return State{}, fmt.Errorf("table %s: %w: %s is pinned, the table keeps %s (it expired, or was never one of its snapshots)", s.Ref, ErrExpired, snapshot, keeps(s.History))
	}
	s.Snapshot, s.MetadataSHA256 = snapshot, ""
	return s, nil
}

func keeps(h []string) string {
	switch len(h) {
	case 0:
		return "no snapshot"
	case 1:
		return h[0]
	}
	return h[0] + " to " + h[len(h)-1]
}

// Read is the current state of the table r, with paths relative to repo.
func Read(repo string, r Ref) (State, error) {
	var s State
	var err error
	switch r.Format {
	case Iceberg:
		s, err = readIceberg(repo, r)
	case Delta:
		s, err = readDelta(repo, r)
	default:
		err = fmt.Errorf("unknown table format %q (iceberg or delta)", r.Format)
	}
	if err != nil {
		return State{}, fmt.Errorf("table %s: %w", r, err)
	}
	s.Ref = r
	return s, nil
}

// maxMetadata bounds a metadata file: Iceberg's grows with its snapshot
// log, but a file this large is an attack or a broken table, not a table.
const maxMetadata = 64 << 20
