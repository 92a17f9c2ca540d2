package cache

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func newStore(t *testing.T) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "cache"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// later makes every file written so far older than the racy window.
func later(s *Store) { s.now = func() time.Time { return time.Now().Add(time.Hour) } }

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestDigestRoundTrip(t *testing.T) {
	d := Sum([]byte("abc"))
	got, err := ParseDigest(d.String())
	if err != nil || got != d {
		t.Fatalf("ParseDigest(%s) = %s, %v", d, got, err)
	}
	// Known BLAKE3 value of "abc".
	if d.String() != "blake3:6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85" {
		t.Errorf("BLAKE3(abc) = %s", d)
	}
	for _, bad := range []string{"", "sha256:00", "blake3:zz", "blake3:" + fmt.Sprintf("%063d", 0)} {
		if _, err := ParseDigest(bad); err == nil {
			t.Errorf("ParseDigest(%q) accepted", bad)
		}
	}
}

func TestHasherTrustsOnlyNonRacyRows(t *testing.T) {
	s := newStore(t)
	f := filepath.Join(t.TempDir(), "a.txt")
	write(t, f, "one")
	h, _ := s.NewHasher()
	d1, _, _ := h.File(f)
	h.File(f) // recorded just now: racy, so read again
	if n := h.Hashed.Load(); n != 2 {
		t.Fatalf("racy file hashed %d times, want 2", n)
	}
	later(s)
	h.File(f) // recorded an hour "later": trusted from now on
	h.File(f)
	h.File(f)
	if n := h.Hashed.Load(); n != 3 {
		t.Fatalf("hashed %d times, want 3", n)
	}
	// Same size, content changed, mtime put back: the inode change time still moves.
	st, _ := os.Stat(f)
	write(t, f, "two")
	os.Chtimes(f, st.ModTime(), st.ModTime())
	d2, _, _ := h.File(f)
	if d1 == d2 {
		t.Fatal("a content change with a restored mtime went unnoticed")
	}
}

func TestHasherPersistsAcrossProcesses(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache")
	f := filepath.Join(t.TempDir(), "a.txt")
	write(t, f, "content")
	s1, _ := Open(dir)
	later(s1)
	h1, _ := s1.NewHasher()
	want, _, _ := h1.File(f)
	if err := h1.Flush(); err != nil {
		t.Fatal(err)
	}
	s1.Close()
	s2, _ := Open(dir)
	defer s2.Close()
	h2, _ := s2.NewHasher()
	got, _, _ := h2.File(f)
	if got != want || h2.Hashed.Load() != 0 {
		t.Fatalf("second process: digest %s (want %s), hashed %d files", got, want, h2.Hashed.Load())
	}
}

func TestTreeRehashesOnlyTheChangedFile(t *testing.T) {
	s := newStore(t)
	later(s)
	root := t.TempDir()
	for i := 0; i < 200; i++ {
		write(t, filepath.Join(root, fmt.Sprintf("d%d/f%03d", i%7, i)), fmt.Sprint(i))
	}
	h, _ := s.NewHasher()
	before, err := h.Tree(root)
	if err != nil {
		t.Fatal(err)
	}
	h.Hashed.Store(0)
	write(t, filepath.Join(root, "d3/f003"), "changed")
	after, _ := h.Tree(root)
	if before == after || h.Hashed.Load() != 1 {
		t.Fatalf("tree digest changed %v, files hashed %d (want 1)", before != after, h.Hashed.Load())
	}
	write(t, filepath.Join(root, "d3/f003"), "3")
	if back, _ := h.Tree(root); back != before {
		t.Fatal("restoring the file did not restore the tree digest")
	}
}

func TestCASRestoreAndCorruption(t *testing.T) {
	s := newStore(t)
	d, err := s.PutBytes([]byte("model weights"))
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "out/model.pkl")
	if err := s.Restore(d, dst, 0o644); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(dst); string(b) != "model weights" {
		t.Fatalf("restored %q", b)
	}
	// Flip one byte of the stored blob: detected, removed, and a miss afterwards.
	p := s.blobPath(d)
	b, _ := os.ReadFile(p)
	b[0] ^= 1
	os.WriteFile(p, b, 0o644)
	if err := s.Restore(d, filepath.Join(t.TempDir(), "x"), 0o644); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("corrupt blob restored: %v", err)
	}
	if s.Has(d) {
		t.Fatal("corrupt blob kept")
	}
}

