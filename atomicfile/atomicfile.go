// Package atomicfile writes files so that a reader never sees half of one.
package atomicfile

import (
	"fmt"
	"os"
	"path"
	"path/filepath"

	"seigarrena.dev/sei/confine"
)

// Write writes data to path through a temporary file in the same
// directory and a rename, so a crash or a full disk leaves either the old
// file or the new one, never half of one.
func Write(path string, data []byte, perm os.FileMode) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			os.Remove(tmp)
		}
	}()
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Chmod(tmp, perm); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	ok = true
	return nil
}

// WriteIn writes root/rel as Write does, after checking that no directory
// on the way from root is a symlink (confine.NoLinks): a symlinked .sei or
// plan directory cannot make sei write outside the repository. A symlink
// at rel itself is replaced by the rename, never followed.
func WriteIn(root, rel string, data []byte, perm os.FileMode) error {
	if dir := path.Dir(filepath.ToSlash(rel)); dir != "." {
		if err := confine.NoLinks(root, dir); err != nil {
			return fmt.Errorf("writing %s: %w", rel, err)
		}
	}
	return Write(filepath.Join(root, filepath.FromSlash(rel)), data, perm)
}
