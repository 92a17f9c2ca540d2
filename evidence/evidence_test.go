package evidence

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"

	"seigarrena.dev/sei/attest"
	"seigarrena.dev/sei/dag"
	"seigarrena.dev/sei/manifest"
	"seigarrena.dev/sei/rules"
)

func newKey(t *testing.T) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

const uid = "5ed24519-7b64-5947-b7b9-5693f9fbdc0e"

// run writes the evidence of one run into a new repository at root.
func run(t *testing.T, k *ecdsa.PrivateKey, root string, passed bool) *attest.Lock {
	t.Helper()
	s, err := NewSigner(root, ".sei", k)
	if err != nil {
		t.Fatal(err)
	}
	status := "valid"
	if !passed {
		status = "failed"
	}
	lock := &attest.Lock{SchemaVersion: attest.LockSchema, ProgramUID: uid, Triple: attest.Triple{Code: "c1"},
		Sections: map[string]attest.LockEntry{"gate": {Status: status, InputHash: "sha256:aa", EdgeType: "impl", Classes: map[string]string{}}},
		Inputs:   map[string]string{"file:train.sh": "blake3:01"}}
	m := &manifest.Manifest{System: manifest.System{Name: "toy"}}
	verdict := rules.Pass
	if !passed {
		verdict = rules.Fail
	}
	v := 0.11
	g := &rules.GateResult{Passed: passed, Results: []rules.ControlResult{{Control: rules.Control{MeasureID: "dp", Metric: "dp", Enforcement: "gate"}, Value: &v, Verdict: verdict}}}
	if !passed {
		g.Blocking = []string{"dp"}
	}
	if _, err := WriteRun(s, filepath.Join(root, attest.LockFile), lock, attest.BundleInput{M: m, Analysis: &rules.Analysis{}, Gate: g, Triple: lock.Triple}); err != nil {
		t.Fatal(err)
	}
	return lock
}

func verifier(root string, k *ecdsa.PrivateKey, drift DriftFunc) Verifier {
	return Verifier{Root: root, Dir: ".sei", LockFile: attest.LockFile, ProgramUID: uid, Drift: drift,
		Trust: &attest.Trust{Keys: []*ecdsa.PublicKey{&k.PublicKey}, Pinned: true}}
}

func fresh(*attest.Lock) []dag.SectionStatus { return []dag.SectionStatus{{Name: "gate"}} }

func stale(*attest.Lock) []dag.SectionStatus {
	return []dag.SectionStatus{{Name: "gate", Stale: true, Drift: []string{"B"}, Reason: "train.sh changed"}}
}

func kinds(r *Report) string {
	var out []string
	for _, f := range r.Findings {
		if !f.OK {
			out = append(out, f.File+":"+f.Kind)
		}
	}
	return strings.Join(out, " ")
}

func TestVerifyBindsSystemTreeAndLock(t *testing.T) {
	k := newKey(t)
	root := t.TempDir()
	run(t, k, root, false)
	rep, err := Verify(verifier(root, k, fresh))
	if err != nil || !rep.OK() || rep.Gate() == nil || rep.Gate().Passed {
		t.Fatalf("a fresh red run: ok=%v gate=%+v findings=%s err=%v", rep.OK(), rep.Gate(), kinds(rep), err)
	}
	// The tree moved on: genuine, but stale, with the cause.
	rep, _ = Verify(verifier(root, k, stale))
	if kinds(rep) != "bundle.json:stale" || !rep.Genuine() || !strings.Contains(rep.FirstProblem(), "train.sh changed") {
		t.Errorf("stale: %s / %s", kinds(rep), rep.FirstProblem())
	}
	// Another system's evidence.
	v := verifier(root, k, fresh)
	v.ProgramUID = "00000000-0000-5000-8000-000000000000"
	if rep, _ = Verify(v); kinds(rep) != "bundle.json:foreign" {
		t.Errorf("foreign: %s", kinds(rep))
	}
	// The lock edited to say the gate passed.
	lp := filepath.Join(root, attest.LockFile)
	b, _ := os.ReadFile(lp)
	os.WriteFile(lp, []byte(strings.Replace(string(b), `"failed"`, `"valid"`, 1)), 0o644)
	if rep, _ = Verify(verifier(root, k, fresh)); kinds(rep) != "sei.lock:anchor" || rep.Gate().Passed {
		t.Errorf("edited lock: %s, gate %+v", kinds(rep), rep.Gate())
	}
	// Another key: nothing verifies, and no gate is read.
	if rep, _ = Verify(verifier(root, newKey(t), fresh)); rep.Genuine() || rep.Gate() != nil {
		t.Errorf("wrong key: %s", kinds(rep))
	}
}

func TestPreviousIsOnlyGenuineEvidence(t *testing.T) {
	k := newKey(t)
	root := t.TempDir()
	run(t, k, root, false)
	if b, warn := Previous(verifier(root, k, stale)); b == nil || warn != "" {
		t.Fatalf("a genuine older run is the baseline: %v %q", b, warn)
	}
	p := filepath.Join(root, ".sei", attest.BundleFile)
	b, _ := os.ReadFile(p)
	os.WriteFile(p, []byte(strings.Replace(string(b), `"FAIL"`, `"PASS"`, 1)), 0o644)
	if b, warn := Previous(verifier(root, k, fresh)); b != nil || !strings.Contains(warn, "does not verify") {
		t.Errorf("a tampered bundle served as baseline: %v %q", b, warn)
	}
}

