package attest

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// MaxEvidenceFile bounds what sei reads of one evidence file. The largest
// real bundle seen (the original engine's demo) is 128 KiB; 64 MiB leaves
// room for any honest artefact and stops a crafted one from taking memory.
const MaxEvidenceFile = 64 << 20

// ErrNotRegular is a path in the evidence that is a symlink, FIFO, device
// or socket. Evidence is plain files only: following a link would verify
// bytes from outside the repository, and opening a FIFO would hang.
var ErrNotRegular = errors.New("not a regular file")

// ReadRegular reads a regular file without following a final symlink and
// without blocking on a FIFO (O_NONBLOCK), at most MaxEvidenceFile bytes.
func ReadRegular(path string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if errors.Is(err, syscall.ELOOP) {
		return nil, fmt.Errorf("%s: %w (symlink)", path, ErrNotRegular)
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: %w (%s)", path, ErrNotRegular, kindOf(fi.Mode()))
	}
	if fi.Size() > MaxEvidenceFile {
		return nil, fmt.Errorf("%s: %d bytes, more than the %d an evidence file may have", path, fi.Size(), MaxEvidenceFile)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxEvidenceFile+1))
	if err == nil && len(data) > MaxEvidenceFile {
		err = fmt.Errorf("%s: grew past %d bytes while read", path, MaxEvidenceFile)
	}
	return data, err
}

// kindOf names a non-regular file type for error messages.
func kindOf(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "symlink"
	case m&fs.ModeNamedPipe != 0:
		return "FIFO"
	case m&fs.ModeDevice != 0:
		return "device"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m.IsDir():
		return "directory"
	}
	return "irregular file"
}
