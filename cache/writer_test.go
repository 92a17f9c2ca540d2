package cache

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// The writer queues every write and commits batches; these check that
// nothing is lost, that order is kept, that a result is readable at once,
// and that a failed write is reported, not swallowed.

func TestWriterKeepsEveryWriteFromManyGoroutines(t *testing.T) {
	s := newStore(t)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 250; i++ {
				s.SetMemo(fmt.Sprintf("stage:%d-%d", g, i), NodeMemo{DurationNs: int64(i)}, "")
			}
		}()
	}
	wg.Wait()
	memos, err := s.Memos() // Memos flushes first
	if err != nil || len(memos) != 2000 || memos["stage:7-249"].DurationNs != 249 {
		t.Fatalf("%d memos, %v", len(memos), err)
	}
	if s.w.queued != s.w.done || s.w.queued != 2000 {
		t.Errorf("queued %d, committed %d", s.w.queued, s.w.done)
	}
}

func TestWriterKeepsOrder(t *testing.T) {
	s := newStore(t)
	d, _ := s.PutBytes([]byte("x"))
	s.drop(d)
	d2, _ := s.PutBytes([]byte("x")) // stored again after the drop
	st, err := s.Stats()
	if err != nil || d2 != d || st.Blobs != 1 {
		t.Fatalf("blob rows %d (want 1: insert, delete, insert, in that order), %v", st.Blobs, err)
	}
}

func TestPendingResultIsReadableAndForgettable(t *testing.T) {
	s := newStore(t)
	id := ActionID(Sum([]byte("a")))
	out, _ := s.PutBytes([]byte("out"))
	s.Put(id, &Result{Outputs: []Output{{Path: "o", Digest: out, Size: 3}}})
	if _, ok := s.Get(id); !ok {
		t.Fatal("a result just put is not readable before a flush")
	}
	s.Forget(id)
	if _, ok := s.Get(id); ok {
		t.Fatal("a forgotten pending result is still readable")
	}
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Get(id); ok {
		t.Fatal("the forgotten result was committed after its deletion")
	}
}

func TestCloseCommitsTheQueue(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache")
	s, _ := Open(dir)
	id := ActionID(Sum([]byte("a")))
	out, _ := s.PutBytes([]byte("out"))
	s.Put(id, &Result{Outputs: []Output{{Path: "o", Digest: out, Size: 3}}})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, _ := Open(dir)
	defer s2.Close()
	if _, ok := s2.Get(id); !ok {
		t.Fatal("a result queued before Close is not in the database after it")
	}
}

func TestWriterReportsAFailedWrite(t *testing.T) {
	s := newStore(t)
	s.w.exec(`INSERT INTO no_such_table VALUES (1)`)
	err := s.Flush()
	if err == nil || !strings.Contains(err.Error(), "writing the cache") {
		t.Fatalf("Flush after a failed write: %v", err)
	}
	if err := s.Flush(); err != nil {
		t.Fatalf("the error is reported once: %v", err)
	}
}

// A read-only database (another user's cache, a full disk) fails the
// writes; the build that made them learns it from Flush.
func TestWriterReportsAReadOnlyDatabase(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root writes read-only files")
	}
	dir := filepath.Join(t.TempDir(), "cache")
	s, _ := Open(dir)
	s.Close()
	os.Chmod(filepath.Join(dir, "cache.db"), 0o444)
	s, err := Open(dir)
	if err != nil {
		t.Skip("a read-only database does not open here:", err)
	}
	defer s.Close()
	s.SetMemo("stage:a", NodeMemo{}, "")
	if err := s.Flush(); err == nil {
		t.Fatal("a write to a read-only database was not reported")
	}
}
