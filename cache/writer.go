package cache

import (
	"database/sql"
	"fmt"
	"sync"
)

// writer is the cache database's one writer. The rows a build records (a
// blob's, a result's, a node's memo: three to five per stage) are queued
// and committed together, as many as arrived while the last commit ran:
// one transaction per batch of finished stages instead of one per row
// (separate statements were 17% of a 1k-stage cold build's CPU). The
// files a row names are always in place before it is queued, so a crash
// loses at most the last batch's rows, and a lost row costs a re-run,
// never a wrong result. Every write goes through the queue, deletions
// included, so they commit in the order they were made.
type writer struct {
	db   *sql.DB
	mu   sync.Mutex
	cond *sync.Cond
	// queue holds the statements not yet handed to a transaction; queued
	// and done count statements ever queued and ever committed (or failed).
	queue        []stmt
	queued, done uint64
	busy         bool // a drain goroutine is running
	err          error
	// results are the action results queued and not yet flushed, so that
	// Get sees what Put wrote in the same process without a commit. A nil
	// value is a queued deletion: it hides a row the database may still
	// hold until the DELETE commits.
	results map[ActionID][]byte
}

type stmt struct {
	query string
	args  []any
}

func newWriter(db *sql.DB) *writer {
	w := &writer{db: db, results: map[ActionID][]byte{}}
	w.cond = sync.NewCond(&w.mu)
	return w
}

// exec queues one statement. A drain goroutine starts when none runs, and
// ends when the queue is empty, so an idle store holds no goroutine.
func (w *writer) exec(query string, args ...any) {
	w.mu.Lock()
	w.queue = append(w.queue, stmt{query, args})
	w.queued++
	if !w.busy {
		w.busy = true
		go w.drain()
	}
	w.mu.Unlock()
}

func (w *writer) drain() {
	for {
		w.mu.Lock()
		batch := w.queue
		w.queue = nil
		if len(batch) == 0 {
			w.busy = false
			w.cond.Broadcast()
			w.mu.Unlock()
			return
		}
		w.mu.Unlock()
		err := w.commit(batch)
		w.mu.Lock()
		w.done += uint64(len(batch))
		if err != nil && w.err == nil {
			w.err = err
		}
		w.cond.Broadcast()
		w.mu.Unlock()
	}
}

// commit runs a batch in one transaction, each distinct statement
// prepared once.
func (w *writer) commit(batch []stmt) error {
	tx, err := w.db.Begin()
	if err != nil {
		return fmt.Errorf("writing the cache: %w", err)
	}
	defer tx.Rollback()
	prepared := map[string]*sql.Stmt{}
	for _, s := range batch {
		st, ok := prepared[s.query]
		if !ok {
			if st, err = tx.Prepare(s.query); err != nil {
				return fmt.Errorf("writing the cache: %w", err)
			}
			defer st.Close()
			prepared[s.query] = st
		}
		if _, err := st.Exec(s.args...); err != nil {
			return fmt.Errorf("writing the cache: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("writing the cache: %w", err)
	}
	return nil
}

// flush waits until everything queued before it is committed, and returns
// (and clears) the first error since the last flush.
func (w *writer) flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	target := w.queued
	for w.done < target {
		w.cond.Wait()
	}
	err := w.err
	w.err = nil
	clear(w.results)
	return err
}

// putResult queues an action result, readable at once by pendingResult.
func (w *writer) putResult(id ActionID, raw []byte, now int64) {
	w.mu.Lock()
	w.results[id] = raw
	w.mu.Unlock()
	w.exec(`INSERT OR REPLACE INTO action VALUES (?, ?, ?, ?)`, id[:], raw, now, now)
}

// forgetResult queues an action's deletion, and hides the result at once.
func (w *writer) forgetResult(id ActionID) {
	w.mu.Lock()
	w.results[id] = nil
	w.mu.Unlock()
	w.exec(`DELETE FROM action WHERE id = ?`, id[:])
}

// pendingResult reports a queued result (raw non-nil) or a queued
// deletion (raw nil); known is false when the database must be asked.
func (w *writer) pendingResult(id ActionID) (raw []byte, known bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	raw, known = w.results[id]
	return raw, known
}
