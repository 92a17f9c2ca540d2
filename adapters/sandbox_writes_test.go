package adapters

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// A table a stage writes is bound read-write in the strict sandbox only
// at its own path: never when the path, or a directory on the way to it,
// is a symlink (bwrap would follow it and let the stage write wherever it
// points), and a directory absent yet is made inside the repository.
func TestStrictBindsWrittenTablesOnlyInTheRepository(t *testing.T) {
	repo, outside := t.TempDir(), t.TempDir()
	os.MkdirAll(filepath.Join(repo, "lake", "features"), 0o755)
	os.Symlink(outside, filepath.Join(repo, "lake", "linked"))
	os.Symlink(outside, filepath.Join(repo, "viadir"))
	s := &StageSandbox{Sandbox: &Sandbox{Mode: Strict, Repo: repo}, Mode: Strict, Writes: []TableWrite{
		{Table: "features", Dir: "lake/features"},
		{Table: "linked", Dir: "lake/linked"},
		{Table: "through", Dir: "viadir/t"},
		{Table: "fresh", Dir: "lake/fresh"},
	}}
	args := s.strictMounts(t.TempDir())
	bound := func(p string) bool {
		for i := range args {
			if args[i] == "--bind" && i+2 < len(args) && args[i+1] == p && args[i+2] == p {
				return true
			}
		}
		return false
	}
	for _, p := range []string{"lake/features", "lake/fresh"} {
		if !bound(filepath.Join(repo, p)) {
			t.Errorf("%s is not bound read-write: %q", p, args)
		}
	}
	for _, p := range []string{filepath.Join(repo, "lake", "linked"), filepath.Join(repo, "viadir", "t"), outside} {
		if slices.Contains(args, p) {
			t.Errorf("%s is mounted: %q", p, args)
		}
	}
	if entries, _ := os.ReadDir(outside); len(entries) != 0 {
		t.Errorf("the sandbox made %v outside the repository", entries)
	}
}
