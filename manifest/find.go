package manifest

import (
	"os"
	"path/filepath"
)

// FindRoot is the repository that holds dir: the nearest directory at or
// above dir with a manifest, as git and DVC search upward for theirs. The
// search stops at the top of the git work tree (a directory holding .git),
// so a manifest outside the repository is never taken; found is false
// when no manifest was met, and root is then that top (or dir outside
// git), where `sei init` belongs.
func FindRoot(dir string) (root string, found bool, err error) {
	dir, err = filepath.Abs(dir)
	if err != nil {
		return "", false, err
	}
	top := ""
	for d := dir; ; {
		if isFile(filepath.Join(d, FileName)) {
			return d, true, nil
		}
		if _, err := os.Lstat(filepath.Join(d, ".git")); err == nil {
			top = d
			break
		}
		parent := filepath.Dir(d)
		if parent == d {
			break
		}
		d = parent
	}
	if top == "" {
		top = dir
	}
	return top, false, nil
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir()
}
