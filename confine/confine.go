// Package confine is the one rule for every path sei writes or restores:
// relative, clean, inside the repository, outside .git/ and .sei/, never
// sei's own files, and reached through no symlink. Manifests, pipeline
// files (dvc.yaml, MLproject, Dagster metadata), local cache rows and
// remote entries are all checked against it, so a hostile one cannot make
// sei write anywhere else.
package confine

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"unicode"
)

// Why a path is refused.
var (
	ErrEmpty     = errors.New("empty path")
	ErrAbsolute  = errors.New("is absolute; paths are relative to the repository root")
	ErrBackslash = errors.New("uses a backslash; write paths with /")
	ErrEscapes   = errors.New("leaves the repository")
	ErrUnclean   = errors.New("not clean (no '.', '..', empty or trailing components)")
	ErrControl   = errors.New("holds a control character")
	ErrReserved  = errors.New("is reserved")
	ErrSymlink   = errors.New("sei never follows a symlink")
)

// Own are the paths nobody's stage or plan may write: git's and sei's
// directories, the manifest and the lock.
var Own = []string{".git", ".sei", "sei.yaml", "sei.lock"}

// Path checks that p is a relative, slash-separated path inside the
// repository with no control characters (a newline in a name could forge a
// line of a cache key's preimage). It allows "./" and "x/../y" spellings
// that stay inside; Writable does not.
func Path(p string) error {
	switch {
	case p == "":
		return ErrEmpty
	case strings.IndexFunc(p, unicode.IsControl) >= 0:
		return fmt.Errorf("path %q %w", p, ErrControl)
	case strings.ContainsRune(p, '\\'):
		return fmt.Errorf("path %q %w", p, ErrBackslash)
	case strings.HasPrefix(p, "/") || (len(p) > 1 && p[1] == ':'):
		return fmt.Errorf("path %q %w", p, ErrAbsolute)
	}
	c := path.Clean(p)
	switch {
	case c == ".." || strings.HasPrefix(c, "../"):
		return fmt.Errorf("path %q %w", p, ErrEscapes)
	case c == ".":
		return fmt.Errorf("path %q names the repository itself, not a file", p)
	}
	return nil
}

// Writable checks a path sei may write or restore: Path, exactly clean,
// and not one of Own or reserved (nor below one of them).
func Writable(p string, reserved ...string) error {
	if err := Path(p); err != nil {
		return err
	}
	if path.Clean(p) != p {
		return fmt.Errorf("path %q is %w", p, ErrUnclean)
	}
	for _, r := range append(append([]string(nil), Own...), reserved...) {
		if r != "" && Under(p, r) {
			return fmt.Errorf("path %q %w: %s is %s", p, ErrReserved, r, whose(r))
		}
	}
	return nil
}

func whose(r string) string {
	switch r {
	case ".git":
		return "git's directory"
	case ".sei":
		return "sei's directory"
	case "sei.yaml":
		return "the manifest"
	case "sei.lock":
		return "the lock"
	}
	return "sei's (the plan, or another stage's output)"
}

// Under reports whether p is dir or below it (both clean, slash-separated).
func Under(p, dir string) bool { return p == dir || strings.HasPrefix(p, dir+"/") }

// NoLinks checks that no existing component of root/p is a symlink, the
// last included: writing there cannot land outside the repository. A
// component that does not exist yet ends the check (it will be created as
// a directory or file by sei).
func NoLinks(root, p string) error {
	cur := root
	for _, part := range strings.Split(filepath.ToSlash(p), "/") {
		cur = filepath.Join(cur, part)
		fi, err := os.Lstat(cur)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			rel, _ := filepath.Rel(root, cur)
			if filepath.ToSlash(rel) == path.Clean(filepath.ToSlash(p)) {
				return fmt.Errorf("path %q is a symlink: %w", p, ErrSymlink)
			}
			return fmt.Errorf("path %q goes through a symlink (%s): %w", p, filepath.ToSlash(rel), ErrSymlink)
		}
	}
	return nil
}

// Mode is the mode a restored file gets: 0755 when any execute bit was
// set, else 0644. Never setuid, setgid, sticky or writable by others.
func Mode(m os.FileMode) os.FileMode {
	if m&0o111 != 0 {
		return 0o755
	}
	return 0o644
}
