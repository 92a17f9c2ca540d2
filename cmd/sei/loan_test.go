package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"seigarrena.dev/sei/attest"
	"strings"
	"testing"
)

// loanVenv is the virtual environment with the loan scenario's pinned
// pipeline tools for tool (make venv-loan): SEI_LOAN_VENV for dvc and
// mlflow, SEI_DAGSTER_VENV for dagster, which cannot share it. Without it
// the backend tests cannot run: in CI that is a failure, elsewhere a skip
// that says how to get it.
func loanVenv(t testing.TB, tool string) string {
	t.Helper()
	if tool == "dagster" {
		return toolVenv(t, "SEI_DAGSTER_VENV", "venv-loan", ".venv-loan-dagster", "the loan scenario's dagster")
	}
	return toolVenv(t, "SEI_LOAN_VENV", "venv-loan", ".venv-loan", "the loan scenario's "+tool)
}

// toolVenv is the virtual environment named by the variable name, made by
// `make target` in dir; what says what it holds in the skip message.
func toolVenv(t testing.TB, name, target, dir, what string) string {
	t.Helper()
	v := os.Getenv(name)
	if _, err := os.Stat(filepath.Join(v, "bin", "python")); v == "" || err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s=%q has no bin/python; CI must run `make %s` (make test does)", name, v, target)
		}
		t.Skipf("%s is not installed: run `make %s` and set %s=$PWD/%s (make test does both)", what, target, name, dir)
	}
	return v
}

// loanRepo makes a scratch git repository holding the loan scenario for
// tool, with the German Credit data and the pinned tools linked in.
func loanRepo(t testing.TB, tool string) string {
	t.Helper()
	dir := loanTree(t, loanVenv(t, tool))
	if tool != "dvc" {
		replaceFile(t, filepath.Join(dir, "sei.yaml"), "tool: dvc", "tool: "+tool)
	}
	return loanCommit(t, dir, tool)
}

// lakeLoanRepo is the loan scenario's lakehouse variant on format
// (iceberg or delta) tables, made by scripts/loan-lake.sh: the
// applications ingested, nothing measured yet.
func lakeLoanRepo(t testing.TB, format string) string {
	t.Helper()
	dir := loanTree(t, lakeVenv(t))
	script, err := filepath.Abs("../../scripts/loan-lake.sh")
	if err != nil {
		t.Fatal(err)
	}
	shell(t, dir, "bash "+script+" . "+format)
	return loanCommit(t, dir, "lakehouse")
}

// loanTree is testdata/loan copied into a scratch directory, with the
// German Credit data written and venv linked in as .venv.
func loanTree(t testing.TB, venv string) string {
	t.Helper()
	dir := t.TempDir()
	out, err := exec.Command("cp", "-r", "../../testdata/loan/.", dir).CombinedOutput()
	if err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
	os.RemoveAll(filepath.Join(dir, "treatments"))
	if out, err := exec.Command("bash", "../../scripts/loan-data.sh", dir).CombinedOutput(); err != nil {
		t.Fatalf("loan-data.sh: %v %s", err, out)
	}
	if err := os.Symlink(venv, filepath.Join(dir, ".venv")); err != nil {
		t.Fatal(err)
	}
	return dir
}

// loanCommit makes dir a git repository with the scenario declared and
// its assessment plan compiled, committed by Ada with the test key.
func loanCommit(t testing.TB, dir, tool string) string {
	t.Helper()
	for _, k := range []string{"GIT_AUTHOR_NAME", "GIT_COMMITTER_NAME"} {
		t.Setenv(k, "Ada Auditor")
	}
	for _, k := range []string{"GIT_AUTHOR_EMAIL", "GIT_COMMITTER_EMAIL"} {
		t.Setenv(k, "ada@example.org")
	}
	t.Setenv("SEI_SIGNING_KEY", testKeyPEM)
	t.Setenv("SOURCE_DATE_EPOCH", "1767225600")
	shell(t, dir, "git init -q && git add -A && git commit -qm 'declare: loan scoring'")
	if tool == "dvc" {
		shell(t, dir, "DVC_NO_ANALYTICS=1 .venv/bin/dvc init -q && git add -A && git commit -qm 'dvc init'")
	}
	if _, _, code := seiRun(t, "compile", "--repo", dir); code != 0 {
		t.Fatal("sei compile failed")
	}
	shell(t, dir, "git add -A && git commit -qm 'compile: assessment plan'")
	return dir
}

// sei runs the CLI in-process and returns its output and exit code.
func seiRun(t testing.TB, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(append([]string{"sei"}, args...), &out, &errb)
	t.Logf("sei %s -> %d\n%s%s", strings.Join(args, " "), code, out.String(), errb.String())
	return out.String(), errb.String(), code
}

func shell(t testing.TB, dir, script string) string {
	t.Helper()
	cmd := exec.Command("bash", "-c", script)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", script, err, out)
	}
	return string(out)
}

func replaceFile(t testing.TB, p, old, new string) {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil || !bytes.Contains(b, []byte(old)) {
		t.Fatalf("%s does not contain %q (%v)", p, old, err)
	}
	os.WriteFile(p, bytes.Replace(b, []byte(old), []byte(new), 1), 0o644)
}

func mustContain(t *testing.T, what, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("%s lacks %q", what, sub)
		}
	}
}

func mustNotContain(t *testing.T, what, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			t.Errorf("%s contains %q", what, sub)
		}
	}
}

type loanBundle struct {
	ControlResults []struct {
		ControlID   string   `json:"control_id"`
		ActualValue *float64 `json:"actual_value"`
		Passed      bool     `json:"passed"`
	} `json:"control_results"`
	TreatmentEvents []struct {
		Kind           string `json:"kind"`
		AnchoredCommit string `json:"anchored_commit"`
		PreviousCommit string `json:"previous_commit"`
	} `json:"treatment_events"`
	PipelineLockDigest string               `json:"pipeline_lock_digest"`
	Tables             []attest.TableRecord `json:"tables"`
}

func readLoanBundle(t *testing.T, dir string) loanBundle {
	t.Helper()
	var b loanBundle
	data, err := os.ReadFile(filepath.Join(dir, ".sei", "bundle.json"))
	if err == nil {
		err = json.Unmarshal(data, &b)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b
}
