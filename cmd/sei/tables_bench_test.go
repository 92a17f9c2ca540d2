package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// BenchmarkTableStatus: `sei status` on a repository whose stage reads an
// Iceberg and a Delta table (sei reads both in Go) against the floor a
// Python tool pays, a one-liner opening the SQL catalog with pyiceberg and
// reading the current snapshot; whole processes alternating round by round.
// Needs SEI_LAKE_VENV (make bench sets it).
func BenchmarkTableStatus(b *testing.B) {
	venv := lakeVenv(b)
	bin := filepath.Join(b.TempDir(), "sei")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	dir := tablesRepo(b, venv)
	shell(b, dir, ".venv/bin/python - <<'EOF'\n"+lakeSetup+`cat.create_namespace("credit")
t = cat.create_table("credit.applications", schema=pa.schema([("id", pa.int64())]))
t.append(pa.table({"id": list(range(1000))}))
write_deltalake("lake/events", pa.table({"e": [1]}))
EOF`)
	env := append(os.Environ(), "SEI_SIGNING_KEY="+testKeyPEM)
	run := exec.Command(bin, "run")
	run.Dir, run.Env = dir, env
	if out, err := run.CombinedOutput(); err != nil {
		b.Fatalf("sei run: %v\n%s", err, out)
	}
	oneLiner := lakeSetup + `print(cat.load_table("credit.applications").current_snapshot().snapshot_id)`
	alternate(b, []benchCase{
		{"sei-status", nil, dir, env, []string{bin, "status"}},
		{"pyiceberg-current-snapshot", nil, dir, env, []string{".venv/bin/python", "-c", oneLiner}},
	})
}
