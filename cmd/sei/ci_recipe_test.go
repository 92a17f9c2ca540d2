package main

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rhysd/actionlint"
)

// TestCIRecipeLints checks the shipped CI files with independent tools:
// actionlint (as a library) on the example workflow, which uses the
// composite action at the repository root and so checks its inputs; the
// vendored GitHub Actions, workflow and GitLab CI schemas of
// check-jsonschema (in .venv); shellcheck on the script both run. Each
// validator must also reject a broken copy, so a pass means something.
func TestCIRecipeLints(t *testing.T) {
	root := abs(t, "../..")
	proj, err := actionlint.NewProject(root)
	if err != nil {
		t.Fatal(err)
	}
	lint := func(path string) []*actionlint.Error {
		l, err := actionlint.NewLinter(io.Discard, &actionlint.LinterOptions{})
		if err != nil {
			t.Fatal(err)
		}
		errs, err := l.LintFile(path, proj)
		if err != nil {
			t.Fatal(err)
		}
		return errs
	}
	for _, e := range lint(filepath.Join(root, "ci/github/sei.yml")) {
		t.Errorf("actionlint: %s", e)
	}
	broken := filepath.Join(root, "ci/github/broken-test.yml") // inside the project, so ./ resolves
	data := strings.Replace(fileText(t, filepath.Join(root, "ci/github/sei.yml")), "check-report:", "check-reports:", 1)
	if err := os.WriteFile(broken, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(broken)
	if errs := lint(broken); len(errs) == 0 {
		t.Error("actionlint accepted an input the action does not declare")
	}
	schemas(t, root)
	shellcheck(t, filepath.Join(root, "ci/sei-ci.sh"))
}

func schemas(t *testing.T, root string) {
	venv := toolVenv(t, "SEI_VENV", "venv", ".venv", "check-jsonschema")
	check := filepath.Join(venv, "bin", "check-jsonschema")
	for file, schema := range map[string]string{"action.yml": "vendor.github-actions", "ci/github/sei.yml": "vendor.github-workflows",
		"ci/gitlab/sei.gitlab-ci.yml": "vendor.gitlab-ci"} {
		data := fileText(t, filepath.Join(root, file))
		if schema == "vendor.gitlab-ci" {
			// The schema does not look inside a hidden job (a template):
			// check the job a pipeline that extends it gets.
			data = strings.Replace(data, "\n.sei:\n", "\nsei:\n", 1)
		}
		good := filepath.Join(t.TempDir(), filepath.Base(file))
		os.WriteFile(good, []byte(data), 0o644)
		if out, err := exec.Command(check, "--builtin-schema", schema, good).CombinedOutput(); err != nil {
			t.Errorf("%s against %s: %v\n%s", file, schema, err, out)
		}
		breakIt := map[string][2]string{"vendor.gitlab-ci": {"  script:", "  scripts:"},
			"vendor.github-actions": {"using: composite", "using: compost"}, "vendor.github-workflows": {"runs-on:", "runs_on:"}}[schema]
		if !strings.Contains(data, breakIt[0]) {
			t.Fatalf("%s has no %q to break", file, breakIt[0])
		}
		data = strings.Replace(data, breakIt[0], breakIt[1], 1)
		bad := filepath.Join(t.TempDir(), filepath.Base(file))
		os.WriteFile(bad, []byte(data), 0o644)
		if out, err := exec.Command(check, "--builtin-schema", schema, bad).CombinedOutput(); err == nil {
			t.Errorf("%s accepted a broken %s:\n%s", schema, file, out)
		}
	}
}

func shellcheck(t *testing.T, script string) {
	sc, err := exec.LookPath("shellcheck")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI must install shellcheck (.ci/run does)")
		}
		t.Skip("no shellcheck: apt-get install shellcheck")
	}
	if out, err := exec.Command(sc, "-s", "bash", script).CombinedOutput(); err != nil {
		t.Errorf("shellcheck %s: %v\n%s", script, err, out)
	}
}

// ciJob runs ci/sei-ci.sh (the action's and the template's steps) as a CI
// job would on a checkout of repo, with the built sei, and returns its exit
// code, its output, the job summary and the artefact directory.
type ciJob struct {
	code                 int
	out, summary, output string
	artifacts            string
}

