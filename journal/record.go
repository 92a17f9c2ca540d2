package journal

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"seigarrena.dev/sei/confine"
)

// Recorder makes a record across one build: Begin before it, then Finish
// (the build did nothing and may be replayed) or Abort.
//
// A record must only say what the build saw. Two rules make sure of it:
// the paths are stat'ed before the build and again after it, and must
// agree (nothing changed while the build read them); and every entry's
// timestamps must be older than a probe file made before the first stat,
// as the file system itself dates them (git's racy-index rule: a file
// written in the same timestamp tick as the record could change again
// without its stat showing it). A record that fails either rule is simply
// not written; the next null build tries again.
type Recorder struct {
	root   string
	paths  []string
	probe  *os.File
	tick   int64 // the probe's mtime
	before []Entry
}

// ErrRacy is a record refused because an entry is too new to be trusted.
var ErrRacy = errors.New("journal: an entry is as new as the record")

// Begin makes the probe (the record's temporary file, beside it) and
// stats paths.
func Begin(root string, paths []string) (*Recorder, error) {
	if err := confine.NoLinks(root, filepath.Dir(File)); err != nil {
		return nil, err
	}
	dir := filepath.Join(root, filepath.Dir(File))
	// A probe left by a killed build is garbage: the caller holds the
	// repository's lock, so no other build owns one.
	if old, _ := filepath.Glob(filepath.Join(dir, ".journal-*")); len(old) > 0 {
		for _, p := range old {
			os.Remove(p)
		}
	}
	f, err := os.CreateTemp(dir, ".journal-*")
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	r := &Recorder{root: root, paths: slices.Clone(paths), probe: f}
	err = f.Chmod(0o644) // as the cache's other files
	var fi os.FileInfo
	if err == nil {
		fi, err = f.Stat()
	}
	if err == nil {
		r.tick = fi.ModTime().UnixNano()
		r.before, err = Snapshot(root, paths)
	}
	if err != nil {
		r.Abort()
		return nil, err
	}
	return r, nil
}

// Abort drops the probe.
func (r *Recorder) Abort() {
	r.probe.Close()
	os.Remove(r.probe.Name())
}

// Finish stats the paths again and, when nothing changed and nothing is
// racy, seals j (its Entries filled here) under key and renames it into
// place. On any error the probe is removed and no record is left.
func (r *Recorder) Finish(key []byte, j *Journal) error {
	err := r.finish(key, j)
	if err != nil {
		r.Abort()
	}
	return err
}

func (r *Recorder) finish(key []byte, j *Journal) error {
	after, err := Snapshot(r.root, r.paths)
	if err != nil {
		return err
	}
	if !slices.Equal(r.before, after) {
		return &ChangedError{Path: firstDifference(r.before, after), Why: "changed during the build"}
	}
	for _, e := range after {
		if e.Stat.Mode != 0 && (e.Stat.MtimeNs >= r.tick || e.Stat.CtimeNs >= r.tick) {
			return fmt.Errorf("%w: %s", ErrRacy, e.Path)
		}
	}
	j.Entries = after
	payload := j.encode()
	mac, err := seal(key, payload)
	if err != nil {
		return err
	}
	if _, err := r.probe.Write(append(append([]byte(magic), mac...), payload...)); err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	if err := r.probe.Close(); err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	return os.Rename(r.probe.Name(), filepath.Join(r.root, File))
}

func firstDifference(a, b []Entry) string {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return min(a[i].Path, b[i].Path)
		}
	}
	if len(a) > len(b) {
		return a[len(b)].Path
	}
	if len(b) > len(a) {
		return b[len(a)].Path
	}
	return ""
}
