package manifest

import (
	"os"
	"path/filepath"
	"testing"
)

// The manifest is found upward from a subdirectory, but never above the
// git work tree's top: a sei.yaml outside the repository is not its own.
func TestFindRoot(t *testing.T) {
	base := t.TempDir()
	outer := filepath.Join(base, "outer")
	repo := filepath.Join(outer, "repo")
	deep := filepath.Join(repo, "data", "raw")
	for _, d := range []string{deep, filepath.Join(repo, ".git")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(outer, FileName), []byte("x"), 0o644)
	if root, _, found, err := FindRoot(deep); err != nil || found || root != repo {
		t.Fatalf("no manifest in the repository: got %q %v %v; want the git top %q, not found", root, found, err, repo)
	}
	os.WriteFile(filepath.Join(repo, FileName), []byte("x"), 0o644)
	if root, _, found, err := FindRoot(deep); err != nil || !found || root != repo {
		t.Fatalf("from %s: got %q %v %v", deep, root, found, err)
	}
	// A directory named sei.yaml is not a manifest.
	os.MkdirAll(filepath.Join(deep, FileName), 0o755)
	if root, _, _, _ := FindRoot(deep); root != repo {
		t.Fatalf("a directory sei.yaml was taken: %q", root)
	}
	// Outside git, with no manifest anywhere up to the root, the start.
	lone := filepath.Join(base, "lone")
	os.MkdirAll(lone, 0o755)
	if root, _, found, _ := FindRoot(lone); found && root != outer || !found && root != lone {
		t.Fatalf("outside git: %q %v", root, found)
	}
}

// The original engine's names are found where sei's are absent, and sei's
// win where both are.
func TestFindRootLegacy(t *testing.T) {
	repo := t.TempDir()
	os.MkdirAll(filepath.Join(repo, ".git"), 0o755)
	os.WriteFile(filepath.Join(repo, "froga.yaml"), []byte("x"), 0o644)
	root, l, found, err := FindRoot(repo)
	if err != nil || !found || root != repo || l.Engine != "froga" || l.Lock != "froga.lock" || l.Dir != ".froga" {
		t.Fatalf("froga repository: %q %+v %v %v", root, l, found, err)
	}
	os.WriteFile(filepath.Join(repo, FileName), []byte("x"), 0o644)
	if _, l, _, _ := FindRoot(repo); l.Legacy() || l.Manifest != FileName {
		t.Fatalf("with sei.yaml beside froga.yaml: %+v", l)
	}
}
