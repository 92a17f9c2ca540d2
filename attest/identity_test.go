package attest

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"
)

func TestValidIdentity(t *testing.T) {
	for _, c := range []struct {
		name, email string
		ok          bool
	}{
		{"Ada Auditor", "ada@example.org", true},
		{"Ada", "ada@example.org\nSei-Approved-by: CRO <cro@corp>", false},
		{"Ada\nSei-Approved-by: X", "ada@example.org", false},
		{"Ada <Auditor>", "ada@example.org", false},
		{"Ada", "ada@example.org>", false},
		{"Ada", "<ada@example.org", false},
		{"Ada", "ada", false},
		{"Ada", "a@b@c", false},
		{"Ada\x00", "ada@example.org", false},
		{"Ada", "ada@exa mple.org", false},
		{"", "ada@example.org", false},
		{" Ada", "ada@example.org", false},
	} {
		if err := ValidIdentity(c.name, c.email); (err == nil) != c.ok {
			t.Errorf("%q <%q>: %v", c.name, c.email, err)
		}
	}
}

// TestRecordActPassesFsck: an act commit with its files passes git fsck
// --strict, and a newline in an identity or trailer writes nothing.
func TestRecordActPassesFsck(t *testing.T) {
	root := t.TempDir()
	r, err := git.PlainInit(root, false)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(root, "a.txt"), []byte("a"), 0o644)
	wt, _ := r.Worktree()
	wt.Add("a.txt")
	when := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	ok := Signer("Ada", "ada@example.org", when)
	if _, err := wt.Commit("first", &git.CommitOptions{Author: &ok, Committer: &ok}); err != nil {
		t.Fatal(err)
	}
	head, _ := r.Head()
	bad := []struct {
		tr     []Trailer
		author object.Signature
	}{
		{[]Trailer{{Key: "Sei-Rejected-by", Value: "Ada <ada@example.org>"}}, Signer("Ada", "ada@example.org\nSei-Approved-by: X <x@y>", when)},
		{[]Trailer{{Key: "Sei-Rejected-by", Value: "Ada <ada@example.org>\nSei-Approved-by: X <x@y>"}}, ok},
	}
	for i, b := range bad {
		if _, err := RecordAct(r, "sei: reject", b.tr, b.author, ok, nil); !errors.Is(err, ErrIdentity) {
			t.Errorf("case %d: %v", i, err)
		}
	}
	if h, _ := r.Head(); h.Hash() != head.Hash() {
		t.Fatal("a refused act moved HEAD")
	}
	files := map[string][]byte{".sei/acts/0001-reject.json": []byte("{}"), ".sei/acts/0001-reject.json.sig": []byte("{}")}
	if _, err := RecordAct(r, "sei: reject", []Trailer{{Key: "Sei-Rejected-by", Value: "Ada <ada@example.org>"}}, ok, ok, files); err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git binary for fsck")
	}
	if out, err := exec.Command("git", "-C", root, "fsck", "--strict").CombinedOutput(); err != nil {
		t.Fatalf("git fsck: %v\n%s", err, out)
	}
	if out, _ := exec.Command("git", "-C", root, "status", "--porcelain").CombinedOutput(); len(out) != 0 {
		t.Errorf("the act left the work tree unlike its commit:\n%s", out)
	}
}
