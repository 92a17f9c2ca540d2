package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"seigarrena.dev/sei/attest"
)

const writesManifest = `apiVersion: seigarrena.dev/v1alpha1
kind: AISystem
system: { name: lake, intended_purpose: "p" }
dataset:
  croissant: data/d.croissant.json
  tables:
    - { name: applications, format: iceberg, catalog: lake/catalog.db, table: credit.applications }
    - { name: features, format: delta, path: lake/features }
pipeline:
  tool: lakehouse
  metrics: metrics.json
  stages:
    - { name: featurize, cmd: ".venv/bin/python featurize.py", deps: [featurize.py], reads: [applications], writes: [features] }
    - { name: count, cmd: ".venv/bin/python count.py", deps: [count.py], reads: [features], outs: [counts.txt, metrics.json] }
`

const featurizePy = `import os, pyarrow as pa
from pyiceberg.catalog.sql import SqlCatalog
from deltalake import write_deltalake
cat = SqlCatalog("loan", uri="sqlite:///lake/catalog.db", warehouse="file://" + os.path.abspath("lake/warehouse"))
rows = cat.load_table("credit.applications").scan(snapshot_id=int(os.environ["SEI_TABLE_APPLICATIONS_SNAPSHOT"])).to_arrow()
write_deltalake("lake/features", pa.table({"twice": [2 * i for i in rows.column("id").to_pylist()]}), mode="overwrite")
` + pyLeave

const countFeaturesPy = `import os, json
from deltalake import DeltaTable
v = int(os.environ["SEI_TABLE_FEATURES_SNAPSHOT"])
n = DeltaTable("lake/features", version=v).to_pyarrow_table().num_rows
open("counts.txt", "w").write(f"{v} {n}\n")
json.dump({}, open("metrics.json", "w"))
` + pyLeave

// TestTableWrites: a stage writing a Delta table from an Iceberg table
// (real pyiceberg and deltalake); the reader downstream is pinned at the
// version the writer recorded; the bundle lists both tables with who read
// and wrote them, and the lakehouse pipeline_lock_digest is their digest.
// A rebuild with nothing changed runs nothing; a written table that is
// gone (recreated) makes its writer run again, never a stale hit.
func TestTableWrites(t *testing.T) {
	dir := writesTree(t, lakeVenv(t))
	shell(t, dir, "git init -q && git add -A && git commit -qm tables")
	if _, errs, code := seiRun(t, "run", "--repo", dir); code != 0 {
		t.Fatalf("first run: exit %d\n%s", code, errs)
	}
	if got := fileText(t, filepath.Join(dir, "counts.txt")); got != "0 3\n" {
		t.Fatalf("counts.txt = %q, want version 0 with 3 rows", got)
	}
	b := readLoanBundle(t, dir)
	if len(b.Tables) != 2 || b.Tables[1].Name != "features" || b.Tables[1].WrittenBy != "stage:featurize" ||
		len(b.Tables[1].ReadBy) != 1 || b.Tables[1].ReadBy[0] != "stage:count" || b.Tables[0].WrittenBy != "" {
		t.Fatalf("bundle tables: %+v", b.Tables)
	}
	if b.PipelineLockDigest != attest.TablesLockDigest(b.Tables) {
		t.Errorf("pipeline_lock_digest %s is not the tables' digest %s", b.PipelineLockDigest, attest.TablesLockDigest(b.Tables))
	}
	lock := fileText(t, filepath.Join(dir, "sei.lock"))
	if !strings.Contains(lock, `"dataset": "`+attest.TablesDigest(b.Tables[:1])+`"`) || strings.Contains(lock, `"features": {`) {
		t.Errorf("sei.lock: triple.dataset must be the source table's digest, and only sources pinned:\n%s", lock)
	}
	if _, _, code := seiRun(t, "verify", "--repo", dir); code != 0 {
		t.Fatal("sei verify rejected evidence naming a written table")
	}
	out, _, code := seiRun(t, "build", "--repo", dir)
	if code != 0 || strings.Contains(out, "ran ") {
		t.Fatalf("rebuild with nothing changed ran something: exit %d\n%s", code, out)
	}
	// The written table recreated: its writer's cached result names a
	// table that is gone, so it runs again, and so does its reader.
	os.RemoveAll(filepath.Join(dir, "lake", "features"))
	out, _, code = seiRun(t, "build", "--repo", dir)
	if code != 0 || !strings.Contains(out, "ran stage:featurize") || !strings.Contains(out, "ran stage:count") {
		t.Fatalf("rebuild after the written table was removed: exit %d\n%s", code, out)
	}
	if got := fileText(t, filepath.Join(dir, "counts.txt")); got != "0 3\n" {
		t.Fatalf("counts.txt after the rewrite = %q", got)
	}
}

// writesTree is a tablesRepo holding writesManifest and its stages, with
// the applications table made (three rows), not yet a git repository.
func writesTree(t *testing.T, venv string) string {
	t.Helper()
	dir := tablesRepo(t, venv)
	for name, body := range map[string]string{"sei.yaml": writesManifest, "featurize.py": featurizePy, "count.py": countFeaturesPy} {
		os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644)
	}
	shell(t, dir, ".venv/bin/python - <<'EOF'\n"+lakeSetup+`cat.create_namespace("credit")
t = cat.create_table("credit.applications", schema=pa.schema([("id", pa.int64())]))
t.append(pa.table({"id": [1, 2, 3]}))
`+pyLeave+"EOF")
	return dir
}
