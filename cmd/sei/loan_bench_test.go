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
