package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"seigarrena.dev/sei/journal"
)

const statusManifest = `apiVersion: seigarrena.dev/v1alpha1
kind: AISystem
system: { name: s, intended_purpose: "p", decisions: [d], affected_persons: [p] }
pipeline:
  tool: command
  metrics: m.json
  stages:
    - { name: a, cmd: "cp in.txt out.txt; echo '{}' > m.json", deps: [in.txt], outs: [out.txt, m.json] }
risk:
  appetite: { individual: MEDIUM }
  overall_residual_criterion: HIGH
  risks:
    - { id: risk.a, title: A, impact: { individual: LOW }, likelihood: RARE }
`

// statusRepo is a committed repository after a signed run, with the
// record's key in a private cache directory.
func statusRepo(t *testing.T) string {
	t.Helper()
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	t.Setenv("SEI_SIGNING_KEY", testKeyPEM)
	for _, v := range []string{"SEI_TRUSTED_KEYS", "SEI_TRUSTED_APPROVERS", "SEI_NOW"} {
		t.Setenv(v, "")
		os.Unsetenv(v)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "sei.yaml"), []byte(statusManifest), 0o644); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "in.txt"), []byte("in\n"), 0o644)
	shell(t, dir, "git init -q && git add -A && git -c user.email=a@b -c user.name=a commit -qm init")
	for _, args := range [][]string{{"compile"}, {"run"}} {
		if _, _, code := seiRun(t, append(args, "--repo", dir)...); code != 0 {
			t.Fatalf("sei %s failed", args[0])
		}
	}
	shell(t, dir, "git add -A && git -c user.email=a@b -c user.name=a commit -qm run")
	return dir
}

// plant replaces the status record with one that prints REPLAYED and says
// until, made as sei makes one (its paths are the real record's), so that
// the test can tell a replay from a status computed anew.
func plant(t *testing.T, dir string, until time.Time) {
	t.Helper()
	time.Sleep(30 * time.Millisecond)  // past the file system's timestamp tick
	seiRun(t, "status", "--repo", dir) // whatever its verdict: it leaves a record
	key := manifestCacheKey()
	j, err := journal.ReadFile(dir, journal.StatusFile, key)
	if err != nil {
		t.Fatalf("no record after a status: %v", err)
	}
	// The same entries: every directory's files are listed, so each
	// directory is stat'ed alone.
	var files, dirs []string
	for _, e := range j.Entries {
		if e.Stat.Mode&0o170000 == 0o040000 {
			dirs = append(dirs, e.Path)
		} else {
			files = append(files, e.Path)
		}
	}
	r, err := journal.BeginFile(dir, journal.StatusFile)
	if err != nil {
		t.Fatal(err)
	}
	r.Watch(files, dirs)
	j.Stdout = []byte("REPLAYED\n")
	if !until.IsZero() {
		j.UntilNs = until.UnixNano()
	}
	if err := r.Finish(key, j); err != nil {
		t.Fatal(err)
	}
}

func replayed(t *testing.T, dir string, args ...string) bool {
	t.Helper()
	out, _, _ := seiRun(t, append([]string{"status", "--repo", dir}, args...)...)
	return strings.HasPrefix(out, "REPLAYED")
}

func TestStatusRecordReplaysUntilAnythingItReadChanges(t *testing.T) {
	dir := statusRepo(t)
	first, firstErr, code := seiRun(t, "status", "--repo", dir)
	again, againErr, code2 := seiRun(t, "status", "--repo", dir)
	if first != again || firstErr != againErr || code != code2 || code != 0 {
		t.Fatalf("a replayed status differs:\n%s%s(%d)\n---\n%s%s(%d)", first, firstErr, code, again, againErr, code2)
	}
	changes := map[string]func(){
		"a source edited":  func() { os.WriteFile(filepath.Join(dir, "in.txt"), []byte("changed\n"), 0o644) },
		"sei.yaml touched": func() { shell(t, dir, "touch sei.yaml") },
		"a new commit":     func() { shell(t, dir, "git -c user.email=a@b -c user.name=a commit -q --allow-empty -m more") },
		"a branch made":    func() { shell(t, dir, "git branch other") },
		"the lock edited":  func() { shell(t, dir, "echo >> sei.lock") },
		"a file added to the evidence directory": func() {
			os.WriteFile(filepath.Join(dir, ".sei", "planted.json"), []byte("{}"), 0o644)
		},
		"the bundle rewritten": func() { shell(t, dir, "cp .sei/bundle.json b && mv b .sei/bundle.json") },
		"an output deleted":    func() { os.Remove(filepath.Join(dir, "out.txt")) },
	}
	for name, change := range changes {
		plant(t, dir, time.Time{})
		if !replayed(t, dir) {
			t.Fatalf("%s: a planted record was not replayed", name)
		}
		change()
		if replayed(t, dir) {
			t.Errorf("%s: the record was replayed", name)
		}
	}
}

func TestStatusRecordIsNotReplayedElsewhere(t *testing.T) {
	dir := statusRepo(t)
	plant(t, dir, time.Time{})
	if replayed(t, dir, "--json") {
		t.Error("replayed for other arguments")
	}
	plant(t, dir, time.Time{})
	t.Setenv("SEI_NOW", "2030-01-01")
	if replayed(t, dir) {
		t.Error("replayed in another environment")
	}
	os.Unsetenv("SEI_NOW")
	plant(t, dir, time.Time{})
	t.Setenv("SEI_TRUSTED_KEYS", filepath.Join(dir, ".sei", "PUBKEY.txt"))
	if replayed(t, dir) {
		t.Error("replayed with pinned keys, which are files the record does not list")
	}
	os.Unsetenv("SEI_TRUSTED_KEYS")
	if !replayed(t, dir) {
		t.Fatal("a status with pinned keys replaced the record")
	}
	// Past its horizon (the next review due) a record is stale whatever
	// the files say; before it, it holds.
	plant(t, dir, time.Now().Add(-time.Minute))
	if replayed(t, dir) {
		t.Error("replayed past its horizon")
	}
	plant(t, dir, time.Now().Add(time.Hour))
	if !replayed(t, dir) {
		t.Error("not replayed before its horizon")
	}
}

func TestStatusRecordRefusesForgeries(t *testing.T) {
	dir := statusRepo(t)
	plant(t, dir, time.Time{})
	rec := filepath.Join(dir, journal.StatusFile)
	good, err := os.ReadFile(rec)
	if err != nil {
		t.Fatal(err)
	}
	for name, forge := range map[string]func(){
		"a byte flipped": func() {
			b := append([]byte(nil), good...)
			b[len(b)/2] ^= 1
			os.WriteFile(rec, b, 0o644)
		},
		"torn":    func() { os.WriteFile(rec, good[:len(good)/2], 0o644) },
		"a FIFO":  func() { os.Remove(rec); shell(t, dir, "mkfifo "+journal.StatusFile) },
		"symlink": func() { os.WriteFile(rec+".real", good, 0o644); os.Remove(rec); os.Symlink(rec+".real", rec) },
		"another machine's key": func() {
			t.Setenv("XDG_CACHE_HOME", t.TempDir())
		},
	} {
		forge()
		if replayed(t, dir) {
			t.Errorf("%s: replayed", name)
		}
		os.Remove(rec)
		os.WriteFile(rec, good, 0o644)
	}
	if _, err := os.Stat(rec); errors.Is(err, os.ErrNotExist) {
		t.Fatal("the record is gone")
	}
}
