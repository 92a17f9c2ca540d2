package cache

import (
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// cloneInto makes dst share src's blocks (FICLONE: a reflink on btrfs,
// XFS, bcachefs, overlayfs on those) and reports whether it did; on ext4
// and across file systems it does not, and the caller copies. A reflink
// costs no data write, and unlike a hard link it cannot be changed through
// the other name: the work tree and the CAS stay independent, as DVC's
// cache.type=reflink.
func cloneInto(dst, src *os.File) bool {
	if err := unix.IoctlFileClone(int(dst.Fd()), int(src.Fd())); err != nil {
		return false
	}
	_, err := src.Seek(0, io.SeekStart)
	return err == nil
}
