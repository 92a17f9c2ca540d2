package table

import (
	"database/sql"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// lakePython is the interpreter of .venv-lake (make venv-lake), with the
// real pyiceberg and deltalake; required under CI=true.
func lakePython(t *testing.T) string {
	v := os.Getenv("SEI_LAKE_VENV")
	py := filepath.Join(v, "bin", "python")
	if _, err := os.Stat(py); v == "" || err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("SEI_LAKE_VENV=%q has no bin/python; CI must run `make venv-lake` (make test does)", v)
		}
		t.Skip("pyiceberg and deltalake are not installed: run `make venv-lake` and set SEI_LAKE_VENV=$PWD/.venv-lake (make test does both)")
	}
	return py
}

// python runs script in dir and decodes the JSON it prints last.
func python(t *testing.T, py, dir, script string, out any) {
	t.Helper()
	// Leave without the interpreter's teardown, where deltalake's runtime
	// now and then aborts a process that did its work (delta-io/delta-rs#2184).
	cmd := exec.Command(py, "-c", script+"\nimport os as _os, sys as _sys\n_sys.stdout.flush(); _os._exit(0)\n")
	cmd.Dir = dir
	b, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, b)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), out); err != nil {
		t.Fatalf("python output %q: %v", b, err)
	}
}

const icebergSetup = `
import json, pyarrow as pa
from pyiceberg.catalog.sql import SqlCatalog
cat = SqlCatalog("loan", uri="sqlite:///lake/catalog.db", warehouse="file://" + __import__("os").path.abspath("lake/warehouse"))
`

// An Iceberg table made by pyiceberg reads in Go as pyiceberg sees it:
// uuid, current snapshot, the snapshots one can still travel to; a new
// append is a new snapshot, and an expired one leaves the history.
func TestIcebergAsPyicebergSeesIt(t *testing.T) {
	py, repo := lakePython(t), t.TempDir()
	os.MkdirAll(filepath.Join(repo, "lake", "warehouse"), 0o755)
	var want struct {
		UUID      string  `json:"uuid"`
		Current   string  `json:"current"`
		Snapshots []int64 `json:"snapshots"`
	}
	report := `print(json.dumps({"uuid": str(t.metadata.table_uuid), "current": str(t.current_snapshot().snapshot_id), "snapshots": [s.snapshot_id for s in t.snapshots()]}))`
	python(t, py, repo, icebergSetup+`
cat.create_namespace("credit")
t = cat.create_table("credit.applications", schema=pa.schema([("id", pa.int64()), ("amount", pa.float64())]))
t.append(pa.table({"id": [1, 2], "amount": [10.0, 20.0]}))
t.append(pa.table({"id": [3], "amount": [30.0]}))
`+report, &want)
	ref := Ref{Format: Iceberg, Catalog: "lake/catalog.db", Name: "credit.applications"}
	s, err := Read(repo, ref)
	if err != nil {
		t.Fatal(err)
	}
	if s.UUID != want.UUID || s.Snapshot != want.Current || len(s.History) != 2 || len(s.MetadataSHA256) != 64 {
		t.Fatalf("Read = %+v, pyiceberg says %+v", s, want)
	}
	first := s.History[0]
	python(t, py, repo, icebergSetup+`
t = cat.load_table("credit.applications")
t.append(pa.table({"id": [4], "amount": [40.0]}))
`+report, &want)
	s2, err := Read(repo, ref)
	if err != nil || s2.Snapshot != want.Current || s2.Snapshot == s.Snapshot || s2.Digest() == s.Digest() || !s2.Has(first) {
		t.Fatalf("after an append: %+v, %v (pyiceberg: %+v)", s2, err, want)
	}
	python(t, py, repo, icebergSetup+`
t = cat.load_table("credit.applications")
t.maintenance.expire_snapshots().by_id(`+first+`).commit()
t = cat.load_table("credit.applications")
`+report, &want)
	s3, err := Read(repo, ref)
	if err != nil || s3.Has(first) || s3.Snapshot != s2.Snapshot || len(s3.History) != len(want.Snapshots) {
		t.Fatalf("after expiring %s: %+v, %v (pyiceberg: %+v)", first, s3, err, want)
	}
}

