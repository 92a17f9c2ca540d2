package journal

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"

	"seigarrena.dev/sei/confine"
)

// Recorder makes a record across one build: Begin before it, then Finish
// (the build did nothing and may be replayed) or Abort.
//
// A record must only say what the build saw. Begin makes a probe file
// before the build's first stat; Finish stats the paths and refuses the
// record when any entry is as new as the probe, as the file system itself
// dates them. A file changed before the probe was seen changed by the
// build; one changed after it (written, chmod'ed, renamed or linked into
// place: each sets the ctime) is refused, and so is one changed in the
// same timestamp tick (git's racy-index rule). A path that is absent is
// recorded with its nearest existing ancestor directory, whose mtime a
// deletion moves. A refused record is simply not written; the next null
// build tries again. The cost is one lstat per path, after null builds
// only.
type Recorder struct {
	root    string
	file    string
	paths   []string
	shallow []string // directories stat'ed, not walked
	probe   *os.File
	tick    int64 // the probe's mtime
}

// ErrRacy is a record refused because an entry is too new to be trusted.
var ErrRacy = errors.New("journal: an entry is as new as the record")

// Begin makes the probe of the null build's record: the record's
// temporary file, beside it.
func Begin(root string, paths []string) (*Recorder, error) {
	r, err := BeginFile(root, File)
	if err == nil {
		r.Watch(paths, nil)
	}
	return r, err
}

// Watch sets the paths the record lists, and the directories shallow
// (stat'ed, not walked: a file added or removed moves their mtime, a file
// changed in place does not matter). The probe must come first: a command
// makes it before it reads anything, and learns the paths as it goes.
func (r *Recorder) Watch(paths, shallow []string) {
	r.paths, r.shallow = slices.Clone(paths), slices.Clone(shallow)
}

// BeginFile makes the probe of the record at file (File or StatusFile).
func BeginFile(root, file string) (*Recorder, error) {
	if err := confine.NoLinks(root, filepath.Dir(file)); err != nil {
		return nil, err
	}
	dir := filepath.Join(root, filepath.Dir(file))
	// A probe left by a killed command is garbage. A concurrent one may
	// lose its own to this: it then leaves no record, which costs a miss.
	prefix := "." + filepath.Base(file) + "-"
	if old, _ := filepath.Glob(filepath.Join(dir, prefix+"*")); len(old) > 0 {
		for _, p := range old {
			os.Remove(p)
		}
	}
	f, err := os.CreateTemp(dir, prefix+"*")
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	r := &Recorder{root: root, file: file, probe: f}
	err = f.Chmod(0o644) // as the cache's other files
	var fi os.FileInfo
	if err == nil {
		fi, err = f.Stat()
	}
	if err == nil {
		r.tick = fi.ModTime().UnixNano()
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
	if after, err = withShallow(r.root, after, r.shallow); err != nil {
		return err
	}
	if after, err = withAncestors(r.root, after); err != nil {
		return err
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
	return os.Rename(r.probe.Name(), filepath.Join(r.root, r.file))
}

// withAncestors adds to entries, for each path that does not exist, its
// nearest existing ancestor directory (the root at the top), stat'ed but
// not walked.
func withAncestors(root string, entries []Entry) ([]Entry, error) {
	have := make(map[string]bool, len(entries))
	for _, e := range entries {
		have[e.Path] = true
	}
	var dirs []string
	for _, e := range entries {
		if e.Stat.Mode != 0 {
			continue
		}
		dir := path.Dir(e.Path)
		for dir != "." {
			if fi, err := os.Lstat(filepath.Join(root, filepath.FromSlash(dir))); err == nil && fi.IsDir() {
				break
			}
			dir = path.Dir(dir)
		}
		if !have[dir] {
			have[dir] = true
			dirs = append(dirs, dir)
		}
	}
	return withStats(root, entries, dirs)
}

// withStats adds the lstats of paths (none already among entries) and
// keeps the entries sorted.
func withStats(root string, entries []Entry, paths []string) ([]Entry, error) {
	if len(paths) == 0 {
		return entries, nil
	}
	d, err := openDir(root)
	if err != nil {
		return nil, err
	}
	defer d.close()
	more, err := d.statAll(paths)
	if err != nil {
		return nil, err
	}
	entries = append(entries, more...)
	sort.Slice(entries, func(i, j int) bool { return entries[i].Path < entries[j].Path })
	return entries, nil
}

// withShallow adds the shallow directories not already among entries,
// stat'ed, and keeps the entries sorted.
func withShallow(root string, entries []Entry, shallow []string) ([]Entry, error) {
	have := make(map[string]bool, len(entries))
	for _, e := range entries {
		have[e.Path] = true
	}
	var more []string
	for _, p := range shallow {
		if p = path.Clean(p); !have[p] {
			if outside(p) {
				return nil, fmt.Errorf("journal: %s is outside the repository", p)
			}
			have[p] = true
			more = append(more, p)
		}
	}
	return withStats(root, entries, more)
}
