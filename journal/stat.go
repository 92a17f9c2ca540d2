package journal

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// ChangedError is a record that no longer holds: Path stats otherwise.
type ChangedError struct {
	Path string
	Why  string
}

func (e *ChangedError) Error() string { return fmt.Sprintf("journal: %s %s", e.Path, e.Why) }

// dir is the repository root opened once, so that each lstat is one
// fstatat relative to it: no path joined, nothing followed above it.
type dir struct{ fd int }

func openDir(root string) (dir, error) {
	fd, err := unix.Open(root, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return dir{}, &fs.PathError{Op: "open", Path: root, Err: err}
	}
	return dir{fd}, nil
}

func (d dir) close() { unix.Close(d.fd) }

// stat lstats rel; a path that does not exist is Stat{} (Mode 0).
func (d dir) stat(rel string) (Stat, error) {
	var st unix.Stat_t
	err := unix.Fstatat(d.fd, rel, &st, unix.AT_SYMLINK_NOFOLLOW)
	if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ENOTDIR) {
		return Stat{}, nil
	}
	if err != nil {
		return Stat{}, &fs.PathError{Op: "lstat", Path: rel, Err: err}
	}
	return Stat{Mode: st.Mode, Dev: st.Dev, Ino: st.Ino, Size: st.Size,
		MtimeNs: st.Mtim.Nano(), CtimeNs: st.Ctim.Nano()}, nil
}

func isDir(s Stat) bool { return s.Mode&unix.S_IFMT == unix.S_IFDIR }

// Snapshot stats paths (repository-relative, slash-separated) and, under
// each directory, everything in it, sorted by path: the entries a record
// holds. Symlinks are stat'ed, never followed. Each level's lstats are
// spread over the cores, as Check's are.
func Snapshot(root string, paths []string) ([]Entry, error) {
	d, err := openDir(root)
	if err != nil {
		return nil, err
	}
	defer d.close()
	seen := make(map[string]bool, len(paths))
	var out []Entry
	level := make([]string, 0, len(paths))
	add := func(p string) {
		if !seen[p] {
			seen[p] = true
			level = append(level, p)
		}
	}
	for _, p := range paths {
		p = path.Clean(p)
		if outside(p) {
			return nil, fmt.Errorf("journal: %s is outside the repository", p)
		}
		add(p)
	}
	for len(level) > 0 {
		entries, err := d.statAll(level)
		if err != nil {
			return nil, err
		}
		out = append(out, entries...)
		level = level[:0:0]
		for _, e := range entries {
			if !isDir(e.Stat) {
				continue
			}
			names, err := readDirNames(d, e.Path)
			if err != nil {
				return nil, err
			}
			for _, n := range names {
				add(path.Join(e.Path, n))
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// outside: a clean path that leaves the repository.
func outside(p string) bool { return path.IsAbs(p) || p == ".." || strings.HasPrefix(p, "../") }

// statAll lstats paths on up to GOMAXPROCS goroutines, in order.
func (d dir) statAll(paths []string) ([]Entry, error) {
	out := make([]Entry, len(paths))
	err := spread(len(paths), func(lo, hi int) (err error) {
		for i := lo; i < hi && err == nil; i++ {
			out[i].Path = paths[i]
			out[i].Stat, err = d.stat(paths[i])
		}
		return err
	})
	return out, err
}

// spread runs f over [0, n) cut into one contiguous share per core (one
// share below 2048 items, where a goroutine costs more than it saves),
// and returns the first share's error, in order.
func spread(n int, f func(lo, hi int) error) error {
	workers := min(runtime.GOMAXPROCS(0), 1+n/2048)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[w] = f(w*n/workers, (w+1)*n/workers)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func readDirNames(d dir, rel string) ([]string, error) {
	fd, err := unix.Openat(d.fd, rel, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: rel, Err: err}
	}
	defer unix.Close(fd)
	var names []string
	buf := make([]byte, 32<<10)
	for {
		n, err := unix.Getdents(fd, buf)
		if err != nil {
			return nil, &fs.PathError{Op: "readdir", Path: rel, Err: err}
		}
		if n <= 0 {
			return names, nil
		}
		_, _, names = unix.ParseDirent(buf[:n], -1, names)
	}
}

// Check reports whether every entry still stats as recorded: nil, or the
// first change found as a *ChangedError. The lstats are spread over the
// available cores (they are the whole cost of a replay).
func Check(root string, entries []Entry) error {
	d, err := openDir(root)
	if err != nil {
		return err
	}
	defer d.close()
	var stop atomic.Bool
	return spread(len(entries), func(lo, hi int) error { return d.check(entries[lo:hi], &stop) })
}

func (d dir) check(entries []Entry, stop *atomic.Bool) error {
	for i, e := range entries {
		if i%256 == 0 && stop.Load() {
			return nil // another worker found a change
		}
		s, err := d.stat(e.Path)
		if err == nil && s != e.Stat {
			err = &ChangedError{Path: e.Path, Why: describe(e.Stat, s)}
		}
		if err != nil {
			stop.Store(true)
			return err
		}
	}
	return nil
}

func describe(was, now Stat) string {
	switch {
	case was.Mode == 0:
		return "appeared"
	case now.Mode == 0:
		return "is gone"
	default:
		return "changed"
	}
}
