package adapters

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// PythonTool is a pipeline tool installed as a Python package (dvc,
// mlflow, dagster): where it is, the environment it runs in, and its
// version, shared by the adapters that drive one.
type PythonTool struct {
	Name string   // the executable, which is also the package name
	Repo string   // absolute
	Bin  string   // the executable; "" when none was found
	Env  []string // allow-listed, the tool's own bin directory first on PATH
}

// FindPythonTool finds name in the repository's own .venv first (the
// scenario's pinned tools), then on PATH. A missing tool is reported when
// something must run, so that status and query work without it. extra are
// the tool's own variables (telemetry off, state directories).
func FindPythonTool(repo, name string, extra ...string) *PythonTool {
	t := &PythonTool{Name: name, Repo: repo}
	if p := filepath.Join(repo, ".venv", "bin", name); isExec(p) {
		t.Bin = p
	} else if p, err := exec.LookPath(name); err == nil {
		t.Bin = p
	}
	env := ScrubbedEnv(os.Environ())
	if t.Bin != "" {
		// A tool that runs `python` through a shell (mlflow run
		// --env-manager local) must get its own environment's.
		env = WithPath(env, filepath.Dir(t.Bin))
	}
	t.Env = append(env, extra...)
	return t
}

func isExec(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// Missing is the error for a tool that is not installed, naming where it
// was looked for and how to get it.
func (t *PythonTool) Missing() error {
	return fmt.Errorf("%s not found in %s/.venv/bin or on PATH; install it (make venv-loan, then link .venv) or put it on PATH",
		t.Name, t.Repo)
}

// Python is the interpreter next to the tool, "" without the tool.
func (t *PythonTool) Python() string {
	if t.Bin == "" {
		return ""
	}
	return filepath.Join(filepath.Dir(t.Bin), "python")
}

// Version is the installed package's version, read from its metadata
// directory (<name>-<version>.dist-info) in the tool's environment. That
// costs a directory read; `<tool> --version` costs a Python start-up (one
// to five seconds) on every build, so it is only the fallback.
func (t *PythonTool) Version(ctx context.Context) (string, error) {
	if t.Bin == "" {
		return "", t.Missing()
	}
	real, err := filepath.EvalSymlinks(t.Bin)
	if err != nil {
		return "", err
	}
	glob := filepath.Join(filepath.Dir(real), "..", "lib", "python*", "site-packages", t.Name+"-*.dist-info")
	if m, _ := filepath.Glob(glob); len(m) == 1 {
		return strings.TrimSuffix(strings.TrimPrefix(filepath.Base(m[0]), t.Name+"-"), ".dist-info"), nil
	}
	r, err := Exec(ctx, t.Repo, t.Env, t.Name+" --version", []string{t.Bin, "--version"})
	if err != nil || r.ExitCode != 0 {
		return "", fmt.Errorf("%s --version failed: %v %s", t.Bin, err, r.Stderr)
	}
	return strings.TrimSpace(string(r.Stdout)), nil
}

// Run runs the tool with args in dir for stage; a missing tool is an error
// naming the stage.
func (t *PythonTool) Run(ctx context.Context, dir, stage string, args ...string) (Run, error) {
	if t.Bin == "" {
		return Run{}, fmt.Errorf("stage %s: %w", stage, t.Missing())
	}
	return Exec(ctx, dir, t.Env, stage, append([]string{t.Bin}, args...))
}

// RunStage runs a stage whose command is `<tool> args...`, with the tool
// found here in place of its name.
func (t *PythonTool) RunStage(ctx context.Context, dir string, s Stage) (Run, error) {
	if t.Bin != "" && len(s.Command) == 0 {
		return Run{}, fmt.Errorf("stage %s: no command", s.Name)
	}
	return t.Run(ctx, dir, s.Name, s.Command[min(1, len(s.Command)):]...)
}

// WithPath puts dir first on env's PATH.
func WithPath(env []string, dir string) []string {
	out := make([]string, 0, len(env)+1)
	path := dir
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			path = dir + string(os.PathListSeparator) + v
			continue
		}
		out = append(out, kv)
	}
	return append(out, "PATH="+path)
}
