package cache

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"

	"github.com/zeebo/blake3"
)

// ErrCorrupt marks a blob whose bytes do not match its digest. The blob is
// removed; callers treat it as a miss and recompute.
var ErrCorrupt = errors.New("cache: corrupt blob")

func (s *Store) blobPath(d Digest) string {
	h := hex.EncodeToString(d[:])
	return filepath.Join(s.dir, "cas", h[:2], h)
}

// PutFile copies the regular file at path into the CAS, hashing it in the
// same read. A final symlink is not followed and a FIFO does not block
// (O_NOFOLLOW, O_NONBLOCK): either is refused.
func (s *Store) PutFile(path string) (Digest, int64, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		return Digest{}, 0, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return Digest{}, 0, fmt.Errorf("%s: not a regular file", path)
	}
	return s.putClone(f)
}

// putClone stores f by reflink when the file system can (then only a read
// for the digest), else by one streaming copy.
func (s *Store) putClone(f *os.File) (Digest, int64, error) {
	tmp, err := os.CreateTemp(filepath.Join(s.dir, "cas"), ".put-*")
	if err != nil {
		return Digest{}, 0, err
	}
	if !cloneInto(tmp, f) {
		tmp.Close()
		os.Remove(tmp.Name())
		return s.put(f)
	}
	defer os.Remove(tmp.Name())
	h := blake3.New()
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	n, err := io.CopyBuffer(h, f, *bp)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return Digest{}, 0, err
	}
	var d Digest
	copy(d[:], h.Sum(nil))
	return d, n, s.keep(tmp.Name(), d, n)
}

// keep renames a complete temporary file into the CAS as blob d.
func (s *Store) keep(tmp string, d Digest, n int64) error {
	dst := s.blobPath(d)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	if err := os.Rename(tmp, dst); err != nil {
		return err
	}
	_, err := s.db.Exec(`INSERT OR REPLACE INTO blob VALUES (?, ?, ?)`, d[:], n, s.now().UnixNano())
	return err
}

// PutBytes stores b in the CAS.
func (s *Store) PutBytes(b []byte) (Digest, error) {
	d, _, err := s.put(bytes.NewReader(b))
	return d, err
}

func (s *Store) put(r io.Reader) (Digest, int64, error) {
	tmp, err := os.CreateTemp(filepath.Join(s.dir, "cas"), ".put-*")
	if err != nil {
		return Digest{}, 0, err
	}
	defer os.Remove(tmp.Name())
	h := blake3.New()
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	n, err := io.CopyBuffer(io.MultiWriter(tmp, h), r, *bp)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return Digest{}, 0, err
	}
	var d Digest
	copy(d[:], h.Sum(nil))
	return d, n, s.keep(tmp.Name(), d, n)
}

// Restore writes blob d to dst (temporary file, verify, rename). A blob that
// is missing or whose bytes do not match d is a miss: ErrCorrupt or
// os.ErrNotExist, and a corrupt blob is deleted so the next build rewrites it.
func (s *Store) Restore(d Digest, dst string, mode os.FileMode) error {
	src, err := os.Open(s.blobPath(d))
	if err != nil {
		return err
	}
	defer src.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".sei-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	h := blake3.New()
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	var w io.Writer = io.MultiWriter(tmp, h)
	if cloneInto(tmp, src) {
		w = h // the blocks are shared already: read once to verify
	}
	_, err = io.CopyBuffer(w, src, *bp)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if got := h.Sum(nil); !equalDigest(got, d) {
		s.drop(d)
		return fmt.Errorf("%w: %s", ErrCorrupt, d)
	}
	if err := os.Chmod(tmp.Name(), mode); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return err
	}
	s.touchBlob(d)
	return nil
}

// Read returns blob d's bytes, verified.
func (s *Store) Read(d Digest) ([]byte, error) {
	b, err := os.ReadFile(s.blobPath(d))
	if err != nil {
		return nil, err
	}
	if Sum(b) != d {
		s.drop(d)
		return nil, fmt.Errorf("%w: %s", ErrCorrupt, d)
	}
	return b, nil
}

// Has reports whether blob d is present (not whether it is intact).
func (s *Store) Has(d Digest) bool {
	_, err := os.Stat(s.blobPath(d))
	return err == nil
}

func (s *Store) drop(d Digest) {
	os.Remove(s.blobPath(d))
	s.db.Exec(`DELETE FROM blob WHERE digest = ?`, d[:])
}

func (s *Store) touchBlob(d Digest) {
	s.db.Exec(`UPDATE blob SET used_ns = ? WHERE digest = ?`, s.now().UnixNano(), d[:])
}

func equalDigest(b []byte, d Digest) bool { return len(b) == HashSize && Digest(b) == d }
