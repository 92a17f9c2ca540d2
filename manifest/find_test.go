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
	// Outside git only the directory itself counts: a manifest planted
	// above (in /tmp, say) is never taken.
	lone := filepath.Join(outer, "lone", "deeper")
	os.MkdirAll(lone, 0o755)
	if root, _, found, _ := FindRoot(lone); found || root != lone {
		t.Fatalf("outside git, below a planted %s: %q %v", FileName, root, found)
	}
	os.WriteFile(filepath.Join(lone, FileName), []byte("x"), 0o644)
	if root, _, found, _ := FindRoot(lone); !found || root != lone {
		t.Fatalf("outside git, in the directory itself: %q %v", root, found)
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

// A control id's version is any token the original engine accepts, not
// only a year (the Croissant RAI vocabulary is versioned 1.0); what is not
// a token is still refused.
func TestControlIDVersions(t *testing.T) {
	for _, ok := range []string{"mlcommons/croissant-rai@1.0#sensitive-content", "eu/ai-act@2024#art-15", "iso/42001@2023#a.6.2.4"} {
		if c, err := ParseControlID(ok); err != nil || c.String() != ok {
			t.Errorf("%s: %v (%v)", ok, err, c)
		}
	}
	for _, bad := range []string{"mlcommons/croissant-rai@#x", "mlcommons/croissant-rai@1.0 #x", "eu/ai-act@.2024#art-15", "eu/ai-act#art-15"} {
		if _, err := ParseControlID(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if s, _ := ParseStandardID("mlcommons/croissant-rai@1.0"); s.Slug() != "mlcommons_croissant-rai_1.0" {
		t.Errorf("slug %q", s.Slug())
	}
}
