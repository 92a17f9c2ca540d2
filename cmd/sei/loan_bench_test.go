package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// BenchmarkLoanDVC measures, on the loan repository after a V1 run, sei
// against DVC in the same run, both as separate processes: status with
// nothing changed, and a run (repro) with nothing to do.
func BenchmarkLoanDVC(b *testing.B) {
	dir := loanRepo(b, "dvc")
	bin := filepath.Join(b.TempDir(), "sei")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	seiRun(b, "run", "--repo", dir) // V1: the gate fails (exit 5), the evidence is written
	dvc := filepath.Join(dir, ".venv", "bin", "dvc")
	env := append(os.Environ(), "DVC_NO_ANALYTICS=1")
	cases := []struct {
		name string
		argv []string
		ok   func(error) bool
	}{
		{"status/sei", []string{bin, "status"}, exitIs(exitGateFail)},
		{"status/dvc", []string{dvc, "status", "-q"}, exitIs(0)},
		{"noop-run/sei", []string{bin, "run"}, exitIs(exitGateFail)},
		{"noop-run/dvc", []string{dvc, "repro", "-q"}, exitIs(0)},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				cmd := exec.Command(c.argv[0], c.argv[1:]...)
				cmd.Dir, cmd.Env = dir, env
				if out, err := cmd.CombinedOutput(); !c.ok(err) {
					b.Fatalf("%v: %v\n%s", c.argv, err, out)
				}
			}
		})
	}
}

func exitIs(code int) func(error) bool {
	return func(err error) bool {
		if code == 0 {
			return err == nil
		}
		ee, ok := err.(*exec.ExitError)
		return ok && ee.ExitCode() == code
	}
}

// BenchmarkLoanFullRun is the wall time of a full V1 run on a fresh
// repository for each backend, next to the tool running the same pipeline
// by itself in the same run: the ratio is sei's overhead (graph, hashing,
// gate, signed evidence) on top of the tool. Setup is not timed.
func BenchmarkLoanFullRun(b *testing.B) {
	bin := filepath.Join(b.TempDir(), "sei")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	tools := []struct {
		tool string
		env  []string
		peer string // the tool's own full run, in the repository
	}{
		{"dvc", []string{"DVC_NO_ANALYTICS=1"}, ".venv/bin/dvc repro -q"},
		{"mlflow", []string{"MLFLOW_DISABLE_TELEMETRY=true"}, `export MLFLOW_TRACKING_URI=sqlite:///$PWD/mlflow.db PATH=$PWD/.venv/bin:$PATH
			for e in featurize main; do .venv/bin/mlflow run . -e $e --env-manager local --experiment-name loan-scoring || exit 1; done`},
		{"dagster", []string{"DAGSTER_DISABLE_TELEMETRY=1"}, `mkdir -p .dagster && DAGSTER_HOME=$PWD/.dagster .venv/bin/dagster asset materialize -f dagster_defs.py --select '*'`},
	}
	for _, tl := range tools {
		for _, who := range []string{"sei", tl.tool} {
			b.Run(tl.tool+"/"+who, func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					b.StopTimer()
					dir := loanRepo(b, tl.tool)
					cmd := exec.Command("bash", "-c", tl.peer)
					ok := exitIs(0)
					if who == "sei" {
						cmd, ok = exec.Command(bin, "run"), exitIs(exitGateFail) // V1: the gate fails
					}
					cmd.Dir, cmd.Env = dir, append(os.Environ(), tl.env...)
					b.StartTimer()
					if out, err := cmd.CombinedOutput(); !ok(err) {
						b.Fatalf("%s %s: %v\n%s", tl.tool, who, err, out)
					}
				}
			})
		}
	}
}
