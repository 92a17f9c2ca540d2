package main

import (
	"os"
	"strings"
	"testing"
)

// backend is what differs between the loan scenario's pipeline tools: the
// names of the data and evaluation stages, the pipeline_lock_digest a run
// must record, and the tool's own view of what happened.
type backend struct {
	tool       string
	data, eval string                                // stage names of featurize and evaluate
	lockDigest func(t *testing.T, dir string) string // the digest the bundle must carry, computed independently
	afterV1    func(t *testing.T, dir string)        // the tool's record after the red V1 run
	afterV2    func(t *testing.T, dir string)        // after the treatment's run
	afterBack  func(t *testing.T, dir string)        // after V1 was restored from sei's cache
}

// loanStory is the first seed page's story with a real pipeline tool: a red
// gate on V1 with signed evidence, the treatment as class B drift that
// re-runs only the evaluation, a green gate with the treatment event, a
// null run, V1 restored from sei's cache, and the A and C drift classes.
func loanStory(t *testing.T, be backend) {
	dir := loanRepo(t, be.tool)
	head := func() string { return strings.TrimSpace(shell(t, dir, "git rev-parse HEAD")) }
	v1Run := head() // the commit V1 is measured at: the bundle's triple.code
	data, eval := "stage:"+be.data, "stage:"+be.eval

	out, errs, code := seiRun(t, "run", "--repo", dir)
	if code != exitGateFail {
		t.Fatalf("V1: sei run exit %d, want %d", code, exitGateFail)
	}
	mustContain(t, "V1 run", out, "ran "+data, "ran "+eval, "gate: FAIL (unfair-credit-exclusion)")
	mustContain(t, "V1 run stderr", errs, "gate failed: blocking control(s) unfair-credit-exclusion")
	// Stage outputs come back from sei's cache: `git add -A` must not
	// commit them, whichever tool made them.
	for _, f := range strings.Fields(shell(t, dir, "git status --porcelain --untracked-files=all | cut -c4-")) {
		if f == "model.pkl" || f == "data/features.csv" {
			t.Errorf("%s: the output %s is not ignored by git", be.tool, f)
		}
	}
	b1 := readLoanBundle(t, dir)
	if want := be.lockDigest(t, dir); b1.PipelineLockDigest != want {
		t.Errorf("pipeline_lock_digest %s, want %s", b1.PipelineLockDigest, want)
	}
	if len(b1.ControlResults) != 1 || b1.ControlResults[0].Passed || *b1.ControlResults[0].ActualValue < 0.03 {
		t.Fatalf("V1 control results: %+v", b1.ControlResults)
	}
	if _, _, code := seiRun(t, "verify", "--repo", dir); code != 0 {
		t.Fatal("sei verify rejected V1's evidence")
	}
	if out, _, code := seiRun(t, "status", "--repo", dir); code != exitGateFail || strings.Contains(out, "Stale") {
		t.Fatalf("V1 status: exit %d, want fresh and gate red (%d)", code, exitGateFail)
	}
	be.afterV1(t, dir)
	// The graph is the tool's own pipeline: two stages, data before evaluation.
	if out, _, _ := seiRun(t, "query", "--repo", dir, "kind(stage, *)"); strings.TrimSpace(out) != data+"\n"+eval &&
		strings.TrimSpace(out) != eval+"\n"+data {
		t.Errorf("stages in the graph:\n%s\nwant %s and %s", out, data, eval)
	}
	if out, _, _ := seiRun(t, "query", "--repo", dir, "somepath("+data+", "+eval+")"); !strings.Contains(out, data) ||
		!strings.Contains(out, eval) {
		t.Errorf("no path from %s to %s:\n%s", data, eval, out)
	}
	shell(t, dir, "git add -A && git commit -qm 'run: V1 evidence'")
	v1Commit := head()

	// The treatment: class B, only the model measurement and what follows.
	shell(t, dir, "cp "+abs(t, "../../testdata/loan/treatments/train_v2.py")+" train.py && git commit -qam 'treatment: V2'")
	out, _, code = seiRun(t, "status", "--repo", dir)
	if code != exitStale {
		t.Fatalf("after the treatment: status exit %d, want %d", code, exitStale)
	}
	mustContain(t, "status after treatment", out, "measurement_model: Stale (B): train.py changed",
		"measurement_data: Reused", "classification: Reused", data+": Reused", "risks: Reused")
	out, _, code = seiRun(t, "run", "--repo", dir)
	if code != 0 {
		t.Fatalf("V2: sei run exit %d, want 0", code)
	}
	mustContain(t, "V2 run", out, "ran "+eval, "gate: PASS")
	mustNotContain(t, "V2 run", out, "ran "+data)
	b2 := readLoanBundle(t, dir)
	if !b2.ControlResults[0].Passed || len(b2.TreatmentEvents) != 1 || b2.TreatmentEvents[0].Kind != "Treatment" ||
		b2.TreatmentEvents[0].PreviousCommit != v1Run || b2.TreatmentEvents[0].AnchoredCommit != head() {
		t.Fatalf("V2 bundle: %+v (V1 run at %s, HEAD %s)", b2, v1Run, head())
	}
	if want := be.lockDigest(t, dir); b2.PipelineLockDigest != want || b2.PipelineLockDigest == b1.PipelineLockDigest {
		t.Errorf("V2 pipeline_lock_digest %s, want %s (V1's was %s)", b2.PipelineLockDigest, want, b1.PipelineLockDigest)
	}
	be.afterV2(t, dir)

	// A second run runs no tool.
	out, _, _ = seiRun(t, "run", "--repo", dir)
	mustContain(t, "second run", out, ": 0 ran, ")

	// Approval of the green V2 by a signed approver, then the periodic
	// review, and the story from git: the lifecycle acts verify.
	shell(t, dir, "git add -A && git commit -qm 'run: V2 evidence'")
	approveAndReview(t, dir)

	// Back to V1: restored from sei's cache, without the tool.
	shell(t, dir, "git checkout -q "+v1Commit+" -- train.py")
	out, _, code = seiRun(t, "run", "--repo", dir)
	mustContain(t, "back to V1", out, "restored "+eval, ": 0 ran, ")
	if b := readLoanBundle(t, dir); code != exitGateFail || b.ControlResults[0].Passed || b.PipelineLockDigest != b1.PipelineLockDigest {
		t.Errorf("back to V1: exit %d, lock digest %s; the gate should fail again with V1's digest %s",
			code, b.PipelineLockDigest, b1.PipelineLockDigest)
	}
	be.afterBack(t, dir)

	// The dataset is class C; the intended purpose is class A.
	shell(t, dir, "echo 'A11,6,A34,A43,1169,A65,A75,4,A93,A101,4,A121,67,A143,A152,2,A173,1,A192,A201,1' >> data/german_credit.csv")
	out, _, _ = seiRun(t, "status", "--repo", dir)
	mustContain(t, "status after a data change", out, "measurement_data: Stale (C): data/german_credit.csv changed", "classification: Reused")
	shell(t, dir, "git checkout -q -- data/german_credit.csv && sed -i 's/Scoring crediticio/Credit scoring/' sei.yaml")
	out, _, _ = seiRun(t, "status", "--repo", dir)
	mustContain(t, "status after a purpose change", out, "classification: Stale (A): sei.yaml system changed")
}

