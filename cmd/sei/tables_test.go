package main

import (
	"os"

	"path/filepath"
	"seigarrena.dev/sei/attest"
	"strings"
	"testing"
)

const tablesManifest = `apiVersion: seigarrena.dev/v1alpha1
kind: AISystem
system: { name: lake, intended_purpose: "p" }
dataset:
  croissant: data/d.croissant.json
  tables:
    - { name: applications, format: iceberg, catalog: lake/catalog.db, table: credit.applications }
    - { name: events, format: delta, path: lake/events }
pipeline:
  tool: command
  metrics: metrics.json
  stages:
    - { name: count, cmd: ".venv/bin/python count.py", deps: [count.py], reads: [applications, events], outs: [counts.txt, metrics.json] }
`

// count.py reads each table at the snapshot sei pinned (time travel), so
// what it counts is what the stage's key names.
const countPy = `import os, json
from pyiceberg.catalog.sql import SqlCatalog
from deltalake import DeltaTable
cat = SqlCatalog("loan", uri="sqlite:///lake/catalog.db", warehouse="file://" + os.path.abspath("lake/warehouse"))
t = cat.load_table("credit.applications")
snap = int(os.environ["SEI_TABLE_APPLICATIONS_SNAPSHOT"])
n = t.scan(snapshot_id=snap).to_arrow().num_rows
d = DeltaTable("lake/events", version=int(os.environ["SEI_TABLE_EVENTS_SNAPSHOT"]))
m = d.to_pyarrow_table().num_rows
open("counts.txt", "w").write(f"{snap} {n} {m}\n")
json.dump({}, open("metrics.json", "w"))
` + pyLeave

// pyLeave ends a Python script that used deltalake without the
// interpreter's teardown, where deltalake's Rust runtime now and then
// aborts the process after the work is done (SIGABRT, "terminate called
// without an active exception"; delta-io/delta-rs#2184). An error before it
// still fails the script.
const pyLeave = "\nimport os as _os, sys as _sys\n_sys.stdout.flush(); _sys.stderr.flush(); _os._exit(0)\n"

const lakeSetup = `import os, sys, pyarrow as pa
from pyiceberg.catalog.sql import SqlCatalog
from deltalake import write_deltalake
cat = SqlCatalog("loan", uri="sqlite:///lake/catalog.db", warehouse="file://" + os.path.abspath("lake/warehouse"))
`

