package journal

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"
)

var testKey = []byte("0123456789abcdef0123456789abcdef")

func repo(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	for _, f := range []string{"sei.yaml", "in.txt", "out/a.txt", "out/sub/b.txt"} {
		p := filepath.Join(root, f)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.MkdirAll(filepath.Join(root, ".sei", "cache"), 0o755)
	// Everything a little in the past, so that nothing is racy.
	old := time.Now().Add(-time.Minute)
	filepath.Walk(root, func(p string, _ os.FileInfo, _ error) error { return os.Chtimes(p, old, old) })
	// Chtimes sets the ctime to now: wait out the file system's timestamp
	// tick (the kernel's coarse clock), or the record is rightly racy.
	time.Sleep(30 * time.Millisecond)
	return root
}

var paths = []string{"sei.yaml", "in.txt", "out", "missing.txt"}

func record(t *testing.T, root string) *Journal {
	t.Helper()
	r, err := Begin(root, paths)
	if err != nil {
		t.Fatal(err)
	}
	j := &Journal{Context: [32]byte{1}, Sandboxed: true, Stdout: []byte("built\n"), Stderr: []byte("warning\n")}
	if err := r.Finish(testKey, j); err != nil {
		t.Fatal(err)
	}
	return j
}

func TestRecordRoundTripsAndHolds(t *testing.T) {
	root := repo(t)
	want := record(t, root)
	got, err := Read(root, testKey)
	if err != nil {
		t.Fatal(err)
	}
	names := []string{}
	for _, e := range got.Entries {
		names = append(names, e.Path)
	}
	// Directories whole, an absent path kept as absent with its nearest
	// existing ancestor (the root here, stat'ed, not walked), sorted.
	if !slices.Equal(names, []string{".", "in.txt", "missing.txt", "out", "out/a.txt", "out/sub", "out/sub/b.txt", "sei.yaml"}) {
		t.Fatalf("entries %v", names)
	}
	if got.Context != want.Context || !got.Sandboxed || string(got.Stdout) != "built\n" || string(got.Stderr) != "warning\n" {
		t.Fatalf("read back %+v", got)
	}
	if err := Check(root, got.Entries); err != nil {
		t.Fatalf("an untouched tree: %v", err)
	}
	if m, _ := filepath.Glob(filepath.Join(root, ".sei/cache/.journal-*")); len(m) != 0 {
		t.Fatalf("probe left behind: %v", m)
	}
}

func TestCheckSeesEveryKindOfChange(t *testing.T) {
	for name, change := range map[string]func(root string) error{
		"content, same size": func(r string) error { return os.WriteFile(filepath.Join(r, "in.txt"), []byte("IN.TXT"), 0o644) },
		"mtime put back": func(r string) error {
			p := filepath.Join(r, "in.txt")
			fi, _ := os.Stat(p)
			os.WriteFile(p, []byte("IN.TXT"), 0o644)
			return os.Chtimes(p, fi.ModTime(), fi.ModTime()) // ctime still moves
		},
		"mode":                 func(r string) error { return os.Chmod(filepath.Join(r, "in.txt"), 0o755) },
		"removed":              func(r string) error { return os.Remove(filepath.Join(r, "out/sub/b.txt")) },
		"added in a directory": func(r string) error { return os.WriteFile(filepath.Join(r, "out/sub/c.txt"), nil, 0o644) },
		"absent appears":       func(r string) error { return os.WriteFile(filepath.Join(r, "missing.txt"), nil, 0o644) },
		"replaced by a symlink": func(r string) error {
			os.Remove(filepath.Join(r, "in.txt"))
			return os.Symlink("sei.yaml", filepath.Join(r, "in.txt"))
		},
		"replaced by a FIFO": func(r string) error {
			os.Remove(filepath.Join(r, "in.txt"))
			return syscall.Mkfifo(filepath.Join(r, "in.txt"), 0o644)
		},
	} {
		t.Run(name, func(t *testing.T) {
			root := repo(t)
			j := record(t, root)
			if err := change(root); err != nil {
				t.Fatal(err)
			}
			var ce *ChangedError
			if err := Check(root, j.Entries); !errors.As(err, &ce) {
				t.Fatalf("Check after %s: %v", name, err)
			}
		})
	}
}

func TestCheckSpreadsOverWorkersAndStillFindsOneChange(t *testing.T) {
	root := repo(t)
	var many []string
	for i := 0; i < 5000; i++ {
		many = append(many, fmt.Sprintf("gen/%02d/f%d", i%26, i))
	}
	for _, p := range many {
		os.MkdirAll(filepath.Join(root, filepath.Dir(p)), 0o755)
		os.WriteFile(filepath.Join(root, p), []byte(p), 0o644)
	}
	entries, err := Snapshot(root, append(many, "gen"))
	if err != nil {
		t.Fatal(err)
	}
	if err := Check(root, entries); err != nil {
		t.Fatal(err)
	}
	last := entries[len(entries)-1].Path
	os.WriteFile(filepath.Join(root, last), []byte("changed, longer"), 0o644)
	var ce *ChangedError
	if err := Check(root, entries); !errors.As(err, &ce) || ce.Path != last {
		t.Fatalf("a change in the last worker's share: %v", err)
	}
}

func TestRecorderRefusesWhatItCannotTrust(t *testing.T) {
	for name, change := range map[string]func(root string) error{
		"written":  func(r string) error { return os.WriteFile(filepath.Join(r, "in.txt"), []byte("during"), 0o644) },
		"chmod":    func(r string) error { return os.Chmod(filepath.Join(r, "in.txt"), 0o600) },
		"deleted":  func(r string) error { return os.Remove(filepath.Join(r, "out/sub/b.txt")) },
		"appeared": func(r string) error { return os.WriteFile(filepath.Join(r, "out/new.txt"), nil, 0o644) },
		"renamed over, old mtime": func(r string) error {
			p := filepath.Join(r, "sub.tmp")
			os.WriteFile(p, []byte("IN.TXT"), 0o644)
			old := time.Now().Add(-time.Hour)
			os.Chtimes(p, old, old)
			return os.Rename(p, filepath.Join(r, "in.txt"))
		},
		"absent path deleted after the probe": func(r string) error {
			os.WriteFile(filepath.Join(r, "missing.txt"), nil, 0o644)
			return nil
		},
	} {
		t.Run("changed during the build: "+name, func(t *testing.T) {
			root := repo(t)
			if name == "absent path deleted after the probe" {
				os.WriteFile(filepath.Join(root, "missing.txt"), nil, 0o644)
				old := time.Now().Add(-time.Minute)
				os.Chtimes(filepath.Join(root, "missing.txt"), old, old)
				os.Chtimes(root, old, old)
				time.Sleep(30 * time.Millisecond)
				change = func(r string) error { return os.Remove(filepath.Join(r, "missing.txt")) }
			}
			r, _ := Begin(root, paths)
			time.Sleep(30 * time.Millisecond)
			if err := change(root); err != nil {
				t.Fatal(err)
			}
			if err := r.Finish(testKey, &Journal{}); !errors.Is(err, ErrRacy) {
				t.Fatalf("Finish: %v", err)
			}
			if _, err := os.Stat(filepath.Join(root, File)); !os.IsNotExist(err) {
				t.Fatal("a record was written")
			}
		})
	}
	t.Run("as new as the record", func(t *testing.T) {
		root := repo(t)
		future := time.Now().Add(time.Hour)
		os.Chtimes(filepath.Join(root, "in.txt"), future, future)
		time.Sleep(30 * time.Millisecond) // only the mtime is new
		r, _ := Begin(root, paths)
		if err := r.Finish(testKey, &Journal{}); !errors.Is(err, ErrRacy) {
			t.Fatalf("Finish: %v", err)
		}
		if m, _ := filepath.Glob(filepath.Join(root, ".sei/cache/*journal*")); len(m) != 0 {
			t.Fatalf("left behind: %v", m)
		}
	})
}

func TestReadRefusesForgedTornAndPlanted(t *testing.T) {
	root := repo(t)
	record(t, root)
	p := filepath.Join(root, File)
	good, _ := os.ReadFile(p)
	if _, err := Read(root, []byte("another machine's key, 32 bytes!")); !errors.Is(err, ErrForged) {
		t.Fatalf("other key: %v", err)
	}
	for name, b := range map[string][]byte{
		"flipped": func() []byte { b := slices.Clone(good); b[len(b)/2] ^= 1; return b }(),
		"torn":    good[:len(good)-3],
		"empty":   {},
		"magic":   []byte(magic),
	} {
		os.WriteFile(p, b, 0o644)
		if _, err := Read(root, testKey); !errors.Is(err, ErrForged) {
			t.Errorf("%s: %v", name, err)
		}
	}
	os.Remove(p)
	os.Symlink(filepath.Join(t.TempDir(), "x"), p)
	if _, err := Read(root, testKey); err == nil {
		t.Error("read through a symlink")
	}
}

// A payload that passed the MAC is still bounds-checked: huge counts and
// lengths are a miss, never an allocation of that size or a panic.
func FuzzDecode(f *testing.F) {
	j := &Journal{Entries: []Entry{{Path: "a", Stat: Stat{Mode: 1}}}, Stdout: []byte("x")}
	f.Add(j.encode())
	f.Add(append(make([]byte, 33), 0xff, 0xff, 0xff, 0xff, 0x0f))
	f.Fuzz(func(t *testing.T, b []byte) {
		if j, err := decode(b); err == nil && len(j.Entries) > len(b) {
			t.Fatalf("%d entries from %d bytes", len(j.Entries), len(b))
		}
	})
}

func TestSnapshotStaysInTheRepository(t *testing.T) {
	root := repo(t)
	for _, p := range []string{"/etc", "../x", "a/../../x"} {
		if _, err := Snapshot(root, []string{p}); err == nil {
			t.Errorf("%s: no error", p)
		}
	}
}

// TestStatusRecordKeepsVerdictAndShallowDirectories: the status record is a
// file of its own, carries the exit status, message and horizon, and lists
// a shallow directory without its files: one added there is a change, one
// rewritten in place inside it (not listed otherwise) is not.
func TestStatusRecordKeepsVerdictAndShallowDirectories(t *testing.T) {
	root := repo(t)
	r, err := BeginFile(root, StatusFile)
	if err != nil {
		t.Fatal(err)
	}
	r.Watch([]string{"sei.yaml"}, []string{"out"})
	if err := r.Finish(testKey, &Journal{Exit: 5, Message: "gate failed", UntilNs: 1234, Stdout: []byte("s\n")}); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(root, testKey); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the status record landed in the build's place: %v", err)
	}
	j, err := ReadFile(root, StatusFile, testKey)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range j.Entries {
		names = append(names, e.Path)
	}
	if !slices.Equal(names, []string{"out", "sei.yaml"}) || j.Exit != 5 || j.Message != "gate failed" || j.UntilNs != 1234 {
		t.Fatalf("read back %v %+v", names, j)
	}
	if err := os.WriteFile(filepath.Join(root, "out/a.txt"), []byte("rewritten"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Check(root, j.Entries); err != nil {
		t.Fatalf("a shallow directory's file rewritten in place: %v", err)
	}
	if err := os.WriteFile(filepath.Join(root, "out/new.txt"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Check(root, j.Entries); err == nil {
		t.Fatal("a file added to a shallow directory went unseen")
	}
	if err := RemoveFile(root, StatusFile); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFile(root, StatusFile, testKey); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("after RemoveFile: %v", err)
	}
}
