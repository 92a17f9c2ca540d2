package cache

import (
	"database/sql"
	"encoding/binary"
	"fmt"
)

// NodeMemo is what the cache remembers about a node by name across builds:
// the key and output digest of its last successful build (a null build
// compares keys and checks outputs through the stat cache, with no action
// lookup at all, as n2 compares a per-node manifest hash), and its duration
// (so the scheduler starts the critical path first).
type NodeMemo struct {
	Key        ActionID
	Out        Digest
	DurationNs int64
}

// Memos loads every node memo in one query. The preimages are left out:
// they are only read to explain a rebuild (Preimage).
func (s *Store) Memos() (map[string]NodeMemo, error) {
	if err := s.Flush(); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(`SELECT name, memo FROM node`)
	if err != nil {
		return nil, fmt.Errorf("reading node memos: %w", err)
	}
	defer rows.Close()
	var n int
	s.db.QueryRow(`SELECT count(*) FROM node`).Scan(&n)
	out := make(map[string]NodeMemo, n)
	for rows.Next() {
		var name string
		var raw sql.RawBytes
		if err := rows.Scan(&name, &raw); err != nil {
			return nil, err
		}
		if len(raw) == 2*HashSize+8 {
			out[name] = NodeMemo{Key: ActionID(raw[:HashSize]), Out: Digest(raw[HashSize : 2*HashSize]),
				DurationNs: int64(binary.LittleEndian.Uint64(raw[2*HashSize:]))}
		}
	}
	return out, rows.Err()
}

// Preimage returns the key preimage recorded for a node, or "".
func (s *Store) Preimage(name string) string {
	s.Flush()
	var p string
	s.db.QueryRow(`SELECT preimage FROM node WHERE name = ?`, name).Scan(&p)
	return p
}

// SetMemo records a node's memo and the preimage of its key.
func (s *Store) SetMemo(name string, m NodeMemo, preimage string) error {
	raw := append(append(m.Key[:], m.Out[:]...), make([]byte, 8)...)
	binary.LittleEndian.PutUint64(raw[2*HashSize:], uint64(m.DurationNs))
	s.w.exec(`INSERT OR REPLACE INTO node VALUES (?, ?, ?)`, name, raw, preimage)
	return nil
}
