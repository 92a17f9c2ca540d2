package main

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLoanDVC is the first seed page's story with the real dvc CLI: a red
// gate on V1 with signed evidence, the treatment as class B drift that
// re-runs only evaluate, a green gate with the treatment event, a null run,
// V1 restored from sei's cache, and the A and C drift classes.
func TestLoanDVC(t *testing.T) {
	dir := loanRepo(t, "dvc")
	head := func() string { return strings.TrimSpace(shell(t, dir, "git rev-parse HEAD")) }
	v1Run := head() // the commit V1 is measured at: the bundle's triple.code

	out, errs, code := seiRun(t, "run", "--repo", dir)
	if code != exitGateFail {
		t.Fatalf("V1: sei run exit %d, want %d", code, exitGateFail)
	}
	mustContain(t, "V1 run", out, "ran stage:featurize", "ran stage:evaluate", "gate: FAIL ([unfair-credit-exclusion])")
	mustContain(t, "V1 run stderr", errs, "gate failed: blocking control(s) unfair-credit-exclusion")
	b1 := readLoanBundle(t, dir)
	lock, _ := os.ReadFile(filepath.Join(dir, "dvc.lock"))
	sum := sha256.Sum256(lock)
	if b1.PipelineLockDigest != "sha256:"+hex.EncodeToString(sum[:]) {
		t.Errorf("pipeline_lock_digest %s is not sha256(dvc.lock)", b1.PipelineLockDigest)
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
	shell(t, dir, "git add -A && git commit -qm 'run: V1 evidence'")
	v1Commit := head()

	// The treatment: class B, only the model measurement and what follows.
	shell(t, dir, "cp "+abs(t, "../../testdata/loan/treatments/train_v2.py")+" train.py && git commit -qam 'treatment: V2'")
	out, _, code = seiRun(t, "status", "--repo", dir)
	if code != exitStale {
		t.Fatalf("after the treatment: status exit %d, want %d", code, exitStale)
	}
	mustContain(t, "status after treatment", out, "measurement_model: Stale (B): train.py changed",
		"measurement_data: Reused", "classification: Reused", "stage:featurize: Reused", "risks: Reused")
	out, _, code = seiRun(t, "run", "--repo", dir)
	if code != 0 {
		t.Fatalf("V2: sei run exit %d, want 0", code)
	}
	mustContain(t, "V2 run", out, "ran stage:evaluate", "gate: PASS")
	mustNotContain(t, "V2 run", out, "ran stage:featurize")
	b2 := readLoanBundle(t, dir)
	if !b2.ControlResults[0].Passed || len(b2.TreatmentEvents) != 1 || b2.TreatmentEvents[0].Kind != "Treatment" ||
		b2.TreatmentEvents[0].PreviousCommit != v1Run || b2.TreatmentEvents[0].AnchoredCommit != head() {
		t.Fatalf("V2 bundle: %+v (V1 run at %s, HEAD %s)", b2, v1Run, head())
	}

	// A second run runs no tool.
	out, _, _ = seiRun(t, "run", "--repo", dir)
	mustContain(t, "second run", out, "0 stages ran")

	// Back to V1: restored from sei's cache, DVC agrees it is up to date.
	shell(t, dir, "git add -A && git commit -qm 'run: V2 evidence' && git checkout -q "+v1Commit+" -- train.py")
	out, _, code = seiRun(t, "run", "--repo", dir)
	mustContain(t, "back to V1", out, "restored stage:evaluate", "0 stages ran")
	if code != exitGateFail || readLoanBundle(t, dir).ControlResults[0].Passed {
		t.Errorf("back to V1: exit %d and the gate should fail again", code)
	}
	if st := shell(t, dir, "DVC_NO_ANALYTICS=1 .venv/bin/dvc status"); !strings.Contains(st, "up to date") {
		t.Errorf("dvc status after sei restored V1: %s", st)
	}

	// The dataset is class C; the intended purpose is class A.
	shell(t, dir, "echo 'A11,6,A34,A43,1169,A65,A75,4,A93,A101,4,A121,67,A143,A152,2,A173,1,A192,A201,1' >> data/german_credit.csv")
	out, _, _ = seiRun(t, "status", "--repo", dir)
	mustContain(t, "status after a data change", out, "measurement_data: Stale (C): data/german_credit.csv changed", "classification: Reused")
	shell(t, dir, "git checkout -q -- data/german_credit.csv && sed -i 's/Scoring crediticio/Credit scoring/' sei.yaml")
	out, _, _ = seiRun(t, "status", "--repo", dir)
	mustContain(t, "status after a purpose change", out, "classification: Stale (A): sei.yaml system changed")
}

func abs(t *testing.T, p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
