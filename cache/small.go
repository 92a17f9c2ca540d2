package cache

import (
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"
)

// Small blobs (most outputs of most stages: metrics, reports, a few lines
// of text) take a shorter path than large ones. The file is read whole and
// hashed in memory; a blob already stored under its digest is not written
// again; otherwise the temporary file is made in the blob's own fan-out
// directory, so a cold build of many stages does not create and rename
// every file through one directory (ext4 serialises allocation there:
// os.CreateTemp in cas/ was 39% of a 1k-stage cold build's CPU).

// smallBlob is the largest file read whole into memory: a reflink or a
// kernel copy beside a parallel hash only pays off above it.
const smallBlob = 256 << 10

// putSmallFile stores the open regular file f of size n.
func (s *Store) putSmallFile(f *os.File, n int64) (Digest, int64, error) {
	b := make([]byte, n+1) // one byte more: a file that grew is caught
	m, err := io.ReadFull(f, b)
	if err != io.ErrUnexpectedEOF && err != nil {
		return Digest{}, 0, err
	}
	if int64(m) != n {
		return Digest{}, 0, fmt.Errorf("%s changed size while it was stored", f.Name())
	}
	d, err := s.putSmall(b[:n])
	return d, n, err
}

// putSmall stores b, skipping the write when a blob of that digest and
// size is there already (a corrupt one is caught when read, as always).
func (s *Store) putSmall(b []byte) (Digest, error) {
	d := Sum(b)
	dst := s.blobPath(d)
	if fi, err := os.Lstat(dst); err == nil && fi.Mode().IsRegular() && fi.Size() == int64(len(b)) {
		return d, s.recordBlob(d, int64(len(b)))
	}
	dir := filepath.Dir(dst)
	if err := s.mkdirFan(dir, false); err != nil {
		return Digest{}, err
	}
	tmp, err := s.tempBlob(dir)
	if err != nil {
		return Digest{}, err
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(b)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return Digest{}, err
	}
	return d, s.keep(tmp.Name(), d, int64(len(b)))
}

// tempBlob creates a temporary file in dir for a blob being stored.
func (s *Store) tempBlob(dir string) (*os.File, error) {
	f, err := os.CreateTemp(dir, ".put-*")
	if err != nil && os.IsNotExist(err) {
		if err = s.mkdirFan(dir, true); err == nil {
			f, err = os.CreateTemp(dir, ".put-*")
		}
	}
	return f, err
}

// spreadDir is the fan-out directory a large blob's temporary file is made
// in before its digest is known: the next of the 256 in turn.
func (s *Store) spreadDir() string {
	i := s.spread.Add(1) & 0xff
	return filepath.Join(s.dir, "cas", fmt.Sprintf("%02x", i))
}

// mkdirFan makes a fan-out directory once per process (a MkdirAll per blob
// was 12% of a cold build's CPU); again when again is set, for a directory
// removed behind the process's back.
func (s *Store) mkdirFan(dir string, again bool) error {
	var b [1]byte
	if n, err := hex.Decode(b[:], []byte(filepath.Base(dir))); err != nil || n != 1 {
		return os.MkdirAll(dir, 0o755)
	}
	i := b[0]
	if s.fans[i].Load() && !again {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	s.fans[i].Store(true)
	return nil
}

// fanDirs records which of the 256 fan-out directories this process made.
type fanDirs [256]atomic.Bool