func TestSignerRefusesAnUnendorsedKey(t *testing.T) {
	k, other := newKey(t), newKey(t)
	root := t.TempDir()
	run(t, k, root, true)
	if _, err := NewSigner(root, ".sei", other); err == nil || !strings.Contains(err.Error(), "endorse") {
		t.Fatalf("another key signs: %v", err)
	}
	s, _ := NewSigner(root, ".sei", k)
	if _, err := Endorse(s, &other.PublicKey, "rotation"); err != nil {
		t.Fatal(err)
	}
	if _, err := NewSigner(root, ".sei", other); err != nil {
		t.Errorf("an endorsed key is refused: %v", err)
	}
	// A verifier that trusts only the old key trusts the new one through
	// the endorsement.
	run(t, other, root, true)
	if rep, err := Verify(verifier(root, k, fresh)); err != nil || !rep.OK() {
		t.Errorf("rotated evidence: %s %v", kinds(rep), err)
	}
}

// TestCheckRests: an act refuses a dirty tree, uncommitted evidence and
// stale evidence; on a clean tree with committed, fresh evidence it goes.
// The clock and the identity are the test's.
func TestCheckRests(t *testing.T) {
	k := newKey(t)
	root := t.TempDir()
	r, err := git.PlainInit(root, false)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(root, "train.sh"), []byte("v1"), 0o644)
	run(t, k, root, true)
	when := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	commitAll(t, r, when)
	check := func(d DriftFunc) error {
		rep, err := Verify(verifier(root, k, d))
		if err != nil {
			t.Fatal(err)
		}
		return CheckRests(ActContext{Repo: r, Root: root, Report: rep})
	}
	if err := check(fresh); err != nil {
		t.Fatalf("clean, committed, fresh: %v", err)
	}
	if err := check(stale); !errors.Is(err, ErrStale) {
		t.Errorf("stale: %v", err)
	}
	os.WriteFile(filepath.Join(root, "train.sh"), []byte("v2"), 0o644)
	if err := check(fresh); !errors.Is(err, ErrDirty) || !strings.Contains(err.Error(), "train.sh") {
		t.Errorf("dirty: %v", err)
	}
	os.WriteFile(filepath.Join(root, "train.sh"), []byte("v1"), 0o644)
	rec, err := NewActRecord(r, ".sei", uid, attest.ActRequest, "Ada <ada@example.org>", "s", when, "sha256:x")
	if err != nil || rec.Seq != 1 || rec.ProgramUID != uid || rec.Date != "2026-01-02T03:04:05Z" || rec.Previous != "" {
		t.Errorf("first act record: %+v %v", rec, err)
	}
}

func commitAll(t *testing.T, r *git.Repository, when time.Time) {
	t.Helper()
	wt, _ := r.Worktree()
	if err := wt.AddGlob("."); err != nil {
		t.Fatal(err)
	}
	sig := &object.Signature{Name: "Ada", Email: "ada@example.org", When: when}
	if _, err := wt.Commit("run", &git.CommitOptions{Author: sig, Committer: sig}); err != nil {
		t.Fatal(err)
	}
}

// TestDecide: the actor and the state decide before any evidence is read.
func TestDecide(t *testing.T) {
	ada, mallory := newKey(t), newKey(t)
	gov := &attest.Governance{Current: []attest.Approver{{Name: "Ada", Email: "ada@example.org", Key: attest.PubkeyHex(&ada.PublicKey)[:130]}}}
	base := ActInput{Act: attest.ActReject, Name: "Ada", Email: "ada@example.org", Key: &ada.PublicKey, Gov: gov,
		Lifecycle: attest.Lifecycle{State: attest.Pending}}
	if d, err := Decide(base); err != nil || d.Next != attest.Draft {
		t.Fatalf("an approver rejects: %+v %v", d, err)
	}
	for name, in := range map[string]ActInput{
		"another key":        func() ActInput { i := base; i.Key = &mallory.PublicKey; return i }(),
		"another identity":   func() ActInput { i := base; i.Name = "Eve"; return i }(),
		"a newline in email": func() ActInput { i := base; i.Email = "ada@example.org\nSei-Approved-by: x"; return i }(),
		"a state it skips":   func() ActInput { i := base; i.Lifecycle.State = attest.Draft; return i }(),
	} {
		if _, err := Decide(in); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, _, err := acceptance(attest.ActApprove, &rules.GateResult{Passed: true}, "why"); !errors.Is(err, ErrResidual) {
		t.Errorf("a residual accepted on a passing gate: %v", err)
	}
	if _, _, err := acceptance(attest.ActApprove, &rules.GateResult{Blocking: []string{"dp"}}, ""); !errors.Is(err, ErrGate) {
		t.Errorf("a red gate approved: %v", err)
	}
	if c, r, err := acceptance(attest.ActApprove, &rules.GateResult{Blocking: []string{"dp"}}, "pilot"); err != nil || c[0] != "dp" || r != "pilot" {
		t.Errorf("an accepted residual: %v %q %v", c, r, err)
	}
}
