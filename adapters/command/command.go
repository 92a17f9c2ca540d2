// Package command is the adapter for plain commands declared in sei.yaml
// (pipeline: {tool: command, stages: [...]}). It needs no Python tool, which
// makes the engine usable and testable on its own.
package command

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"
	"syscall"
	"time"

	"seigarrena.dev/sei/adapters"
)

// Adapter runs the stages it was given.
type Adapter struct {
	stages  []adapters.Stage
	metrics string // the metrics file, repository-relative
	// Env is the environment stages see: an allow-list, so that a variable
	// that is not declared cannot change a result behind the cache's back.
	Env []string
}

// New returns an adapter for stages whose results land in metrics.
func New(stages []adapters.Stage, metrics string) *Adapter {
	return &Adapter{stages: stages, metrics: metrics, Env: ScrubbedEnv(os.Environ())}
}

// LockDigest is the SHA-256 of the metrics file: plain commands keep no
// lock of their own, and the metrics file is what the gate read.
func (a *Adapter) LockDigest(_ context.Context, repo string) (string, error) {
	return adapters.FileDigest(repo, a.metrics)
}

// allowedEnv are the variables a command stage inherits.
var allowedEnv = []string{"HOME", "LANG", "LC_ALL", "PATH", "TMPDIR", "TZ", "USER", "SOURCE_DATE_EPOCH"}

// ScrubbedEnv keeps only the allow-listed variables, sorted.
func ScrubbedEnv(env []string) []string {
	var out []string
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		for _, a := range allowedEnv {
			if k == a {
				out = append(out, kv)
			}
		}
	}
	sort.Strings(out)
	return out
}

func (a *Adapter) Tool() string { return "command" }

// Version is fixed: a command stage's own command line is part of its key.
func (a *Adapter) Version(context.Context) (string, error) { return "command/1", nil }

func (a *Adapter) Stages() ([]adapters.Stage, error) { return a.stages, nil }

// RunStage runs the stage's argv (sh -c for the manifest's string form).
func (a *Adapter) RunStage(ctx context.Context, repo string, s adapters.Stage) (adapters.Run, error) {
	return Exec(ctx, repo, a.Env, s.Name, s.Command)
}

// Exec runs argv in dir with env, in its own process group so that Ctrl-C
// and SIGKILL of sei reach its children too, and captures its output. A
// non-zero exit is a Run with ExitCode set, not an error; an error means the
// command could not run at all, and names the stage.
func Exec(ctx context.Context, dir string, env []string, stage string, argv []string) (adapters.Run, error) {
	if len(argv) == 0 {
		return adapters.Run{}, fmt.Errorf("stage %s: no command", stage)
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM) }
	cmd.WaitDelay = 5 * time.Second
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	r := adapters.Run{Stdout: out.Bytes(), Stderr: errb.Bytes(), Duration: time.Since(start)}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.ExitCode = ee.ExitCode()
	default:
		return r, fmt.Errorf("stage %s: %w", stage, err)
	}
	return r, nil
}
