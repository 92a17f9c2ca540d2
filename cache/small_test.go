package cache

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSmallBlobPaths(t *testing.T) {
	s := newStore(t)
	d, err := s.PutBytes([]byte("hello"))
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(s.blobPath(d))
	// Stored again: not rewritten (same inode).
	if _, err := s.PutBytes([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	if fi2, _ := os.Stat(s.blobPath(d)); !os.SameFile(fi, fi2) {
		t.Error("an identical small blob was written again")
	}
	// Its fan-out directory removed behind the process's back: made again.
	os.RemoveAll(filepath.Dir(s.blobPath(d)))
	if _, err := s.PutBytes([]byte("hello")); err != nil {
		t.Fatalf("after its directory was removed: %v", err)
	}
	if b, err := s.Read(d); err != nil || string(b) != "hello" {
		t.Fatalf("Read = %q, %v", b, err)
	}
	// A file at the small/large boundary and above it round-trips; no
	// temporary file is left anywhere in the CAS.
	for _, n := range []int{smallBlob, smallBlob + 1} {
		p := filepath.Join(t.TempDir(), "f")
		data := []byte(strings.Repeat("z", n))
		os.WriteFile(p, data, 0o644)
		os.RemoveAll(filepath.Join(s.dir, "cas"))
		os.MkdirAll(filepath.Join(s.dir, "cas"), 0o755)
		d, size, err := s.PutFile(p)
		if err != nil || size != int64(n) || d != Sum(data) {
			t.Fatalf("%d bytes: %v %d %v", n, d, size, err)
		}
	}
	filepath.Walk(filepath.Join(s.dir, "cas"), func(p string, fi os.FileInfo, err error) error {
		if err == nil && strings.HasPrefix(fi.Name(), ".put-") {
			t.Errorf("temporary file left: %s", p)
		}
		return nil
	})
}
