package cache

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" driver
)

// Store is one cache directory: the SQLite database and the CAS files.
type Store struct {
	// Healed is set when Open replaced a corrupt database.
	Healed string

	dir  string
	db   *sql.DB
	temp bool // made by OpenTemp: removed on Close
	// now is the clock, injected so that tests can make timestamps racy.
	now func() time.Time
	// verified: blobs this process has hashed and not seen change since.
	verified verifiedMemo
	// fans and spread: the CAS's fan-out directories made, and the next
	// one a large blob's temporary file goes to (small.go).
	fans   fanDirs
	spread atomic.Uint32
	// w is the one writer: every write is queued through it (writer.go).
	w *writer
}

// schema: WITHOUT ROWID tables keyed by what is looked up (221k point
// lookups/s against 59k for rowid tables on these machines, DESIGN.md).
const schema = `
CREATE TABLE IF NOT EXISTS filestat (
	path TEXT PRIMARY KEY, entry BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS action (
	id BLOB PRIMARY KEY, result BLOB NOT NULL, created_ns INTEGER, used_ns INTEGER
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS node (
	name TEXT PRIMARY KEY, memo BLOB NOT NULL, preimage TEXT
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS blob (
	digest BLOB PRIMARY KEY, size INTEGER NOT NULL, used_ns INTEGER
) WITHOUT ROWID;
`

// Open opens (creating when needed) the cache in dir. A database that is
// not SQLite or is malformed is moved aside (cache.db.corrupt-<time>) and a
// new one made: only cached results are lost, never the work tree or the
// evidence; Healed then says what happened, for one warning.
func Open(dir string) (*Store, error) {
	s, err := open(dir)
	if err == nil || !corrupt(err) {
		return s, err
	}
	db := filepath.Join(dir, "cache.db")
	aside := fmt.Sprintf("%s.corrupt-%d", db, time.Now().UnixNano())
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Rename(db+suffix, aside+suffix); err != nil && !os.IsNotExist(err) {
			return nil, fmt.Errorf("cache %s: moving a corrupt database aside: %w", dir, err)
		}
	}
	if s, err = open(dir); err != nil {
		return nil, err
	}
	s.Healed = fmt.Sprintf("the cache database was corrupt; moved to %s and rebuilt (cached results are lost, nothing else)", aside)
	return s, nil
}

// corrupt reports SQLite's "not a database" (26) and "malformed" (11).
func corrupt(err error) bool {
	var coder interface{ Code() int }
	if errors.As(err, &coder) {
		c := coder.Code() & 0xff
		return c == 11 || c == 26
	}
	msg := err.Error()
	return strings.Contains(msg, "file is not a database") || strings.Contains(msg, "malformed")
}

func open(dir string) (*Store, error) {
	if err := os.MkdirAll(filepath.Join(dir, "cas"), 0o755); err != nil {
		return nil, fmt.Errorf("cache %s: %w", dir, err)
	}
	// WAL lets readers run beside one writer; synchronous=NORMAL is safe
	// with WAL (a power cut may lose the last transaction, never corrupt);
	// busy_timeout makes concurrent sei processes wait instead of failing.
	// A 2 MiB page cache per connection: the big reads are sequential scans
	// that a larger cache does not speed up, and at 64 MiB the cache was
	// most of a 100k-node build's peak memory.
	dsn := "file:" + filepath.Join(dir, "cache.db") +
		"?_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)&_pragma=cache_size(-2048)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("cache %s: %w", dir, err)
	}
	if err := setup(dir, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("cache %s: %w", dir, err)
	}
	return &Store{dir: dir, db: db, now: time.Now, w: newWriter(db)}, nil
}

// OpenTemp opens a cache in a new temporary directory, removed by Close:
// for a read-only checkout, where status, query and verify still work and
// only the speed of a warm stat cache is lost.
func OpenTemp() (*Store, error) {
	dir, err := os.MkdirTemp("", "sei-cache-*")
	if err != nil {
		return nil, err
	}
	s, err := Open(dir)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	s.temp = true
	return s, nil
}

// Temporary reports a cache made by OpenTemp.
func (s *Store) Temporary() bool { return s.temp }

// Flush waits until every write made so far is committed, and returns the
// first that failed since the last Flush. A build calls it at its end:
// a result that could not be recorded fails the build there.
func (s *Store) Flush() error { return s.w.flush() }

// Close commits what is queued and releases the database (and removes a
// temporary cache).
func (s *Store) Close() error {
	err := s.w.flush()
	if cerr := s.db.Close(); err == nil {
		err = cerr
	}
	if s.temp {
		os.RemoveAll(s.dir)
	}
	return err
}

// Dir is the cache directory.
func (s *Store) Dir() string { return s.dir }

// schemaVersion changes whenever a table does. A cache written by another
// version is dropped rather than migrated: everything in it can be
// recomputed, and a wrong reading could not.
const schemaVersion = 3

// setup switches the file to WAL (persistent, so once) and migrates, under an
// flock: changing the journal mode needs the file to itself and does not
// wait on the busy handler, so processes opening a new cache take turns here.
func setup(dir string, db *sql.DB) error {
	unlock, err := Lock(filepath.Join(dir, "setup"), nil)
	if err != nil {
		return err
	}
	defer unlock()
	if _, err := db.Exec(`PRAGMA journal_mode=WAL`); err != nil {
		return fmt.Errorf("journal mode: %w", err)
	}
	return migrate(db)
}

// migrate checks the version and creates the schema in one IMMEDIATE
// transaction, so that processes opening a new cache at once take turns
// instead of one dropping the tables another has just made.
func migrate(db *sql.DB) error {
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		return err
	}
	err = func() error {
		var v int
		if err := conn.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&v); err != nil {
			return err
		}
		if v != schemaVersion {
			if _, err := conn.ExecContext(ctx, `DROP TABLE IF EXISTS filestat; DROP TABLE IF EXISTS action;
				DROP TABLE IF EXISTS node; DROP TABLE IF EXISTS blob; PRAGMA user_version = `+fmt.Sprint(schemaVersion)); err != nil {
				return err
			}
		}
		_, err := conn.ExecContext(ctx, schema)
		return err
	}()
	if err != nil {
		conn.ExecContext(ctx, `ROLLBACK`)
		return fmt.Errorf("schema: %w", err)
	}
	_, err = conn.ExecContext(ctx, `COMMIT`)
	return err
}