// A Delta table made by deltalake (delta-rs) reads in Go as deltalake sees
// it: the metaData id, the current version, every version in the log.
func TestDeltaAsDeltalakeSeesIt(t *testing.T) {
	py, repo := lakePython(t), t.TempDir()
	var want struct {
		UUID    string `json:"uuid"`
		Version int    `json:"version"`
	}
	python(t, py, repo, `
import json, pyarrow as pa
from deltalake import write_deltalake, DeltaTable
write_deltalake("lake/applications", pa.table({"id": [1, 2]}))
write_deltalake("lake/applications", pa.table({"id": [3]}), mode="append")
d = DeltaTable("lake/applications")
print(json.dumps({"uuid": d.metadata().id, "version": d.version()}))`, &want)
	s, err := Read(repo, Ref{Format: Delta, Name: "lake/applications"})
	if err != nil {
		t.Fatal(err)
	}
	if s.UUID != want.UUID || s.Snapshot != "1" || want.Version != 1 || strings.Join(s.History, ",") != "0,1" {
		t.Fatalf("Read = %+v, deltalake says %+v", s, want)
	}
}

// A Delta log cleaned up after a checkpoint, as a retention policy does:
// the table's id comes from the checkpoint's parquet (delta-rs wrote it),
// the versions before it are expired, as deltalake itself refuses them;
// a corrupt checkpoint is an error naming it, never a panic.
func TestDeltaCheckpoint(t *testing.T) {
	py, repo := lakePython(t), t.TempDir()
	var want struct {
		UUID    string `json:"uuid"`
		Refused bool   `json:"refused"`
	}
	python(t, py, repo, `
import json, os, pyarrow as pa
from deltalake import write_deltalake, DeltaTable
for i in range(3):
    write_deltalake("lake/t", pa.table({"id": [i]}), mode="append")
d = DeltaTable("lake/t")
d.create_checkpoint()
write_deltalake("lake/t", pa.table({"id": [9]}), mode="append")
for v in range(2):
    os.unlink(f"lake/t/_delta_log/{v:020d}.json")
try:
    DeltaTable("lake/t", version=1); refused = False
except Exception:
    refused = True
print(json.dumps({"uuid": DeltaTable("lake/t").metadata().id, "refused": refused}))`, &want)
	s, err := Read(repo, Ref{Format: Delta, Name: "lake/t"})
	if err != nil {
		t.Fatal(err)
	}
	if s.UUID != want.UUID || s.Snapshot != "3" || strings.Join(s.History, ",") != "2,3" || !want.Refused {
		t.Fatalf("Read = %+v, deltalake says %+v", s, want)
	}
	if _, err := s.At("1"); !errors.Is(err, ErrExpired) {
		t.Errorf("At(1) = %v, want ErrExpired", err)
	}
	// The commit that made the table gone too: the id is only in the
	// checkpoint; then the checkpoint is garbage.
	cp := filepath.Join(repo, "lake", "t", "_delta_log", "00000000000000000002.checkpoint.parquet")
	os.Remove(filepath.Join(repo, "lake", "t", "_delta_log", "00000000000000000002.json"))
	os.Remove(filepath.Join(repo, "lake", "t", "_delta_log", "00000000000000000003.json"))
	if s, err := Read(repo, Ref{Format: Delta, Name: "lake/t"}); err == nil || s.UUID != "" {
		t.Errorf("a log with a checkpoint and no commit read as %+v", s)
	}
	data, _ := os.ReadFile(cp)
	os.WriteFile(filepath.Join(repo, "lake", "t", "_delta_log", "00000000000000000003.json"), []byte(`{"commitInfo":{}}`+"\n"), 0o644)
	if s, err := Read(repo, Ref{Format: Delta, Name: "lake/t"}); err != nil || s.UUID != want.UUID {
		t.Errorf("id from the checkpoint alone: %+v, %v", s, err)
	}
	for i := 8; i < len(data)-8; i += 97 {
		data[i] ^= 0x5a
	}
	os.WriteFile(cp, data, 0o644)
	if _, err := Read(repo, Ref{Format: Delta, Name: "lake/t"}); err == nil || !strings.Contains(err.Error(), "checkpoint 2") {
		t.Errorf("a corrupt checkpoint: %v, want an error naming it", err)
	}
}

