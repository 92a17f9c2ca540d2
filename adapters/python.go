package adapters

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// FindTool finds a Python tool's executable: the repository's own .venv
// first (the scenario's pinned tools), then PATH. "" when there is none: a
// missing tool is reported when a stage must run, so that status and query
// work without it.
func FindTool(repo, name string) string {
	if p := filepath.Join(repo, ".venv", "bin", name); isExec(p) {
		return p
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	return ""
}

func isExec(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// MissingTool is the error for a tool that is not installed, naming where
// it was looked for and how to get it.
func MissingTool(repo, name string) error {
	return fmt.Errorf("%s not found in %s/.venv/bin or on PATH; install it (make venv-loan, then link .venv) or put it on PATH",
		name, repo)
}

// DistVersion is the installed version of Python package pkg, read from its
// metadata directory (<pkg>-<version>.dist-info) in the environment of the
// executable bin. That costs a directory read; `<tool> --version` costs a
// Python start-up (one to five seconds) on every build, so it is only the
// fallback, run by version.
func DistVersion(ctx context.Context, bin, pkg string, version func(context.Context) (string, error)) (string, error) {
	real, err := filepath.EvalSymlinks(bin)
	if err != nil {
		return "", err
	}
	glob := filepath.Join(filepath.Dir(real), "..", "lib", "python*", "site-packages", pkg+"-*.dist-info")
	if m, _ := filepath.Glob(glob); len(m) == 1 {
		return strings.TrimSuffix(strings.TrimPrefix(filepath.Base(m[0]), pkg+"-"), ".dist-info"), nil
	}
	return version(ctx)
}

// WithPath puts dir first on env's PATH, so that a tool that runs `python`
// through a shell (mlflow run --env-manager local) gets the tool's own
// environment and not the machine's.
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
