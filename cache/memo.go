package cache

// NodeMemo is what the cache remembers about a node by name across builds:
// its last action preimage (so --explain can say which input changed) and
// its last duration (so the scheduler can start the critical path first).
type NodeMemo struct {
	Preimage   string
	DurationNs int64
}

// Memos loads every node memo in one query.
func (s *Store) Memos() (map[string]NodeMemo, error) {
	rows, err := s.db.Query(`SELECT name, preimage, duration_ns FROM node`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]NodeMemo{}
	for rows.Next() {
		var name string
		var m NodeMemo
		if err := rows.Scan(&name, &m.Preimage, &m.DurationNs); err != nil {
			return nil, err
		}
		out[name] = m
	}
	return out, rows.Err()
}

// SetMemo records a node's memo.
func (s *Store) SetMemo(name string, m NodeMemo) error {
	_, err := s.db.Exec(`INSERT OR REPLACE INTO node VALUES (?, ?, ?)`, name, m.Preimage, m.DurationNs)
	return err
}