// TestTablesAreData: a stage reading an Iceberg and a Delta table (made
// by real pyiceberg and deltalake) runs with each pinned at its current
// snapshot, is up to date while the tables stand still, and is stale with
// drift C, naming the table, when new rows arrive; the rebuilt stage reads
// the new snapshot. Strict sandbox: the stage sees the tables read-only.
func TestTablesAreData(t *testing.T) {
	dir := tablesRepo(t, lakeVenv(t))
	py := func(script string) string {
		return shell(t, dir, ".venv/bin/python - <<'EOF'\n"+lakeSetup+script+pyLeave+"EOF")
	}
	py(`cat.create_namespace("credit")
t = cat.create_table("credit.applications", schema=pa.schema([("id", pa.int64())]))
t.append(pa.table({"id": [1, 2]}))
write_deltalake("lake/events", pa.table({"e": [1]}))
print(t.current_snapshot().snapshot_id)`)
	snap1 := strings.TrimSpace(py(`print(cat.load_table("credit.applications").current_snapshot().snapshot_id)`))
	shell(t, dir, "git init -q && git add -A && git commit -qm tables")

	if _, _, code := seiRun(t, "run", "--repo", dir); code != 0 {
		t.Fatalf("first run: exit %d", code)
	}
	if got := fileText(t, filepath.Join(dir, "counts.txt")); got != snap1+" 2 1\n" {
		t.Fatalf("counts.txt = %q, want snapshot %s, 2 rows, 1 event", got, snap1)
	}
	// The evidence names the exact rows measured: each table at its
	// snapshot, and the lock's triple.dataset is their digest.
	b := readLoanBundle(t, dir)
	if len(b.Tables) != 2 || b.Tables[0].Name != "applications" || b.Tables[0].Snapshot != snap1 || b.Tables[1].Snapshot != "0" ||
		b.Tables[0].Identifier != "lake/catalog.db#credit.applications" || b.Tables[0].ReadBy[0] != "stage:count" {
		t.Fatalf("bundle tables: %+v", b.Tables)
	}
	if lock := fileText(t, filepath.Join(dir, "sei.lock")); !strings.Contains(lock, `"dataset": "`+attest.TablesDigest(b.Tables)+`"`) {
		t.Errorf("sei.lock's triple.dataset is not the tables' digest %s", attest.TablesDigest(b.Tables))
	}
	if _, _, code := seiRun(t, "verify", "--repo", dir); code != 0 {
		t.Fatal("sei verify rejected evidence naming tables")
	}
	lock1 := fileText(t, filepath.Join(dir, "sei.lock")) // pins the first snapshots
	if !strings.Contains(lock1, `"snapshot": "`+snap1+`"`) {
		t.Fatalf("sei.lock does not pin %s:\n%s", snap1, lock1)
	}
	out, _, code := seiRun(t, "status", "--repo", dir)
	if code != 0 || !strings.Contains(out, "stage:count: Reused") {
		t.Fatalf("status with the tables unchanged: exit %d\n%s", code, out)
	}

	py(`t = cat.load_table("credit.applications")
t.append(pa.table({"id": [3]}))
write_deltalake("lake/events", pa.table({"e": [2]}), mode="append")`)
	out, _, code = seiRun(t, "status", "--repo", dir)
	if code != exitStale || !strings.Contains(out, "stage:count: Stale (C)") || !strings.Contains(out, "table:applications (a new snapshot) changed") {
		t.Fatalf("status after new rows: exit %d\n%s", code, out)
	}
	out, _, code = seiRun(t, "build", "--repo", dir)
	snap2 := strings.TrimSpace(py(`print(cat.load_table("credit.applications").current_snapshot().snapshot_id)`))
	if code != 0 || !strings.Contains(out, "ran stage:count") || fileText(t, filepath.Join(dir, "counts.txt")) != snap2+" 3 2\n" {
		t.Fatalf("rebuild after new rows: exit %d, counts %q, want %s 3 2\n%s", code, fileText(t, filepath.Join(dir, "counts.txt")), snap2, out)
	}

	// A replay of the first run (its sei.lock back, as after checking out
	// its commit) measures its snapshots by time travel, though the tables
	// moved on: the same rows, the same counts.
	os.WriteFile(filepath.Join(dir, "sei.lock"), []byte(lock1), 0o644)
	if _, _, code := seiRun(t, "build", "--repo", dir, "--tables", "pinned"); code != 0 {
		t.Fatalf("pinned replay: exit %d", code)
	}
	if got := fileText(t, filepath.Join(dir, "counts.txt")); got != snap1+" 2 1\n" {
		t.Fatalf("pinned replay counted %q, want the first run's %s 2 1", got, snap1)
	}
	// Once that snapshot is expired it cannot be measured again: said,
	// with the table's name, and nothing is measured on newer rows instead.
	py(`t = cat.load_table("credit.applications")
t.maintenance.expire_snapshots().by_id(` + snap1 + `).commit()`)
	os.WriteFile(filepath.Join(dir, "counts.txt"), []byte("untouched\n"), 0o644)
	_, errs, code := seiRun(t, "build", "--repo", dir, "--tables", "pinned")
	if code == 0 || !strings.Contains(errs, "table:applications") || !strings.Contains(errs, "snapshot expired: "+snap1+" is pinned") {
		t.Fatalf("replay of an expired snapshot: exit %d\n%s", code, errs)
	}
	if got := fileText(t, filepath.Join(dir, "counts.txt")); got != "untouched\n" {
		t.Fatalf("an expired replay measured something: %q", got)
	}
}

// tablesRepo is a repository with tablesManifest, count.py and an empty
// warehouse, its .venv the lakehouse tools' environment.
func tablesRepo(t testing.TB, venv string) string {
	dir := t.TempDir()
	for name, body := range map[string]string{"sei.yaml": tablesManifest, "count.py": countPy,
		"data/d.croissant.json": `{"distribution": []}`} {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755)
		os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644)
	}
	os.MkdirAll(filepath.Join(dir, "lake", "warehouse"), 0o755)
	os.Symlink(venv, filepath.Join(dir, ".venv"))
	return dir
}

// lakeVenv is .venv-lake, with the real pyiceberg and deltalake.
func lakeVenv(t testing.TB) string {
	return toolVenv(t, "SEI_LAKE_VENV", "venv-lake", ".venv-lake", "pyiceberg and deltalake")
}
