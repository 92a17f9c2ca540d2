package cache

import (
	"encoding/json"
	"fmt"
	"os"
	"time"
)

// Stats describes the cache for `sei cache stats`.
type Stats struct {
	Actions   int   `json:"actions"`
	Blobs     int   `json:"blobs"`
	BlobBytes int64 `json:"blob_bytes"`
	StatRows  int   `json:"stat_rows"`
}

// Stats counts what the cache holds.
func (s *Store) Stats() (Stats, error) {
	var st Stats
	if err := s.Flush(); err != nil {
		return st, err
	}
	err := s.db.QueryRow(`SELECT (SELECT count(*) FROM action), (SELECT count(*) FROM blob),
		(SELECT coalesce(sum(size), 0) FROM blob), (SELECT count(*) FROM filestat)`).
		Scan(&st.Actions, &st.Blobs, &st.BlobBytes, &st.StatRows)
	if err != nil {
		return st, fmt.Errorf("cache stats: %w", err)
	}
	return st, nil
}

// TrimResult says what Trim removed.
type TrimResult struct {
	Actions int   `json:"actions_removed"`
	Blobs   int   `json:"blobs_removed"`
	Bytes   int64 `json:"bytes_removed"`
}

// Trim removes actions unused for maxAge (0: keep all), then blobs no action
// names, then, least recently used first, actions and their blobs until the
// blobs fit in maxSize bytes (0: no limit). What is trimmed is only a future
// miss: the next build recomputes it.
func (s *Store) Trim(maxAge time.Duration, maxSize int64) (TrimResult, error) {
	var tr TrimResult
	if err := s.Flush(); err != nil {
		return tr, err
	}
	if maxAge > 0 {
		res, err := s.db.Exec(`DELETE FROM action WHERE used_ns < ?`, s.now().Add(-maxAge).UnixNano())
		if err != nil {
			return tr, err
		}
		n, _ := res.RowsAffected()
		tr.Actions += int(n)
	}
	for {
		if err := s.dropUnreferenced(&tr); err != nil {
			return tr, err
		}
		st, err := s.Stats()
		if err != nil || maxSize <= 0 || st.BlobBytes <= maxSize || st.Actions == 0 {
			return tr, err
		}
		res, err := s.db.Exec(`DELETE FROM action WHERE id IN (SELECT id FROM action ORDER BY used_ns LIMIT max(1, (SELECT count(*) FROM action) / 10))`)
		if err != nil {
			return tr, err
		}
		n, _ := res.RowsAffected()
		tr.Actions += int(n)
	}
}

// dropUnreferenced deletes blobs that no remaining action result names.
func (s *Store) dropUnreferenced(tr *TrimResult) error {
	live := map[Digest]bool{}
	rows, err := s.db.Query(`SELECT result FROM action`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var raw []byte
		if rows.Scan(&raw) != nil {
			continue
		}
		var r Result
		if json.Unmarshal(raw, &r) == nil {
			for _, o := range r.Outputs {
				live[o.Digest] = true
			}
			live[r.Stdout], live[r.Stderr] = true, true
		}
	}
	rows.Close()
	blobs, err := s.db.Query(`SELECT digest, size FROM blob`)
	if err != nil {
		return err
	}
	var dead []Digest
	var sizes []int64
	for blobs.Next() {
		var raw []byte
		var size int64
		if blobs.Scan(&raw, &size) == nil && len(raw) == HashSize && !live[Digest(raw)] {
			dead = append(dead, Digest(raw))
			sizes = append(sizes, size)
		}
	}
	blobs.Close()
	for i, d := range dead {
		if err := os.Remove(s.blobPath(d)); err != nil && !os.IsNotExist(err) {
			return err
		}
		s.db.Exec(`DELETE FROM blob WHERE digest = ?`, d[:])
		tr.Blobs++
		tr.Bytes += sizes[i]
	}
	return nil
}