// approveAndReview: Ada, the approver, approves V2's committed evidence
// and reviews it when the interval has passed; every act verifies.
func approveAndReview(t *testing.T, dir string) {
	t.Helper()
	if _, _, code := seiRun(t, "approver", "add", "--repo", dir, "--name", "Ada Auditor", "--email", "ada@example.org",
		"--key", dir+"/.sei/PUBKEY.txt"); code != 0 {
		t.Fatal("sei approver add failed")
	}
	shell(t, dir, "git add -A && git commit -qm 'approvers: Ada'")
	for _, act := range []string{"request", "approve"} {
		if out, _, code := seiRun(t, act, "--repo", dir); code != 0 {
			t.Fatalf("sei %s: exit %d\n%s", act, code, out)
		}
	}
	t.Setenv("SEI_NOW", "2099-01-01")
	out, _, code := seiRun(t, "status", "--repo", dir)
	if code != exitStale || !strings.Contains(out, "lifecycle: under periodic review") {
		t.Fatalf("review due: status exit %d\n%s", code, out)
	}
	if out, _, code := seiRun(t, "review", "--repo", dir); code != 0 || !strings.Contains(out, "under periodic review -> approved") {
		t.Fatalf("sei review: exit %d\n%s", code, out)
	}
	t.Setenv("SEI_NOW", "")
	out, _, _ = seiRun(t, "reconstruct", "--repo", dir)
	mustContain(t, "reconstruct", out, "lifecycle: approved", "approve ", "review ", "verified, signed by")
	mustNotContain(t, "reconstruct", out, "unverified")
	if _, _, code := seiRun(t, "verify", "--repo", dir); code != 0 {
		t.Fatal("sei verify rejected the approved evidence")
	}
}

// venvPython runs a Python snippet with the tool's environment in dir.
func venvPython(t *testing.T, dir, env, script string) string {
	t.Helper()
	return shell(t, dir, env+" .venv/bin/python - <<'EOF'\n"+script+"\nEOF")
}

func nop(*testing.T, string) {}

func fileText(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
