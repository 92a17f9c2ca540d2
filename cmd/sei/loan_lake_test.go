package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"seigarrena.dev/sei/attest"
)

// newApplications are two applications that arrive after V1 was measured.
const newApplications = `checking,duration,history,purpose,amount,savings,employment,installment_rate,personal_status,debtors,residence,property,age,other_plans,housing,existing_credits,job,dependents,telephone,foreign,credit
A11,6,A34,A43,1169,A65,A75,4,A92,A101,4,A121,67,A143,A152,2,A173,1,A192,A201,2
A12,24,A32,A40,5000,A61,A73,2,A93,A101,2,A123,35,A143,A152,1,A173,1,A191,A201,1
`

// TestLoanLakehouse is the seed's story on lakehouse tables, with real
// pyiceberg and deltalake: the applications in a table, featurize writing
// the features table, evaluate reading it at the snapshot sei pinned.
func TestLoanLakehouse(t *testing.T) {
	for _, format := range []string{"iceberg", "delta"} {
		t.Run(format, func(t *testing.T) { lakeStory(t, format) })
	}
}

// lakeStory: V1 red with verifying evidence naming the snapshots read and
// written; the treatment is class B and re-runs only evaluate; appended
// rows are class C and re-run both; V1 replayed from its commit measures
// V1's snapshot by time travel (from the cache, then with the cache gone)
// and gives V1's verdict and value; once V1's snapshot is expired the
// replay says so and measures nothing.
func lakeStory(t *testing.T, format string) {
	dir := lakeLoanRepo(t, format)
	current := func() string { return strings.TrimSpace(lakePython(t, dir, "print(current('applications'))", format)) }
	snap1 := current()

	out, _, code := seiRun(t, "run", "--repo", dir)
	if code != exitGateFail {
		t.Fatalf("V1: sei run exit %d, want %d", code, exitGateFail)
	}
	mustContain(t, "V1 run", out, "ran stage:featurize", "ran stage:evaluate", "gate: FAIL (unfair-credit-exclusion)")
	b1 := readLoanBundle(t, dir)
	v1 := lakeBundleCheck(t, dir, b1, snap1)
	if b1.ControlResults[0].Passed || v1 < 0.03 {
		t.Fatalf("V1 control results: %+v", b1.ControlResults)
	}
	if _, _, code := seiRun(t, "verify", "--repo", dir); code != 0 {
		t.Fatal("sei verify rejected V1's evidence")
	}
	if out, _, code := seiRun(t, "status", "--repo", dir); code != exitGateFail || strings.Contains(out, "Stale") {
		t.Fatalf("V1 status: exit %d, want fresh and gate red\n%s", code, out)
	}
	shell(t, dir, "git add -A && git commit -qm 'run: V1 evidence'")
	v1Commit := strings.TrimSpace(shell(t, dir, "git rev-parse HEAD"))

	// The treatment: class B, evaluate only, on the same features snapshot.
	shell(t, dir, "cp "+abs(t, "../../testdata/loan/treatments/train_v2.py")+" train.py && git commit -qam 'treatment: V2'")
	out, _, code = seiRun(t, "status", "--repo", dir)
	mustContain(t, "status after the treatment", out, "stage:evaluate: Stale (B): train.py changed", "stage:featurize: Reused")
	if code != exitStale {
		t.Fatalf("after the treatment: status exit %d, want %d", code, exitStale)
	}
	out, _, code = seiRun(t, "run", "--repo", dir)
	mustContain(t, "V2 run", out, "ran stage:evaluate", "gate: PASS")
	mustNotContain(t, "V2 run", out, "ran stage:featurize")
	b2 := readLoanBundle(t, dir)
	if code != 0 || !b2.ControlResults[0].Passed || b2.Tables[1].Snapshot != b1.Tables[1].Snapshot {
		t.Fatalf("V2: exit %d, %+v; features snapshot %s, V1 measured %s", code, b2.ControlResults, b2.Tables[1].Snapshot, b1.Tables[1].Snapshot)
	}
	lakeBundleCheck(t, dir, b2, snap1)
	shell(t, dir, "git add -A && git commit -qm 'run: V2 evidence'")

	// New applications: a new snapshot of the source table, class C,
	// seen without running anything; both stages run on the new rows.
	os.WriteFile(filepath.Join(dir, "new.csv"), []byte(newApplications), 0o644)
	shell(t, dir, ".venv/bin/python ingest.py "+format+" --append new.csv && rm new.csv")
	snap2 := current()
	out, _, code = seiRun(t, "status", "--repo", dir)
	mustContain(t, "status after new rows", out, "stage:featurize: Stale (C): table:applications (a new snapshot) changed",
		"stage:evaluate: Stale (C)", "classification: Reused")
	if code != exitStale || snap2 == snap1 {
		t.Fatalf("after new rows: status exit %d, snapshot %s (was %s)", code, snap2, snap1)
	}
	out, _, _ = seiRun(t, "run", "--repo", dir)
	mustContain(t, "run on new rows", out, "ran stage:featurize", "ran stage:evaluate")
	lakeBundleCheck(t, dir, readLoanBundle(t, dir), snap2)
	shell(t, dir, "git add -A && git commit -qm 'run: new applications'")

	// Back to V1, from its commit: a replay at V1's snapshots, by time
	// travel, though the table moved on. From sei's cache first (nothing
	// runs), then with the cache gone (featurize reads V1's rows again).
	shell(t, dir, "git checkout -q "+v1Commit)
	for _, round := range []string{"cached", "recomputed"} {
		out, _, code = seiRun(t, "run", "--repo", dir, "--tables", "pinned")
		b := readLoanBundle(t, dir)
		if v := lakeBundleCheck(t, dir, b, snap1); code != exitGateFail || v != v1 || b.Tables[0].Snapshot != snap1 {
			t.Fatalf("V1 replay (%s): exit %d, value %v, applications at %s; V1 measured %v at %s", round, code, v, b.Tables[0].Snapshot, v1, snap1)
		}
		if round == "cached" {
			mustContain(t, "V1 replay from the cache", out, "restored stage:evaluate", ": 0 ran, ")
			if b.PipelineLockDigest != b1.PipelineLockDigest {
				t.Errorf("V1 replay from the cache: pipeline_lock_digest %s, V1's %s", b.PipelineLockDigest, b1.PipelineLockDigest)
			}
			os.RemoveAll(filepath.Join(dir, ".sei", "cache"))
		} else {
			mustContain(t, "V1 replay without a cache", out, "ran stage:featurize", "ran stage:evaluate")
		}
		shell(t, dir, "git checkout -q -f "+v1Commit)
	}

	// V1's snapshot expired: the replay cannot measure it, says so, and
	// measures nothing on newer rows instead.
	lakePython(t, dir, "expire('applications', "+snap1+")", format)
	before := fileText(t, filepath.Join(dir, ".sei", "bundle.json"))
	_, errs, code := seiRun(t, "run", "--repo", dir, "--tables", "pinned")
	if code == 0 || !strings.Contains(errs, "table:applications") || !strings.Contains(errs, "snapshot expired: "+snap1+" is pinned") {
		t.Fatalf("replay of an expired snapshot: exit %d\n%s", code, errs)
	}
	if fileText(t, filepath.Join(dir, ".sei", "bundle.json")) != before || strings.TrimSpace(shell(t, dir, "git status --porcelain")) != "" {
		t.Fatal("a replay of an expired snapshot wrote evidence")
	}
}