func runCIJob(t *testing.T, repo string, env ...string) ciJob {
	t.Helper()
	bin, err := seiBinary()
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	j := ciJob{artifacts: filepath.Join(tmp, "artifacts")}
	summary, outputs := filepath.Join(tmp, "summary.md"), filepath.Join(tmp, "outputs")
	cmd := exec.Command("bash", abs(t, "../../ci/sei-ci.sh"))
	cmd.Env = append(os.Environ(), "SEI_CI_BIN="+bin, "SEI_CI_REPO="+repo, "SEI_CI_SUMMARY="+summary,
		"SEI_CI_ARTIFACTS="+j.artifacts, "SEI_CI_OUTPUT="+outputs, "DVC_NO_ANALYTICS=1")
	cmd.Env = append(cmd.Env, env...)
	out, err := cmd.CombinedOutput()
	j.out = string(out)
	if ee, ok := err.(*exec.ExitError); ok {
		j.code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(summary)
	o, _ := os.ReadFile(outputs)
	j.summary, j.output = string(b), string(o)
	t.Logf("ci job on %s -> %d\n%s", repo, j.code, out)
	return j
}

// TestCIScriptLoan: the CI steps against the loan scenario with a real
// nginx remote cache. Pull-request jobs read the cache and never write it;
// the default branch's job writes it; the summary holds the Markdown report
// and the artefacts the evidence; a stale commit fails the freshness gate
// with the summary and artefacts still written; a job without a signing key
// builds and signs nothing.
func TestCIScriptLoan(t *testing.T) {
	srv := startNginx(t)
	remote := append([]string{"SEI_REMOTE_CACHE=" + srv.url}, srv.env...)
	a := loanRepo(t, "dvc")
	if _, _, code := seiRun(t, "run", "--repo", a); code != exitGateFail {
		t.Fatalf("V1: exit %d", code)
	}
	shell(t, a, "git add -A && git commit -qm 'run: V1' && cp "+abs(t, "../../testdata/loan/treatments/train_v2.py")+" train.py && git commit -qam 'treatment: V2'")
	if _, _, code := seiRun(t, "run", "--repo", a); code != 0 {
		t.Fatalf("V2: exit %d", code)
	}
	shell(t, a, "git add -A && git commit -qm 'run: V2'")

	pr := runCIJob(t, clone(t, a), append(remote, "SEI_CI_WRITE_CACHE=false")...)
	mustContain(t, "pull-request job", pr.out, "remote cache: read only", "remote: 0 hits, 2 misses, 0 rejected, 0 uploads")
	mustContain(t, "pull-request summary", pr.summary, "# Technical documentation: loan-scoring 1.0.0", "**Evidence: current. Gate: PASS.**", "## Annex IV")
	mustContain(t, "outputs", pr.output, "status=0\n", "run=0\n")
	for _, f := range []string{"evidence/.sei/bundle.json", "evidence/.sei/bundle.json.sig", "evidence/sei.lock", "sei-report.html", "sei-report.md", "status.txt"} {
		if _, err := os.Stat(filepath.Join(pr.artifacts, f)); err != nil {
			t.Errorf("artefact %s: %v", f, err)
		}
	}
	if _, err := os.Stat(filepath.Join(pr.artifacts, "evidence/.sei/cache")); err == nil {
		t.Error("the local cache was kept as an artefact")
	}
	if pr.code != 0 {
		t.Fatalf("pull-request job: exit %d", pr.code)
	}
	main := runCIJob(t, clone(t, a), append(remote, "SEI_CI_WRITE_CACHE=true")...)
	mustContain(t, "default-branch job", main.out, "remote cache: read and write", "0 hits, 2 misses, 0 rejected, 2 uploads")
	next := clone(t, a)
	pr2 := runCIJob(t, next, append(remote, "SEI_CI_WRITE_CACHE=false")...)
	mustContain(t, "second pull-request job", pr2.out, "restored stage:evaluate", "remote: 2 hits, 0 misses, 0 rejected, 0 uploads")
	if main.code != 0 || pr2.code != 0 {
		t.Fatalf("jobs: exit %d, %d", main.code, pr2.code)
	}

	shell(t, next, "echo '# untreated change' >> train.py && git commit -qam 'change without a run'")
	stale := runCIJob(t, next, remote...)
	mustContain(t, "stale job", fileText(t, filepath.Join(stale.artifacts, "status.txt")), "stage:evaluate: Stale (B): train.py changed")
	mustContain(t, "stale job summary", stale.summary, "# Technical documentation: loan-scoring")
	if stale.code != exitStale {
		t.Errorf("stale job: exit %d, want %d (the freshness gate)", stale.code, exitStale)
	}

	nokey := clone(t, a)
	before := fileText(t, filepath.Join(nokey, ".sei/bundle.json"))
	j := runCIJob(t, nokey, append(remote, "SEI_CI_WRITE_CACHE=false", "SEI_SIGNING_KEY=", "SEI_SIGNING_KEY_FILE=")...)
	mustContain(t, "job without a key", j.out, "no signing key in this job", "restored stage:evaluate")
	if j.code != 0 || fileText(t, filepath.Join(nokey, ".sei/bundle.json")) != before {
		t.Errorf("job without a key: exit %d, bundle rewritten: %v", j.code, fileText(t, filepath.Join(nokey, ".sei/bundle.json")) != before)
	}
}
