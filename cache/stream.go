package cache

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/zeebo/blake3"
)

// ErrMismatch is a streamed blob whose size or digests are not what its
// reference says. Nothing of it is kept.
var ErrMismatch = errors.New("cache: blob does not match its reference")

// PutVerified streams r into the CAS through SHA-256 and BLAKE3 and keeps
// it only if it is exactly size bytes with both digests as given: a
// temporary file is renamed into place after the check, so peak memory is
// one buffer whatever the blob's size, and a body longer than declared is
// cut at size+1 bytes and refused.
func (s *Store) PutVerified(r io.Reader, size int64, sha256Hex string, want Digest) error {
	tmp, err := os.CreateTemp(filepath.Join(s.dir, "cas"), ".fetch-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	b3, sh := blake3.New(), sha256.New()
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	n, err := io.CopyBuffer(parallelWriter{tmp, sh, b3}, io.LimitReader(r, size+1), *bp)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	switch {
	case err != nil:
		return err
	case n != size:
		return fmt.Errorf("%w: %d bytes, want %d", ErrMismatch, n, size)
	case hex.EncodeToString(sh.Sum(nil)) != sha256Hex:
		return fmt.Errorf("%w: SHA-256 is %x", ErrMismatch, sh.Sum(nil))
	case !equalDigest(b3.Sum(nil), want):
		return fmt.Errorf("%w: BLAKE3 is not %s", ErrMismatch, want)
	}
	return s.keep(tmp.Name(), want, n)
}

// OpenBlob opens blob d for streaming out (an upload) and returns its
// SHA-256 and size, read in one pass that also checks its BLAKE3: a corrupt
// blob is dropped and never sent.
func (s *Store) OpenBlob(d Digest) (f *os.File, sha256Hex string, size int64, err error) {
	f, err = os.Open(s.blobPath(d))
	if err != nil {
		return nil, "", 0, err
	}
	b3, sh := blake3.New(), sha256.New()
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	size, err = io.CopyBuffer(parallelWriter{io.Discard, sh, b3}, f, *bp)
	if err == nil && !equalDigest(b3.Sum(nil), d) {
		s.drop(d)
		err = fmt.Errorf("%w: %s", ErrCorrupt, d)
	}
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		f.Close()
		return nil, "", 0, err
	}
	return f, hexSum(sh), size, nil
}

func hexSum(h hash.Hash) string { return hex.EncodeToString(h.Sum(nil)) }

// parallelWriter writes each chunk to the file and both hashers at once,
// one goroutine each: SHA-256 (about 1.3 GB/s here) and BLAKE3 (2.2 GB/s)
// one after the other would cost more than the download itself.
type parallelWriter struct {
	f      io.Writer
	sh, b3 hash.Hash
}

func (w parallelWriter) Write(p []byte) (int, error) {
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { w.sh.Write(p); wg.Done() }()
	go func() { w.b3.Write(p); wg.Done() }()
	n, err := w.f.Write(p)
	wg.Wait()
	return n, err
}
