package cache

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
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
	got, err := pipeStream(tmp, io.LimitReader(r, size+1))
	written, serr := tmp.Stat() // the file verified below, to know it by after the rename
	if err == nil {
		err = serr
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	switch {
	case err != nil:
		return err
	case got.n != size:
		return fmt.Errorf("%w: %d bytes, want %d", ErrMismatch, got.n, size)
	case hex.EncodeToString(got.sha256[:]) != sha256Hex:
		return fmt.Errorf("%w: SHA-256 is %x", ErrMismatch, got.sha256)
	case got.blake3 != want:
		return fmt.Errorf("%w: BLAKE3 is not %s", ErrMismatch, want)
	}
	if err := s.keep(tmp.Name(), want, got.n); err != nil {
		return err
	}
	s.remember(want, written)
	return nil
}

// OpenBlob opens blob d for streaming out (an upload) and returns its
// SHA-256 and size, read in one pass that also checks its BLAKE3: a corrupt
// blob is dropped and never sent.
func (s *Store) OpenBlob(d Digest) (f *os.File, sha256Hex string, size int64, err error) {
	f, err = os.Open(s.blobPath(d))
	if err != nil {
		return nil, "", 0, err
	}
	got, err := pipeStream(nil, f)
	if err == nil && got.blake3 != d {
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
	return f, hex.EncodeToString(got.sha256[:]), got.n, nil
}