// Bad input is an error naming the table, never a state.
func TestBadTables(t *testing.T) {
	repo := t.TempDir()
	os.MkdirAll(filepath.Join(repo, "empty", "_delta_log"), 0o755)
	os.WriteFile(filepath.Join(repo, "notdb"), []byte("not sqlite"), 0o644)
	for _, c := range []struct {
		ref  Ref
		says string
	}{
		{Ref{Format: Iceberg, Catalog: "missing.db", Name: "a.b"}, "catalog missing.db"},
		{Ref{Format: Iceberg, Catalog: "notdb", Name: "a.b"}, "table iceberg:notdb#a.b"},
		{Ref{Format: Iceberg, Catalog: "notdb", Name: "nodot"}, "want namespace.table"},
		{Ref{Format: Delta, Name: "nowhere"}, "has no _delta_log"},
		{Ref{Format: Delta, Name: "empty"}, "holds no readable commit"},
		{Ref{Format: "hudi", Name: "x"}, "unknown table format"},
	} {
		_, err := Read(repo, c.ref)
		if err == nil || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%s: %v, want an error saying %q", c.ref, err, c.says)
		}
	}
}

// A catalog row pointing at a corrupt or foreign metadata file, and an
// unknown table, are refused by name (real catalog, tampered by hand).
func TestCorruptIcebergMetadata(t *testing.T) {
	py, repo := lakePython(t), t.TempDir()
	os.MkdirAll(filepath.Join(repo, "lake", "warehouse"), 0o755)
	var loc struct{ Loc string }
	python(t, py, repo, icebergSetup+`
cat.create_namespace("credit")
t = cat.create_table("credit.applications", schema=pa.schema([("id", pa.int64())]))
t.append(pa.table({"id": [1]}))
print(json.dumps({"Loc": t.metadata_location}))`, &loc)
	ref := Ref{Format: Iceberg, Catalog: "lake/catalog.db", Name: "credit.applications"}
	if _, err := Read(repo, Ref{Format: Iceberg, Catalog: "lake/catalog.db", Name: "credit.nosuch"}); !errors.Is(err, ErrNoTable) {
		t.Errorf("unknown table: %v", err)
	}
	p := strings.TrimPrefix(loc.Loc, "file://")
	// A catalog row pointing outside the repository (a real metadata file,
	// copied there) is refused: sei would read and sign what it names.
	outside := filepath.Join(t.TempDir(), "stolen.metadata.json")
	data, _ := os.ReadFile(p)
	os.WriteFile(outside, data, 0o644)
	setLocation(t, filepath.Join(repo, "lake", "catalog.db"), "file://"+outside)
	if _, err := Read(repo, ref); err == nil || !strings.Contains(err.Error(), "not inside the repository") {
		t.Errorf("metadata outside the repository: %v", err)
	}
	setLocation(t, filepath.Join(repo, "lake", "catalog.db"), loc.Loc)
	if _, err := Read(repo, ref); err != nil {
		t.Fatalf("the row put back: %v", err)
	}
	os.WriteFile(p, []byte(`{"table-uuid": "x", "snapshots": [`), 0o644)
	if _, err := Read(repo, ref); err == nil || !strings.Contains(err.Error(), "metadata") {
		t.Errorf("truncated metadata: %v", err)
	}
	os.WriteFile(p, []byte(`{"table-uuid": "x", "current-snapshot-id": 7, "snapshots": []}`), 0o644)
	if _, err := Read(repo, ref); err == nil || !strings.Contains(err.Error(), "not among its snapshots") {
		t.Errorf("a current snapshot that does not exist: %v", err)
	}
	os.Remove(p)
	syscall.Mkfifo(p, 0o644)
	if _, err := Read(repo, ref); err == nil {
		t.Error("a FIFO as metadata was read")
	}
}

// setLocation rewrites the catalog row by hand, as an attacker with the
// file would.
func setLocation(t *testing.T, catalog, loc string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+catalog)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE iceberg_tables SET metadata_location = ?`, loc); err != nil {
		t.Fatal(err)
	}
}

// A _delta_log reached through a symlink is not followed.
func TestDeltaLogThroughSymlink(t *testing.T) {
	repo, elsewhere := t.TempDir(), t.TempDir()
	os.MkdirAll(filepath.Join(elsewhere, "_delta_log"), 0o755)
	os.WriteFile(filepath.Join(elsewhere, "_delta_log", "00000000000000000000.json"), []byte(`{"metaData":{"id":"u"}}`+"\n"), 0o644)
	os.Symlink(elsewhere, filepath.Join(repo, "t"))
	if _, err := Read(repo, Ref{Format: Delta, Name: "t"}); err == nil || !strings.Contains(err.Error(), "symlink") {
		t.Fatalf("a symlinked table directory: %v", err)
	}
}
