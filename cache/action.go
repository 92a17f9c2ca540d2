package cache

import (
	"encoding/json"
	"fmt"
)

// Output is one file an action produced, by repository path.
type Output struct {
	Path   string `json:"path"`
	Digest Digest `json:"digest"`
	Size   int64  `json:"size"`
	Mode   uint32 `json:"mode"`
}

// Result is what an action key maps to: enough to restore the action's
// outputs and report on it without running it again.
type Result struct {
	Outputs    []Output `json:"outputs"`
	ExitCode   int      `json:"exit_code"`
	Stdout     Digest   `json:"stdout"`
	Stderr     Digest   `json:"stderr"`
	DurationNs int64    `json:"duration_ns"`
	// Tables are the lakehouse tables the stage wrote, as it left them.
	Tables []TableVersion `json:"tables,omitempty"`
}

// TableVersion is one table a stage wrote, at the snapshot (Iceberg) or
// version (Delta) its run committed. The result is a hit only while the
// table, with the same uuid, still keeps that snapshot: the engine checks
// it, since the table lives outside the CAS and may expire it.
type TableVersion struct {
	Name           string `json:"name"`
	UUID           string `json:"uuid"`
	Snapshot       string `json:"snapshot"`
	MetadataSHA256 string `json:"metadata_sha256"`
}

// MarshalText/UnmarshalText make digests readable in the stored JSON.
func (d Digest) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

func (d *Digest) UnmarshalText(b []byte) error {
	v, err := ParseDigest(string(b))
	*d = v
	return err
}

// Get looks up an action. A missing row, an unreadable row or a result whose
// output blobs are gone is a miss (ok=false), never an error: the caller
// recomputes, which is always correct.
func (s *Store) Get(id ActionID) (*Result, bool) {
	raw, known := s.w.pendingResult(id)
	if known && raw == nil {
		return nil, false // forgotten; the deletion is still queued
	}
	if !known {
		err := s.db.QueryRow(`SELECT result FROM action WHERE id = ?`, id[:]).Scan(&raw)
		if err != nil {
			return nil, false
		}
	}
	var r Result
	if json.Unmarshal(raw, &r) != nil {
		return nil, false
	}
	for _, o := range r.Outputs {
		if !s.Has(o.Digest) {
			return nil, false
		}
	}
	s.w.exec(`UPDATE action SET used_ns = ? WHERE id = ?`, s.now().UnixNano(), id[:])
	return &r, true
}

// Put records an action's result. Its output blobs must already be in the
// CAS: a result is written last, so a crash never leaves one pointing at
// blobs that were not stored.
func (s *Store) Put(id ActionID, r *Result) error {
	for _, o := range r.Outputs {
		if !s.Has(o.Digest) {
			return fmt.Errorf("cache: result of %s names blob %s that is not stored", id, o.Digest)
		}
	}
	raw, err := json.Marshal(r)
	if err != nil {
		return err
	}
	now := s.now().UnixNano()
	s.w.putResult(id, raw, now)
	return nil
}

// Forget deletes an action's result, so that a result found hostile or
// broken is never offered again (its blobs are trimmed as usual).
func (s *Store) Forget(id ActionID) {
	s.w.forgetResult(id)
}