func TestActionCache(t *testing.T) {
	s := newStore(t)
	id := ActionID(Sum([]byte("action")))
	if _, ok := s.Get(id); ok {
		t.Fatal("hit on an empty cache")
	}
	out, _ := s.PutBytes([]byte("out"))
	r := &Result{Outputs: []Output{{Path: "out.txt", Digest: out, Size: 3, Mode: 0o644}}, DurationNs: 5}
	if err := s.Put(id, r); err != nil {
		t.Fatal(err)
	}
	got, ok := s.Get(id)
	if !ok || got.Outputs[0].Digest != out || got.DurationNs != 5 {
		t.Fatalf("Get = %+v, %v", got, ok)
	}
	// A result whose blob vanished is a miss, never an error.
	os.Remove(s.blobPath(out))
	if _, ok := s.Get(id); ok {
		t.Fatal("hit on a result whose output blob is gone")
	}
	// Refuses to record a result naming a blob that is not stored.
	if err := s.Put(id, r); err == nil {
		t.Fatal("recorded a result before its blobs")
	}
	s.db.Exec(`INSERT OR REPLACE INTO action VALUES (?, ?, 0, 0)`, id[:], []byte("{not json"))
	if _, ok := s.Get(id); ok {
		t.Fatal("hit on an unreadable row")
	}
}

func TestTrim(t *testing.T) {
	s := newStore(t)
	var ids []ActionID
	for i := 0; i < 5; i++ {
		s.now = func() time.Time { return time.Unix(int64(1000+i), 0) }
		d, _ := s.PutBytes([]byte(fmt.Sprintf("blob %d ................", i)))
		id := ActionID(Sum([]byte{byte(i)}))
		s.Put(id, &Result{Outputs: []Output{{Path: "o", Digest: d}}})
		ids = append(ids, id)
	}
	s.PutBytes([]byte("orphan"))
	s.now = func() time.Time { return time.Unix(1003, 500) }
	tr, err := s.Trim(2*time.Second, 0)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := s.Stats()
	if tr.Actions != 2 || tr.Blobs != 3 || st.Actions != 3 || st.Blobs != 3 {
		t.Fatalf("trim by age: %+v, left %+v", tr, st)
	}
	if _, err := s.Trim(0, st.BlobBytes/3+1); err != nil {
		t.Fatal(err)
	}
	if st, _ = s.Stats(); st.Blobs > 1 {
		t.Fatalf("trim by size left %+v", st)
	}
	if _, ok := s.Get(ids[4]); !ok {
		t.Fatal("the most recently used action was trimmed")
	}
}

func TestLockExcludes(t *testing.T) {
	dir := t.TempDir()
	unlock, err := Lock(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan bool)
	go func() {
		u, _ := Lock(dir, func() { got <- true })
		u()
		close(got)
	}()
	if !<-got {
		t.Fatal("second lock did not wait")
	}
	unlock()
	<-got
}

func TestCacheIsWAL(t *testing.T) {
	s := newStore(t)
	var mode string
	if err := s.db.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode = %q, %v", mode, err)
	}
}

// TestCorruptDatabaseIsMovedAside: garbage where cache.db should be costs
// the cached results, with a note, never an error.
func TestCorruptDatabaseIsMovedAside(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if err := os.WriteFile(filepath.Join(dir, "cache.db"), bytes.Repeat([]byte("garbage!"), 4096), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(dir, "cache.db-wal"))
	os.Remove(filepath.Join(dir, "cache.db-shm"))
	s, err = Open(dir)
	if err != nil {
		t.Fatalf("a corrupt database is an error: %v", err)
	}
	defer s.Close()
	if !strings.Contains(s.Healed, "corrupt") {
		t.Errorf("Healed = %q", s.Healed)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "cache.db.corrupt-*")); len(m) == 0 {
		t.Error("the corrupt database was not kept aside")
	}
	if _, err := s.PutBytes([]byte("x")); err != nil {
		t.Errorf("the new database does not work: %v", err)
	}
}

// TestLinkFileSharesAndStaysSafe: a large output is stored by hard link (no
// second write); editing it in place afterwards makes the blob fail its
// check (a miss), never restore wrong bytes.
func TestLinkFileSharesAndStaysSafe(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(filepath.Join(dir, "cache"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	out := filepath.Join(dir, "model.bin")
	os.WriteFile(out, bytes.Repeat([]byte("m"), 2<<20), 0o644)
	d, n, err := s.LinkFile(out)
	if err != nil || n != 2<<20 {
		t.Fatalf("LinkFile: %v %d", err, n)
	}
	a, _ := os.Stat(out)
	b, _ := os.Stat(s.blobPath(d))
	if !os.SameFile(a, b) {
		t.Error("the blob is a copy, not a link")
	}
	if err := s.Restore(d, filepath.Join(dir, "again.bin"), 0o644); err != nil {
		t.Fatalf("restore: %v", err)
	}
	f, _ := os.OpenFile(out, os.O_WRONLY, 0)
	f.WriteAt([]byte("X"), 10)
	f.Close()
	if err := s.Restore(d, filepath.Join(dir, "third.bin"), 0o644); !errors.Is(err, ErrCorrupt) {
		t.Errorf("a blob changed through the link restored: %v", err)
	}
	// Small files are copied.
	small := filepath.Join(dir, "m.json")
	os.WriteFile(small, []byte("{}"), 0o644)
	sd, _, _ := s.LinkFile(small)
	x, _ := os.Stat(small)
	y, _ := os.Stat(s.blobPath(sd))
	if os.SameFile(x, y) {
		t.Error("a small file was linked")
	}
}
