package cache

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func inode(t *testing.T, p string) uint64 {
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Sys().(*syscall.Stat_t).Ino
}

// RestoreLink shares a large blob's inode with one output only: the second
// output restored from the same blob is a copy, so editing one output can
// never change the other. Modes are the masked ones.
func TestRestoreLinkSharesWithOneOutputOnly(t *testing.T) {
	s := newStore(t)
	data := patterned(2 * linkMin)
	d, err := s.PutBytes(data)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "sub", "b")
	if err := s.RestoreLink(d, a, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := s.RestoreLink(d, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if inode(t, a) != inode(t, s.blobPath(d)) {
		t.Error("the first output is not linked to its blob")
	}
	if inode(t, b) == inode(t, a) {
		t.Fatal("two outputs share one inode")
	}
	for p, want := range map[string]os.FileMode{a: 0o755, b: 0o644} {
		got, _ := os.ReadFile(p)
		fi, _ := os.Stat(p)
		if !bytes.Equal(got, data) || fi.Mode().Perm() != want {
			t.Errorf("%s: wrong bytes or mode %v", p, fi.Mode())
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("temporary files left: %v", entries)
	}
}

// A corrupt blob is never linked into the work tree.
func TestRestoreLinkRefusesACorruptBlob(t *testing.T) {
	s := newStore(t)
	data := patterned(2 * linkMin)
	d, err := s.PutBytes(data)
	if err != nil {
		t.Fatal(err)
	}
	f, _ := os.OpenFile(s.blobPath(d), os.O_WRONLY, 0)
	f.WriteAt([]byte{data[7] ^ 0x80}, 7)
	f.Close()
	dst := filepath.Join(t.TempDir(), "out")
	if err := s.RestoreLink(d, dst, 0o644); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("corrupt blob: %v", err)
	}
	if _, err := os.Lstat(dst); !os.IsNotExist(err) {
		t.Fatal("a corrupt blob reached the work tree")
	}
	if s.Has(d) {
		t.Error("the corrupt blob was kept")
	}
}
