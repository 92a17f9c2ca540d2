package dag

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"seigarrena.dev/sei/adapters"
	"seigarrena.dev/sei/cache"
	"seigarrena.dev/sei/manifest"
)

// TestHostileCacheEntriesAreRefused: a cached result (a crafted local row,
// or a remote entry once fetched) that would write outside the stage's
// declared outputs is refused before any byte is written, forgotten, and
// the stage runs here; a legitimate one is restored with a masked mode.
func TestHostileCacheEntriesAreRefused(t *testing.T) {
	m, err := manifest.Parse("sei.yaml", []byte("apiVersion: seigarrena.dev/v1alpha1\nkind: AISystem\nsystem: {name: p, intended_purpose: p}\n"))
	if err != nil {
		t.Fatal(err)
	}
	stage := adapters.Stage{Name: "a", Outputs: []string{"sub/out.txt"}}
	g, err := Lower(m, []adapters.Stage{stage})
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	repo := filepath.Join(root, "repo")
	os.MkdirAll(filepath.Join(repo, "sub"), 0o755)
	st, err := cache.Open(filepath.Join(repo, ".sei", "cache"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	build := func() *Report {
		t.Helper()
		rep, err := (&Builder{G: g, M: m, Repo: repo, Store: st, Adapter: &gateAdapter{}, Jobs: 1}).Build(context.Background(), nil)
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	build()
	memos, _ := st.Memos()
	key := memos["stage:a"].Key
	blob, _ := st.PutBytes([]byte("pwned"))
	out := func(p string, mode uint32) cache.Output {
		return cache.Output{Path: p, Digest: blob, Size: 5, Mode: mode}
	}
	for name, outs := range map[string][]cache.Output{
		"climbs out":       {out("sub/out.txt", 0o644), out("../escaped.txt", 0o644)},
		"git hook":         {out("sub/out.txt", 0o644), out(".git/hooks/post-commit", 0o755)},
		"undeclared file":  {out("sub/out.txt", 0o644), out("other.txt", 0o644)},
		"absolute":         {out("/tmp/abs-escaped.txt", 0o644)},
		"declared missing": {},
		"twice":            {out("sub/out.txt", 0o644), out("sub/out.txt", 0o644)},
		"sei's own":        {out("sub/out.txt", 0o644), out("sei.lock", 0o644)},
	} {
		if err := st.Put(key, &cache.Result{Outputs: outs}); err != nil {
			t.Fatal(err)
		}
		os.Remove(filepath.Join(repo, "sub", "out.txt"))
		rep := build()
		if rep.Rejected != 1 || rep.Ran != 1 {
			t.Errorf("%s: rejected %d, ran %d", name, rep.Rejected, rep.Ran)
		}
		for _, p := range []string{filepath.Join(root, "escaped.txt"), filepath.Join(repo, ".git/hooks/post-commit"), filepath.Join(repo, "other.txt"), "/tmp/abs-escaped.txt", filepath.Join(repo, "sei.lock")} {
			if _, err := os.Stat(p); err == nil {
				t.Fatalf("%s: %s was written", name, p)
			}
		}
		if b, _ := os.ReadFile(filepath.Join(repo, "sub", "out.txt")); string(b) != "a" {
			t.Errorf("%s: the stage did not run here (%q)", name, b)
		}
	}
	// A well-formed entry with a setuid, world-writable mode: restored,
	// but 0644.
	st.Put(key, &cache.Result{Outputs: []cache.Output{out("sub/out.txt", 0o4777|0o7000)}})
	os.Remove(filepath.Join(repo, "sub", "out.txt"))
	if rep := build(); rep.Restore != 1 || rep.Rejected != 0 {
		t.Fatalf("a legitimate entry: restored %d, rejected %d", rep.Restore, rep.Rejected)
	}
	if fi, _ := os.Stat(filepath.Join(repo, "sub", "out.txt")); fi.Mode() != 0o755 {
		t.Errorf("restored mode %v, want 0755", fi.Mode())
	}
	// A symlinked directory on the way: refused, nothing written through it.
	st.Put(key, &cache.Result{Outputs: []cache.Output{out("sub/out.txt", 0o644)}})
	os.RemoveAll(filepath.Join(repo, "sub"))
	os.MkdirAll(filepath.Join(root, "elsewhere"), 0o755)
	os.Symlink(filepath.Join(root, "elsewhere"), filepath.Join(repo, "sub"))
	if rep := build(); rep.Rejected != 1 || rep.Failed != 1 {
		t.Errorf("symlinked parent: rejected %d, failed %d (storing through the link must fail too)", rep.Rejected, rep.Failed)
	}
	if b, _ := os.ReadFile(filepath.Join(root, "elsewhere", "out.txt")); string(b) == "pwned" {
		t.Error("the cached bytes were written through the symlink")
	}
}

// linkAdapter's stage leaves a symlink to /etc/passwd as its output.
type linkAdapter struct{ gateAdapter }

func (*linkAdapter) RunStage(_ context.Context, repo string, s adapters.Stage) (adapters.Run, error) {
	return adapters.Run{}, os.Symlink("/etc/passwd", filepath.Join(repo, s.Outputs[0]))
}

// TestSymlinkOutputIsRefused: an output that is a symlink is never
// followed into the cache (where it would be uploaded, then restored as a
// plain file).
func TestSymlinkOutputIsRefused(t *testing.T) {
	m, _ := manifest.Parse("sei.yaml", []byte("apiVersion: seigarrena.dev/v1alpha1\nkind: AISystem\nsystem: {name: p, intended_purpose: p}\n"))
	g, err := Lower(m, []adapters.Stage{{Name: "a", Outputs: []string{"out.txt"}}})
	if err != nil {
		t.Fatal(err)
	}
	repo := t.TempDir()
	st, err := cache.Open(filepath.Join(repo, ".sei", "cache"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rep, err := (&Builder{G: g, M: m, Repo: repo, Store: st, Adapter: &linkAdapter{}, Jobs: 1}).Build(context.Background(), nil)
	if err != nil || rep.Failed != 1 {
		t.Fatalf("failed %d, %v", rep.Failed, err)
	}
	if s, _ := st.Stats(); s.Blobs != 0 {
		t.Errorf("%d blobs stored from a symlinked output", s.Blobs)
	}
}
