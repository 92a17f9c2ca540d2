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
