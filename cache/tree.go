package cache

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Tree digests a directory as a Merkle tree: each regular file through the
// stat cache (one row per file, so one changed file rehashes one file), each
// subdirectory recursively, symlinks by their target. The preimage is one
// line per entry, sorted by name, so the digest is the same on any machine.
func (h *Hasher) Tree(dir string) (Digest, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return Digest{}, err
	}
	sort.Slice(ents, func(i, j int) bool { return ents[i].Name() < ents[j].Name() })
	var b strings.Builder
	for _, e := range ents {
		p := filepath.Join(dir, e.Name())
		switch t := e.Type(); {
		case t.IsRegular():
			d, _, err := h.File(p)
			if err != nil {
				return Digest{}, err
			}
			fmt.Fprintf(&b, "f %s %x\n", e.Name(), d[:])
		case t.IsDir():
			d, err := h.Tree(p)
			if err != nil {
				return Digest{}, err
			}
			fmt.Fprintf(&b, "d %s %x\n", e.Name(), d[:])
		case t&os.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return Digest{}, err
			}
			fmt.Fprintf(&b, "l %s %s\n", e.Name(), target)
		}
	}
	return Sum([]byte("sei/tree/v1\n" + b.String())), nil
}

// Path digests a file or a directory.
func (h *Hasher) Path(p string) (Digest, error) {
	fi, err := os.Lstat(p)
	if err != nil {
		return Digest{}, err
	}
	if fi.IsDir() {
		return h.Tree(p)
	}
	if !fi.Mode().IsRegular() {
		return Digest{}, fmt.Errorf("%s: not a regular file or directory", p)
	}
	d, _, err := h.file(p, fi) // one lstat per file on the null-build path
	return d, err
}
