package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// BenchmarkTableStatus: `sei status` on the lakehouse loan repository
// (Iceberg, after its V2 run, green; sei reads the catalog and metadata in Go)
// against the floor a Python tool pays, a one-liner opening the SQL
// catalog with pyiceberg and reading the applications' current snapshot;
// whole processes alternating round by round. Needs SEI_LAKE_VENV.
func BenchmarkTableStatus(b *testing.B) {
	bin := benchBinary(b)
	dir := lakeLoanRepo(b, "iceberg")
	env := os.Environ()
	v2, err := filepath.Abs("../../testdata/loan/treatments/train_v2.py")
	if err != nil {
		b.Fatal(err)
	}
	shell(b, dir, "cp "+v2+" train.py && git commit -qam 'treatment: V2'")
	run := exec.Command(bin, "run")
	run.Dir, run.Env = dir, env
	if out, err := run.CombinedOutput(); err != nil {
		b.Fatalf("sei run: %v\n%s", err, out)
	}
	oneLiner := `import os; from pyiceberg.catalog.sql import SqlCatalog; print(SqlCatalog("loan", uri="sqlite:///lake/catalog.db", ` +
		`warehouse="file://" + os.path.abspath("lake/warehouse")).load_table("credit.applications").current_snapshot().snapshot_id)`
	alternate(b, []benchCase{
		{"sei-status", nil, dir, env, []string{bin, "status"}},
		{"pyiceberg-current-snapshot", nil, dir, env, []string{".venv/bin/python", "-c", oneLiner}},
	})
}

// BenchmarkLoanFullRunLakehouse: the V1 run of the lakehouse loan scenario
// (featurize then evaluate, strict sandbox, evidence signed) against its
// two stage commands alone, for each format; whole processes alternating,
// each round on freshly ingested tables in its own repository (untimed).
// The commands alone are told the applications' snapshot (ingest wrote it
// down); evaluate finds the features' in-process, as someone running the
// stages by hand must.
func BenchmarkLoanFullRunLakehouse(b *testing.B) {
	bin := benchBinary(b)
	for _, format := range []string{"iceberg", "delta"} {
		b.Run(format, func(b *testing.B) {
			seiDir, cmdDir := lakeLoanRepo(b, format), lakeLoanRepo(b, format)
			fresh := func(dir string) func() {
				return func() {
					shell(b, dir, "git checkout -q -f HEAD && rm -rf lake .sei/cache metrics.json model.pkl && "+
						".venv/bin/python ingest.py "+format+" && .venv/bin/python - "+format+" > snapshot.txt <<'EOF'\n"+
						lakeHelpers+"print(current('applications'))\nEOF")
				}
			}
			alone := `export SEI_TABLE_APPLICATIONS_FORMAT=` + format + ` SEI_TABLE_APPLICATIONS_SNAPSHOT=$(cat snapshot.txt)
.venv/bin/python featurize_table.py && .venv/bin/python - ` + format + ` <<'EOF'
` + lakeHelpers + `import os, evaluate_table
os.environ.update(SEI_TABLE_FEATURES_FORMAT=fmt, SEI_TABLE_FEATURES_SNAPSHOT=str(current("features")))
evaluate_table.main()
EOF`
			// sei's V1 run exits 5 (the gate fails): a shell turns that
			// into success so that alternate sees any other code as a failure.
			alternate(b, []benchCase{
				{"sei", fresh(seiDir), seiDir, os.Environ(), []string{"bash", "-c", bin + " run; test $? = 5"}},
				{"commands-alone", fresh(cmdDir), cmdDir, os.Environ(), []string{"bash", "-c", alone}},
			})
		})
	}
}

// benchBinary builds sei into a scratch directory.
func benchBinary(b *testing.B) string {
	bin := filepath.Join(b.TempDir(), "sei")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}
