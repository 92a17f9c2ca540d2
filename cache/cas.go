package cache

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"

	"seigarrena.dev/sei/confine"
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
	f, _, err := confine.OpenRegular(path)
	if err != nil {
		return Digest{}, 0, err
	}
	defer f.Close()
	return s.putClone(f)
}

// putClone stores f: a small file read whole and written beside its blob
// (putSmall), a larger one reflinked where the file system can, else
// copied by the kernel while its digest is computed beside the copy.
func (s *Store) putClone(f *os.File) (Digest, int64, error) {
	if fi, err := f.Stat(); err == nil && fi.Size() <= smallBlob {
		return s.putSmallFile(f, fi.Size())
	}
	tmp, err := s.tempBlob(s.spreadDir())
	if err != nil {
		return Digest{}, 0, err
	}
	defer os.Remove(tmp.Name())
	d, n, err := copyAndHash(tmp, f)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return Digest{}, 0, err
	}
	return d, n, s.keep(tmp.Name(), d, n)
}

// copyAndHash fills dst with src's bytes and returns their BLAKE3. A
// reflink shares the blocks (then the digest is one read); otherwise the
// kernel copies (copy_file_range, as cp does) while a second goroutine
// hashes src through positioned reads, so a large file costs about the
// longer of the two, not their sum.
func copyAndHash(dst, src *os.File) (Digest, int64, error) {
	fi, err := src.Stat()
	if err != nil {
		return Digest{}, 0, err
	}
	size := fi.Size()
	type sum struct {
		d   Digest
		n   int64
		err error
	}
	done := make(chan sum, 1)
	go func() {
		// The kernel's copy holds one core; the hash gets the rest.
		d, err := hashAt(src, size, hashWorkers()-1)
		done <- sum{d, size, err}
	}()
	cerr := copyOnly(dst, src, size)
	r := <-done
	if cerr != nil {
		return Digest{}, 0, cerr
	}
	return r.d, r.n, r.err
}

// copyOnly fills dst with src's size bytes, reflinked or copied by the
// kernel: the copying half of copyAndHash, and all of a restore of a blob
// this process has verified already (Store.known).
func copyOnly(dst, src *os.File, size int64) error {
	if cloneInto(dst, src) {
		return nil
	}
	n, err := io.Copy(dst, io.LimitReader(src, size))
	if err == nil && n != size {
		err = fmt.Errorf("%s changed size while copied", src.Name())
	}
	return err
}

// keep renames a complete temporary file into the CAS as blob d.
func (s *Store) keep(tmp string, d Digest, n int64) error {
	dst := s.blobPath(d)
	if err := os.Rename(tmp, dst); err != nil {
		// The fan-out directory may not exist yet (or was removed by hand).
		if err := s.mkdirFan(filepath.Dir(dst), true); err != nil {
			return err
		}
		if err := os.Rename(tmp, dst); err != nil {
			return err
		}
	}
	return s.recordBlob(d, n)
}

// recordBlob queues blob d's row (its size, for trim; now, for LRU).
func (s *Store) recordBlob(d Digest, n int64) error {
	s.w.exec(`INSERT OR REPLACE INTO blob VALUES (?, ?, ?)`, d[:], n, s.now().UnixNano())
	return nil
}

// PutBytes stores b in the CAS.
func (s *Store) PutBytes(b []byte) (Digest, error) {
	return s.putSmall(b)
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
	var got Digest
	if fi, serr := src.Stat(); serr == nil && s.known(d, src) {
		got, err = d, copyOnly(tmp, src, fi.Size())
	} else {
		got, _, err = copyAndHash(tmp, src)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if got != d {
		s.drop(d)
		return fmt.Errorf("%w: %s", ErrCorrupt, d)
	}
	if fi, err := src.Stat(); err == nil {
		s.remember(d, fi)
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
	s.w.exec(`DELETE FROM blob WHERE digest = ?`, d[:])
}

func (s *Store) touchBlob(d Digest) {
	s.w.exec(`UPDATE blob SET used_ns = ? WHERE digest = ?`, s.now().UnixNano(), d[:])
}

func equalDigest(b []byte, d Digest) bool { return len(b) == HashSize && Digest(b) == d }

// LinkFile stores the regular file at path by hard link when it can (one
// read for the digest, no data written), else as PutFile does. Use it only
// for a file nothing will rewrite in place: a strict-sandbox output, which
// arrives by rename from the sandbox's staging directory. Were the work
// tree's file edited in place all the same, the shared blob would change;
// every read of a blob verifies its BLAKE3, so that costs the cached entry
// (dropped, recomputed), never a wrong result.
func (s *Store) LinkFile(path string) (Digest, int64, error) {
	f, fi, err := confine.OpenRegular(path)
	if err != nil {
		return Digest{}, 0, err
	}
	defer f.Close()
	if fi.Size() < linkMin {
		return s.putClone(f)
	}
	n := fi.Size()
	d, err := hashAt(f, n, hashWorkers())
	if err != nil {
		return Digest{}, 0, err
	}
	if s.Has(d) {
		return d, n, nil
	}
	tmp := filepath.Join(s.dir, "cas", fmt.Sprintf(".link-%d-%s", os.Getpid(), d))
	if err := os.Link(path, tmp); err != nil {
		return s.PutFile(path) // another file system, or links refused
	}
	defer os.Remove(tmp)
	return d, n, s.keep(tmp, d, n)
}

// linkMin: below it a copy costs less than a second name to manage.
const linkMin = 1 << 20

// RestoreLink is Restore for an output nothing will rewrite in place (a
// strict-sandbox stage's, as for LinkFile): a large blob that no other
// file shares is verified (a read, no write) and hard-linked to dst, so a
// 2 GiB restore writes nothing, where a copy after a fetch paid the page
// cache's writeback limits twice (3.5 s for the copy alone here). A blob
// already linked elsewhere is copied, so two outputs never share an inode
// and an edit of one cannot change another; anything else falls back to
// Restore. An output edited in place later changes the blob too: every
// read of a blob verifies it, so that costs the cached entry, never a
// wrong result.
func (s *Store) RestoreLink(d Digest, dst string, mode os.FileMode) error {
	src, err := os.Open(s.blobPath(d))
	if err != nil {
		return err
	}
	defer src.Close()
	fi, err := src.Stat()
	if err != nil {
		return err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || st.Nlink != 1 || fi.Size() < linkMin {
		return s.Restore(d, dst, mode)
	}
	if !s.known(d, src) {
		got, err := hashAt(src, fi.Size(), hashWorkers())
		if err != nil {
			return err
		}
		if got != d {
			s.drop(d)
			return fmt.Errorf("%w: %s", ErrCorrupt, d)
		}
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	tmp := filepath.Join(filepath.Dir(dst), fmt.Sprintf(".%s.sei-link-%d", filepath.Base(dst), os.Getpid()))
	os.Remove(tmp)
	if err := os.Link(s.blobPath(d), tmp); err != nil {
		return s.Restore(d, dst, mode) // another file system, or links refused
	}
	defer os.Remove(tmp)
	// The name was linked, not the open file: a blob swapped for another
	// between the check and the link must not reach the work tree.
	if lfi, err := os.Lstat(tmp); err != nil || !os.SameFile(lfi, fi) {
		return fmt.Errorf("%w: %s changed while it was restored", ErrCorrupt, d)
	}
	if err := os.Chmod(tmp, mode); err != nil {
		return err
	}
	if err := os.Rename(tmp, dst); err != nil {
		return err
	}
	s.remember(d, fi)
	s.touchBlob(d)
	return nil
}