// lakeBundleCheck checks a lakehouse bundle against the tables themselves:
// the applications read by featurize at snapshot, the features written by
// featurize at a snapshot the table holds and read by evaluate, and the
// pipeline_lock_digest theirs. It returns the gate measure's value.
func lakeBundleCheck(t *testing.T, dir string, b loanBundle, snapshot string) float64 {
	t.Helper()
	if len(b.Tables) != 2 || b.Tables[0].Name != "applications" || b.Tables[0].Snapshot != snapshot ||
		b.Tables[0].WrittenBy != "" || strings.Join(b.Tables[0].ReadBy, ",") != "stage:featurize" ||
		b.Tables[1].Name != "features" || b.Tables[1].WrittenBy != "stage:featurize" || strings.Join(b.Tables[1].ReadBy, ",") != "stage:evaluate" {
		t.Fatalf("bundle tables: %+v, want applications at %s", b.Tables, snapshot)
	}
	if b.PipelineLockDigest != attest.TablesLockDigest(b.Tables) {
		t.Errorf("pipeline_lock_digest %s is not the tables' digest %s", b.PipelineLockDigest, attest.TablesLockDigest(b.Tables))
	}
	if lock := fileText(t, filepath.Join(dir, "sei.lock")); !strings.Contains(lock, `"dataset": "`+attest.TablesDigest(b.Tables[:1])+`"`) {
		t.Errorf("sei.lock's triple.dataset is not the applications' digest %s", attest.TablesDigest(b.Tables[:1]))
	}
	if len(b.ControlResults) != 1 || b.ControlResults[0].ActualValue == nil {
		t.Fatalf("control results: %+v", b.ControlResults)
	}
	return *b.ControlResults[0].ActualValue
}

// lakeHelpers reads and expires the loan tables with the real libraries,
// independently of sei: current(name) is the table's current snapshot,
// expire(name, snapshot) makes that snapshot unreachable by time travel
// (Iceberg: expire_snapshots; Delta: a checkpoint, then the log before it
// cleaned up, as a retention policy does).
const lakeHelpers = `import sys, lake
fmt = sys.argv[1]
def current(name):
    if fmt == "iceberg":
        return lake.catalog().load_table(lake.ICEBERG[name]).current_snapshot().snapshot_id
    from deltalake import DeltaTable
    return DeltaTable(str(lake.LAKE / name)).version()
def expire(name, snapshot):
    if fmt == "iceberg":
        lake.catalog().load_table(lake.ICEBERG[name]).maintenance.expire_snapshots().by_id(snapshot).commit()
        return
    from deltalake import DeltaTable
    t = DeltaTable(str(lake.LAKE / name))
    t.create_checkpoint()
    for v in range(snapshot, t.version()):
        (lake.LAKE / name / "_delta_log" / f"{v:020d}.json").unlink()
`

func lakePython(t *testing.T, dir, script, format string) string {
	t.Helper()
	return shell(t, dir, ".venv/bin/python - "+format+" <<'EOF'\n"+lakeHelpers+script+pyLeave+"EOF")
}
